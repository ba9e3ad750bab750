import { expect } from "chai";
import type { CollectionReceipt, MessageLogEntryDto } from "../../../server/contracts/hub.js";
import {
  createMessageLog,
  generateNodeKey,
  signRequest,
  type NodeKey,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { staffAgent } from "../../helpers/auth.js";
import { aPassRecord, aRegisteredProvince, useHubWithJiangsu } from "./support.js";

describe("hub transport: RFC 9421 signed messages", () => {
  const provinceDb = useTestDatabase("prov_js");
  const suite = useHubWithJiangsu(provinceDb);

  const collectUrl = () => `${suite.hub.node.url}/api/hub/v1/collection/records`;
  const hubLog = () => createMessageLog(suite.hub.node.ctx.conn);
  const changes = () => suite.hub.node.ctx.conn.collection("hub_changes").countDocuments();

  /** Sends a request signed by `key` over `signedBody`, but carrying `sentBody` (to tamper). */
  async function rawPost(key: NodeKey, signedBody: string, options: { sentBody?: string; now?: Date } = {}) {
    const { headers } = signRequest(
      key,
      { method: "POST", url: collectUrl(), body: signedBody },
      options.now,
    );
    return fetch(collectUrl(), {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: options.sentBody ?? signedBody,
    }).then(async (res) => ({
      status: res.status,
      text: await res.text(),
      headers: res.headers,
      sent: headers,
    }));
  }

  it("when a registered province sends a signed batch, then the hub answers with a receipt whose signature verifies and both ends log the message", async () => {
    const answer = await suite.jiangsu.client.call<CollectionReceipt>(
      "POST",
      "/api/hub/v1/collection/records",
      {
        batchId: "b-signed-1",
        records: [aPassRecord()],
      },
    );
    expect(answer.status).to.equal(200);
    expect(answer.body.results[0]?.outcome).to.equal("accepted");
    expect(answer.proof.signatureInput).to.contain('"signature";req;key="sig1"');
    const [inbound] = await hubLog().list({ limit: 1 });
    expect(inbound).to.include({ direction: "in", peer: "320000", outcome: "processed", status: 200 });
    const [outbound] = await createMessageLog(provinceDb.conn).list({ limit: 1 });
    expect(outbound).to.include({
      direction: "out",
      peer: "hub",
      outcome: "processed",
      nonce: inbound?.nonce,
    });
    expect((await hubLog().verify()).ok).to.equal(true);
  });

  it("when the same signed request is replayed, then the original answer comes back and nothing is applied twice", async () => {
    const body = JSON.stringify({ batchId: "b-replay", records: [aPassRecord()] });
    const { headers } = signRequest(suite.jiangsu.key, { method: "POST", url: collectUrl(), body });
    const send = () =>
      fetch(collectUrl(), {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
      }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
        signature: r.headers.get("signature"),
      }));
    const first = await send();
    const before = await changes();
    const second = await send();
    expect(second).to.deep.equal(first);
    expect(await changes()).to.equal(before);
    const [entry] = await hubLog().list({ limit: 1 });
    expect(entry).to.include({ outcome: "replayed", peer: "320000" });
  });

  it("when the body is changed after signing, then the request is refused as content_digest_mismatch and nothing is written", async () => {
    const before = await changes();
    const signed = JSON.stringify({ batchId: "b-tamper", records: [aPassRecord({ name: "李四" })] });
    const res = await rawPost(suite.jiangsu.key, signed, { sentBody: signed.replace("李四", "王五") });
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "content_digest_mismatch" });
    expect(await changes()).to.equal(before);
    const [entry] = await hubLog().list({ limit: 1 });
    expect(entry).to.include({ outcome: "refused", code: "content_digest_mismatch" });
  });

  it("when a request is signed with a key nobody registered, then it is refused as unknown_key and logged", async () => {
    const res = await rawPost(
      generateNodeKey(),
      JSON.stringify({ batchId: "b-unknown", records: [aPassRecord()] }),
    );
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "unknown_key" });
    const [entry] = await hubLog().list({ limit: 1 });
    expect(entry).to.include({ outcome: "refused", code: "unknown_key", peer: "unknown" });
  });

  it("when a request names 江苏's key id but is signed with another key, then it is refused as signature_invalid", async () => {
    const impostor = { ...generateNodeKey(), keyId: suite.jiangsu.key.keyId };
    const res = await rawPost(impostor, JSON.stringify({ batchId: "b-wrongkey", records: [aPassRecord()] }));
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "signature_invalid" });
  });

  it("when the signature was created ten minutes ago, then it is refused as clock_skew", async () => {
    const res = await rawPost(
      suite.jiangsu.key,
      JSON.stringify({ batchId: "b-skew", records: [aPassRecord()] }),
      {
        now: new Date(Date.now() - 600_000),
      },
    );
    expect(res.status).to.equal(401);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "clock_skew" });
  });

  it("when a request carries no signature at all, then it is refused as signature_missing", async () => {
    const res = await fetch(collectUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).to.equal(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("signature_missing");
  });

  it("when the operator suspends a node, then its next request is refused as node_suspended", async () => {
    const other = await aRegisteredProvince(suite.hub, "330000", provinceDb.conn);
    await suite.hub.registry.setStatus("330000", "suspended");
    const res = await rawPost(
      other.key,
      JSON.stringify({ batchId: "b-susp", records: [aPassRecord({ province: "330000" })] }),
    );
    expect(res.status).to.equal(403);
    expect(JSON.parse(res.text)).to.nested.include({ "error.code": "node_suspended" });
  });

  it("when one sender floods the hub with unsigned requests, then each is refused but only its budget is logged one by one, and a signed message after them is logged", async () => {
    const logged = () => suite.hub.node.ctx.conn.collection("message_log").countDocuments();
    const before = await logged();
    const statuses = [];
    for (let i = 0; i < 30; i++) {
      const res = await fetch(collectUrl(), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(new Set(statuses)).to.deep.equal(new Set([401]));
    // At most the source's 10 a minute (fewer when the tests above spent some of them).
    expect((await logged()) - before).to.be.at.most(10);
    const answer = await suite.jiangsu.client.call<CollectionReceipt>(
      "POST",
      "/api/hub/v1/collection/records",
      {
        batchId: "b-after-flood",
        records: [aPassRecord()],
      },
    );
    expect(answer.status).to.equal(200);
    const [entry] = await hubLog().list({ limit: 1 });
    expect(entry).to.include({ peer: "320000", outcome: "processed" });
    expect((await hubLog().verify()).ok).to.equal(true);
  });

  it("when the operator lists the message log and the rejections, then each entry carries exactly the fields its page shows", async () => {
    const operator = await staffAgent(suite.hub.node, { roles: ["hub_operator"] });
    const bad = aPassRecord({ idNumber: "110101199003070000" });
    await suite.jiangsu.client.call("POST", "/api/hub/v1/collection/records", {
      batchId: "b-listed",
      records: [bad],
    });
    const messages = (await operator.agent.get("/api/hub/messages").expect(200)).body as Record<
      string,
      unknown
    >[];
    expect(messages.length).to.be.greaterThan(0);
    for (const m of messages)
      expect(Object.keys(m).sort()).to.deep.equal(
        [
          "at",
          "code",
          "direction",
          "hash",
          "keyId",
          "method",
          "nonce",
          "outcome",
          "peer",
          "seq",
          "status",
          "target",
        ].sort(),
      );
    const rejections = (await operator.agent.get("/api/hub/rejections").expect(200)).body as Record<
      string,
      unknown
    >[];
    expect(rejections.length).to.be.greaterThan(0);
    for (const r of rejections)
      expect(Object.keys(r).sort()).to.deep.equal([
        "at",
        "batchId",
        "reasons",
        "recordId",
        "sourceProvince",
        "version",
      ]);
  });

  it("when the operator filters the message log by kind, then submissions and reads (polls) come apart", async () => {
    const operator = await staffAgent(suite.hub.node, { roles: ["hub_operator"] });
    await suite.jiangsu.client.call("GET", "/api/hub/v1/catalog/changes?after=0");
    await suite.jiangsu.client.call("POST", "/api/hub/v1/collection/records", {
      batchId: "b-kinds",
      records: [aPassRecord({ idNumber: "110101199003070000" })],
    });
    const list = async (kind: string) =>
      (await operator.agent.get("/api/hub/messages").query({ kind, limit: 200 }).expect(200))
        .body as MessageLogEntryDto[];
    const submissions = await list("submit");
    const reads = await list("read");
    expect(submissions.map((m) => m.method))
      .to.include("POST")
      .and.not.include("GET");
    expect(reads.map((m) => m.method)).to.include("GET");
    expect(new Set(reads.map((m) => m.method))).to.deep.equal(new Set(["GET"]));
    expect(submissions.some((m) => m.target.endsWith("/collection/records"))).to.equal(true);
    expect(reads.some((m) => m.target.startsWith("/api/hub/v1/catalog/changes"))).to.equal(true);
    const refused = await operator.agent.get("/api/hub/messages").query({ kind: "polls" });
    expect(refused.status).to.equal(400);
  });
});
