import { expect } from "chai";
import { generateKeyPair, keyIdOf } from "../../../server/certificates/index.js";
import { createRegistryService } from "../../../server/hub/index.js";
import { AppError } from "../../../server/lib/errors.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { staffAgent } from "../../helpers/auth.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

interface AuditRow {
  action: string;
  actor: { id: string; kind: string; name: string };
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
}

/**
 * The registry is the network's root of trust: whoever changes a province's node key, suspends a
 * node or gets a certificate key onto the national list changes whom every node believes. Each
 * change is audited in the transaction that makes it, naming who made it.
 */
describe("hub registry: changes are audited", function () {
  this.timeout(60_000);
  const logDb = useTestDatabase("hub_registry_audit");
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => hub?.node.stop());

  const entries = (action: string, provinceCode: string) =>
    hub.node.ctx.conn
      .collection<AuditRow>("audit_log")
      .find({ action, "target.id": provinceCode })
      .sort({ seq: 1 })
      .toArray();

  it("when an operator registers a new node key for a province, then an entry names the operator, the key added and the key retired", async () => {
    const operator = await staffAgent(hub.node, { roles: ["hub_operator"] });
    const first = generateNodeKey();
    const second = generateNodeKey();
    const body = { provinceCode: "210000", name: "辽宁", certificateKeys: [] };
    expect(
      (await operator.agent.post("/api/hub/nodes").send({ ...body, nodeKey: first.publicKeyX })).status,
    ).to.equal(201);
    const res = await operator.agent.post("/api/hub/nodes").send({ ...body, nodeKey: second.publicKeyX });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const rows = await entries("hub.node_registered", "210000");
    expect(rows).to.have.length(2);
    const last = rows[1]!;
    expect(last.actor).to.include({ id: operator.user.id, kind: "staff" });
    expect(last.target).to.deep.equal({ type: "hub_node", id: "210000" });
    expect(last.details).to.deep.include({ nodeKeysAdded: [second.keyId], nodeKeysRetired: [first.keyId] });
  });

  it("when an operator suspends a node, then an entry names the operator and the status before and after", async () => {
    const operator = await staffAgent(hub.node, { roles: ["hub_operator"] });
    await hub.registry.register({
      provinceCode: "220000",
      name: "吉林",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    const res = await operator.agent.post("/api/hub/nodes/220000/status").send({ status: "suspended" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const rows = await entries("hub.node_status_changed", "220000");
    expect(rows).to.have.length(1);
    expect(rows[0]!.actor).to.include({ id: operator.user.id });
    expect(rows[0]!.details).to.deep.include({ nodeStatus: { from: "active", to: "suspended" } });
  });

  it("when an operator sets a node to the status it already has, then nothing is written: no entry, no new registry version", async () => {
    const operator = await staffAgent(hub.node, { roles: ["hub_operator"] });
    await hub.registry.register({
      provinceCode: "230000",
      name: "黑龙江",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    const meta = hub.node.ctx.conn.collection<{ _id: string; version?: number }>("hub_registry_meta");
    const versionBefore = await meta.find().toArray();
    const res = await operator.agent.post("/api/hub/nodes/230000/status").send({ status: "active" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ provinceCode: "230000", status: "active" });
    expect(await entries("hub.node_status_changed", "230000")).to.have.length(0);
    expect(await meta.find().toArray()).to.deep.equal(versionBefore);
  });

  it("when two identical suspensions of a node arrive at once, then exactly one entry is written and the registry version steps once", async () => {
    await hub.registry.register({
      provinceCode: "500000",
      name: "重庆",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    const meta = hub.node.ctx.conn.collection<{ _id: string; version?: number }>("hub_registry_meta");
    const versionBefore = (await meta.findOne({ _id: "nodes" }))?.version ?? 0;
    // Two registries (two instances of the hub): their transactions really overlap.
    const registries = [hub.registry, createRegistryService(hub.node.ctx.conn)];
    const answers = await Promise.all(registries.map((r) => r.setStatus("500000", "suspended")));
    expect(answers.map((a) => a.status)).to.deep.equal(["suspended", "suspended"]);
    const rows = await entries("hub.node_status_changed", "500000");
    expect(rows).to.have.length(1);
    expect(rows[0]!.details).to.deep.include({ nodeStatus: { from: "active", to: "suspended" } });
    expect((await meta.findOne({ _id: "nodes" }))?.version).to.equal(versionBefore + 1);
  });

  it("when a province announces a new certificate key, then an entry names the province as the actor and the key", async () => {
    const { client } = await aRegisteredProvince(hub, "230000", logDb.conn);
    const pair = generateKeyPair("ed25519");
    const kid = keyIdOf("ed25519", pair.publicKey);
    const answer = await client.call("POST", "/api/hub/v1/certificate-keys", {
      certificateKeys: [
        { kid, suite: "ed25519", publicKey: pair.publicKey, validFrom: new Date().toISOString() },
      ],
    });
    expect(answer.status).to.equal(200);
    const rows = await entries("hub.certificate_keys_announced", "230000");
    expect(rows).to.have.length(1);
    expect(rows[0]!.actor).to.include({ id: "node:230000", kind: "system" });
    expect(rows[0]!.details).to.deep.include({ kidsAdded: [kid] });
  });

  it("when two provinces register the same node key at once, then one is refused node_key_in_use and the key names one province only", async () => {
    const shared = generateNodeKey();
    const registries = [hub.registry, createRegistryService(hub.node.ctx.conn)];
    const results = await Promise.allSettled(
      [
        { provinceCode: "350000", name: "福建" },
        { provinceCode: "360000", name: "江西" },
      ].map((p, i) => registries[i]!.register({ ...p, nodeKey: shared.publicKeyX, certificateKeys: [] })),
    );
    const holders = await hub.node.ctx.conn
      .collection("hub_nodes")
      .countDocuments({ "nodeKeys.keyId": shared.keyId });
    expect(holders, "provinces holding the one key").to.equal(1);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).to.have.length(1);
    expect((refused[0] as PromiseRejectedResult).reason)
      .to.be.instanceOf(AppError)
      .and.to.include({ code: "node_key_in_use", status: 409 });
  });
});
