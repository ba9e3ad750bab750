import { expect } from "chai";
import { createLogger } from "../../../server/lib/logger.js";
import { createMessageLog, createNodeClient, createPublisher, type NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aCertificateRecord, aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "./support.js";

const silent = createLogger({ level: "silent", name: "test" });

describe("province publisher", () => {
  const provinceDb = useTestDatabase("prov_pub");
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aRegisteredProvince>>;

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
  });
  after(async () => {
    await hub.node.stop();
  });

  /** A client whose network can be cut: while `down`, every request fails to connect. */
  function switchableClient(state: { down: boolean; hangAfterSend?: boolean }): NodeClient {
    const fetchImpl: typeof fetch = async (input, init) => {
      if (state.down) throw new TypeError("fetch failed: connect ECONNREFUSED");
      const res = await fetch(input, init);
      // The instance "dies" after the hub applied the batch but before it recorded the answer.
      if (state.hangAfterSend) await new Promise(() => undefined);
      return res;
    };
    return createNodeClient({ key: jiangsu.key, peer: hub.peer, log: createMessageLog(provinceDb.conn), fetchImpl });
  }

  const hubChangesOf = (idNumber: string) =>
    hub.node.ctx.conn.collection("hub_changes").find({ idNumber }).sort({ seq: 1 }).toArray();
  const outbound = () => provinceDb.conn.collection("sharing_outbound");

  it("when the hub is down while records queue and then comes back, then every record arrives exactly once, in order per practitioner", async () => {
    const network = { down: true };
    const client = switchableClient(network);
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0, batchSize: 10 });
    const people = [aNewIdNumber(), aNewIdNumber()];
    for (const idNumber of people) {
      await publisher.enqueue(`pass:${idNumber}`, aPassRecord({ idNumber }));
      await publisher.enqueue(`cert1:${idNumber}`, aCertificateRecord({ idNumber, version: 1 }));
      await publisher.enqueue(`cert2:${idNumber}`, aCertificateRecord({ idNumber, version: 2, status: "revoked" }));
      await publisher.enqueue(`cert2:${idNumber}`, aCertificateRecord({ idNumber, version: 2, status: "revoked" }));
    }
    await publisher.drainOnce();
    expect(await hubChangesOf(people[0]!)).to.have.length(0);
    expect(await outbound().countDocuments({ idNumber: { $in: people }, status: "pending", lastError: { $ne: null } })).to.equal(2);

    network.down = false;
    await publisher.drainOnce();
    for (const idNumber of people) {
      const changes = await hubChangesOf(idNumber);
      expect(changes.map((c) => `${c.recordType}:${c.version}`)).to.deep.equal(["exam_pass:1", "certificate:1", "certificate:2"]);
      const pointer = await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
      expect(pointer).to.include({ certificateStatus: "revoked" });
    }
    expect(await outbound().countDocuments({ idNumber: { $in: people }, status: "done" })).to.equal(6);
    expect(await provinceDb.conn.collection("sharing_receipts").countDocuments()).to.be.greaterThan(0);
  });

  it("when an instance is killed after the hub applied its batch, then another instance re-sends after the lease and the hub applies nothing twice", async () => {
    const idNumber = aNewIdNumber();
    const dying = createPublisher({
      conn: provinceDb.conn, logger: silent, client: () => switchableClient({ down: false, hangAfterSend: true }), leaseMs: 300,
    });
    await dying.enqueue(`pass:${idNumber}`, aPassRecord({ idNumber }));
    void dying.drainOnce();
    for (let i = 0; i < 100 && (await hubChangesOf(idNumber)).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await outbound().findOne({ idNumber })).to.include({ status: "sending", leaseOwner: dying.instanceId });

    const survivor = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => switchableClient({ down: false }) });
    for (let i = 0; i < 100 && (await outbound().findOne({ idNumber }))?.status !== "done"; i++) {
      await survivor.drainOnce();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await outbound().findOne({ idNumber })).to.include({ status: "done", outcome: "duplicate" });
    expect(await hubChangesOf(idNumber)).to.have.length(1);
  });

  it("when the hub rejects a record, then it is dead-lettered with the hub's reasons, holds back that practitioner's later records, and an officer's retry sends it again", async () => {
    const idNumber = aNewIdNumber();
    const client = switchableClient({ down: false });
    const publisher = createPublisher({ conn: provinceDb.conn, logger: silent, client: () => client, backoffMs: () => 0 });
    await publisher.enqueue(`bad:${idNumber}`, { ...aPassRecord({ idNumber }), issuingDivision: "329999" });
    await publisher.enqueue(`good:${idNumber}`, aCertificateRecord({ idNumber }));
    await publisher.drainOnce();
    const dead = await outbound().findOne({ key: `bad:${idNumber}` });
    expect(dead).to.include({ status: "dead", outcome: "rejected" });
    expect((dead?.reasons as { code: string }[]).map((r) => r.code)).to.include("unknown_division");
    expect(await outbound().findOne({ key: `good:${idNumber}` })).to.include({ status: "pending" });
    expect(await hubChangesOf(idNumber)).to.have.length(0);
    expect(await publisher.retry(String(dead?._id))).to.equal(true);
    expect(await outbound().findOne({ key: `bad:${idNumber}` })).to.include({ status: "pending", attempts: 0 });
  });
});
