import { expect } from "chai";
import { createLogger } from "../../../server/lib/logger.js";
import {
  createMessageLog,
  createNodeClient,
  createPublisher,
  type NodeClient,
} from "../../../server/sharing/index.js";
import { QUEUE_WORDS } from "../../../server/sharing/publisher.js";
import { useTestDatabase } from "../../helpers/database.js";
import {
  aCertificateEvent,
  aNewIdNumber,
  anExamPassed,
  anOutboxEvent,
  aPassRecord,
  aStatusChange,
  useHubWithJiangsu,
} from "../hub/support.js";

const silent = createLogger({ level: "silent", name: "test" });
/**
 * No pause after a hold: every pass asks the hub again at once, so a test counts passes, not
 * milliseconds (only a Retry-After the hub names still pauses the queue).
 */
const NO_HOLD = { holdMs: { first: 0, max: 0 } };

/**
 * What parks an entry of the hub's delivery queue, and what a parked entry holds back: only the
 * hub's judgement of a record parks it, and a parked record never holds another record back.
 */

describe("province publisher: parking and waiting", () => {
  const db = useTestDatabase("prov_parking");

  /** A publisher on this file's database that retries at once, with `options` beside. */
  function aPublisher(
    client: () => NodeClient | null,
    options: Partial<Parameters<typeof createPublisher>[0]>,
  ) {
    return createPublisher({ conn: db.conn, logger: silent, client, backoffMs: () => 0, ...options });
  }

  /** `n` delivery passes (each one a real attempt, as the publishers here never pause on a hold). */
  async function passes(publisher: ReturnType<typeof createPublisher>, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await publisher.drainOnce();
  }
  const suite = useHubWithJiangsu(db);
  // Each test's publisher claims every due entry: one test's leftovers must not meet another's hub.
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  const state = async (key: string) =>
    (
      (await db.conn.collection("outbox").findOne({ key }))?.deliveries as
        { hub?: Record<string, unknown> } | undefined
    )?.hub;
  const pointerOf = (idNumber: string) =>
    suite.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
  const hubChangesOf = (idNumber: string) =>
    suite.hub.node.ctx.conn.collection("hub_changes").find({ idNumber }).sort({ seq: 1 }).toArray();
  const liveClient = () =>
    createNodeClient({ key: suite.jiangsu.key, peer: suite.hub.peer, log: createMessageLog(db.conn) });

  it("when a new pass is rejected for the per-person record limit and the officer then revokes an accepted certificate, then the hub shows the certificate revoked", async () => {
    const idNumber = aNewIdNumber();
    const client = liveClient();
    const publisher = aPublisher(() => client, { batchSize: 10 });
    await anOutboxEvent(
      db.conn,
      "certificate.issued",
      aCertificateEvent({ idNumber }),
      `limit-cert:${idNumber}`,
    );
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    expect(await pointerOf(idNumber)).to.include({ certificateStatus: "valid" });
    // The province reaches the hub's limit of records per person (50) with records published before.
    const fill = Array.from({ length: 49 }, (_, i) =>
      aPassRecord({ idNumber, recordId: `pass:fill-${idNumber}-${i}` }),
    );
    const filled = await suite.jiangsu.client.call("POST", "/api/hub/v1/collection/records", {
      batchId: `fill-${idNumber}`,
      records: fill,
    });
    expect(filled.status).to.equal(200);

    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `limit-pass:${idNumber}`);
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    const parked = await state(`limit-pass:${idNumber}`);
    expect(parked).to.include({ status: "failed" });
    expect((parked?.result as { reasons: { code: string }[] }).reasons.map((r) => r.code)).to.include(
      "too_many_records",
    );

    // The officer revokes cert:A; then someone retries the parked pass, which the hub refuses again.
    await anOutboxEvent(
      db.conn,
      "certificate.status_changed",
      aStatusChange({ idNumber, status: "revoked" }),
      `limit-revoke:${idNumber}`,
    );
    const dead = await db.conn.collection("outbox").findOne({ key: `limit-pass:${idNumber}` });
    expect(await publisher.retry(String(dead?._id))).to.equal(true);
    for (let i = 0; i < 4; i++) await publisher.drainOnce();

    expect(await state(`limit-pass:${idNumber}`)).to.include({ status: "failed" });
    expect(await state(`limit-revoke:${idNumber}`)).to.include({ status: "done" });
    expect(await pointerOf(idNumber)).to.include({
      certificateStatus: "revoked",
      certificateNumber: idNumber,
    });
  });

  it("when a record's earlier version is parked, then its later version still goes and supersedes it at the hub", async () => {
    const idNumber = aNewIdNumber();
    const client = liveClient();
    const publisher = aPublisher(() => client, { batchSize: 10 });
    // An issue stamped in the future (the hub refuses it), then the same certificate's revocation.
    const issue = aCertificateEvent({ idNumber });
    const bad = {
      ...issue,
      record: { ...issue.record, updatedAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
    };
    await anOutboxEvent(db.conn, "certificate.issued", bad, `sup-cert:${idNumber}`);
    await anOutboxEvent(
      db.conn,
      "certificate.status_changed",
      aStatusChange({ idNumber, status: "revoked" }),
      `sup-rev:${idNumber}`,
    );
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    expect(await state(`sup-cert:${idNumber}`)).to.include({ status: "failed" });
    expect(await state(`sup-rev:${idNumber}`)).to.include({ status: "done" });
    expect((await hubChangesOf(idNumber)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal([
      "certificate:2",
    ]);
    expect(await pointerOf(idNumber)).to.include({ certificateStatus: "revoked" });
  });

  it("when no hub is configured, then records wait uncounted and arrive once it is", async () => {
    let client: NodeClient | null = null;
    const publisher = aPublisher(() => client, { maxAttempts: 1, ...NO_HOLD });
    const idNumber = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `nohub:${idNumber}`);
    await passes(publisher, 3);
    expect(await state(`nohub:${idNumber}`)).to.include({
      status: "pending",
      attempts: 0,
      lastError: QUEUE_WORDS.hubNotConfigured,
    });
    client = liveClient();
    await publisher.drainOnce();
    expect(await state(`nohub:${idNumber}`)).to.include({ status: "done" });
  });

  it("when the hub is unreachable for many passes, then records wait uncounted and arrive once it is back", async () => {
    const network = { down: true };
    const fetchImpl: typeof fetch = (input, init) =>
      network.down ? Promise.reject(new TypeError("fetch failed: connect ECONNREFUSED")) : fetch(input, init);
    const client = createNodeClient({
      key: suite.jiangsu.key,
      peer: suite.hub.peer,
      log: createMessageLog(db.conn),
      fetchImpl,
    });
    const publisher = aPublisher(() => client, { maxAttempts: 2, ...NO_HOLD });
    const idNumber = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `down:${idNumber}`);
    await passes(publisher, 5);
    expect(await state(`down:${idNumber}`)).to.include({
      status: "pending",
      attempts: 0,
      lastError: QUEUE_WORDS.unreachable,
    });
    network.down = false;
    await publisher.drainOnce();
    expect(await state(`down:${idNumber}`)).to.include({ status: "done" });
  });

  /** A hub answering every batch with `status` (a signed refusal as the client returns it). */
  function answering(status: number, retryAfterSeconds: number | null, calls: { n: number }): NodeClient {
    const answer = {
      status,
      body: { error: { code: status === 429 ? "rate_limited" : "unavailable", message: "稍后再试" } },
      error: { code: status === 429 ? "rate_limited" : "unavailable", message: "稍后再试" },
      retryAfterSeconds,
      rawBody: "{}",
      proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
    };
    const call = () => {
      calls.n += 1;
      return Promise.resolve(answer);
    };
    return { call } as unknown as NodeClient;
  }

  it("when the hub answers 500 every time, then the record's attempts are counted and it parks (a hub failing on it, not away)", async () => {
    const calls = { n: 0 };
    const client = answering(500, null, calls);
    const publisher = aPublisher(() => client, { maxAttempts: 2, ...NO_HOLD });
    const idNumber = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `fails500:${idNumber}`);
    await passes(publisher, 5);
    expect(await state(`fails500:${idNumber}`)).to.include({ status: "failed", attempts: 2 });
  });

  for (const status of [503, 502, 429])
    it(`when the hub answers ${status} for many passes, then records wait uncounted instead of being parked`, async () => {
      const calls = { n: 0 };
      const client = answering(status, null, calls);
      const publisher = aPublisher(() => client, { maxAttempts: 2, ...NO_HOLD });
      const idNumber = aNewIdNumber();
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `busy${status}:${idNumber}`);
      await passes(publisher, 5);
      expect(calls.n).to.be.at.least(3);
      expect(await state(`busy${status}:${idNumber}`)).to.include({ status: "pending", attempts: 0 });
    });

  it("when the hub answers 429 with a Retry-After, then the queue asks it again only after that time", async () => {
    const calls = { n: 0 };
    const client = answering(429, 60, calls);
    const publisher = aPublisher(() => client, { ...NO_HOLD });
    const idNumber = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `later:${idNumber}`);
    await publisher.drainOnce();
    // Without a hold of its own, only the hub's Retry-After can keep the next passes from asking.
    for (let i = 0; i < 3; i++) expect(await publisher.drainOnce()).to.equal(0);
    expect(calls.n).to.equal(1);
  });
});
