import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { CollectionReceipt, RecordResult } from "../../../server/contracts/hub.js";
import { createLogger } from "../../../server/lib/logger.js";
import {
  createMessageLog,
  createNodeClient,
  createPublisher,
  generateNodeKey,
  type NodeClient,
  type SignedAnswer,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, anExamPassed, anOutboxEvent, startTestHub, type TestHub } from "./support.js";

const silent = createLogger({ level: "silent", name: "test" });

/** Any Chinese character: every reason the queue page shows is written for a province officer. */
const CHINESE = /[\u4e00-\u9fff]/;

/**
 * A hub stand-in answering each batch with `answer(records)` as if signed and verified (the
 * publisher's concern here is what it makes of the answer, not the transport).
 */
function fakeHub(
  answer: (body: {
    batchId: string;
    records: { recordId: string }[];
  }) => Pick<SignedAnswer, "status" | "body" | "error">,
): NodeClient {
  return {
    call: (_method: string, _path: string, body: unknown) => {
      const a = answer(body as { batchId: string; records: { recordId: string }[] });
      return Promise.resolve({
        ...a,
        rawBody: JSON.stringify(a.body),
        proof: {
          signatureInput: "sig1=()",
          signature: "sig1=:AA==:",
          contentDigest: "sha-256=:AA==:",
          requestSignature: "sig1=:AA==:",
        },
      });
    },
  } as unknown as NodeClient;
}

/** A receipt whose every record has the outcome and reasons given. */
const receiptOf = (
  body: { batchId: string; records: { recordId: string }[] },
  result: Pick<RecordResult, "outcome" | "reasons">,
): CollectionReceipt => ({
  receiptId: randomUUID(),
  batchId: body.batchId,
  sourceProvince: "320000",
  receivedAt: new Date().toISOString(),
  results: body.records.map((r, index) => ({
    index,
    recordId: r.recordId,
    version: 1,
    hubSeq: null,
    recordHash: null,
    ...result,
  })),
});

describe("province publisher: what the delivery queue says", () => {
  const db = useTestDatabase("prov_words");
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub.node.stop();
  });
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  const hubState = async (key: string) =>
    (
      (await db.conn.collection("outbox").findOne({ key }))?.deliveries as
        { hub?: Record<string, unknown> } | undefined
    )?.hub;

  /** One pass by a publisher with `client`, on one new entry; answers the entry's delivery state. */
  async function onePass(client: NodeClient, options: { maxAttempts?: number } = {}) {
    const idNumber = aNewIdNumber();
    const key = `words:${idNumber}`;
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), key);
    const publisher = createPublisher({
      conn: db.conn,
      logger: silent,
      client: () => client,
      backoffMs: () => 60_000,
      ...options,
    });
    await publisher.drainOnce();
    return hubState(key);
  }

  it("when the hub refuses the batch with a signed error, then the queue shows a Chinese reason with the hub's status and code", async () => {
    const client = fakeHub(() => ({
      status: 400,
      body: { error: { code: "validation_failed", message: "请求不合法" } },
      error: { code: "validation_failed", message: "请求不合法" },
    }));
    expect(await onePass(client)).to.include({
      status: "pending",
      attempts: 1,
      lastError: "全国中心拒收本批记录 (400 validation_failed)",
    });
  });

  it("when the hub refuses a batch it could not verify (a key id it knows, signed with another key), then its refusal is unsigned and the records wait uncounted, saying so", async () => {
    const owner = generateNodeKey();
    await hub.registry.register({
      provinceCode: "340000",
      name: "安徽",
      nodeKey: owner.publicKeyX,
      certificateKeys: [],
    });
    const client = createNodeClient({
      key: { ...generateNodeKey(), keyId: owner.keyId },
      peer: hub.peer,
      log: createMessageLog(db.conn),
    });
    const state = await onePass(client);
    expect(state).to.include({
      status: "pending",
      attempts: 0,
      lastError: "全国中心的拒收应答未经签名，无法确认 (401 signature_invalid)，记录在本地等待",
    });
  });

  it("when the hub answers it is rate limited, then the queue says in Chinese that the records wait, and counts no attempt", async () => {
    const client = fakeHub(() => ({
      status: 429,
      body: { error: { code: "rate_limited", message: "请求过于频繁" } },
      error: { code: "rate_limited", message: "请求过于频繁" },
    }));
    expect(await onePass(client)).to.include({
      status: "pending",
      attempts: 0,
      lastError: "全国中心暂时无法接收 (429 rate_limited)，记录在本地等待",
    });
  });

  it("when the network to the hub fails, then the queue says the hub cannot be reached, in Chinese and without the system's error text", async () => {
    const client = createNodeClient({
      key: generateNodeKey(),
      peer: hub.peer,
      log: createMessageLog(db.conn),
      fetchImpl: () => Promise.reject(new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1:9")),
    });
    expect(await onePass(client)).to.include({ status: "pending", lastError: "无法连接全国中心" });
  });

  it("when sending fails with an error of no known kind, then the queue still shows a Chinese reason, not the raw error", async () => {
    const client = { call: () => Promise.reject(new Error("socket hang up")) } as unknown as NodeClient;
    const state = await onePass(client);
    expect(state?.status).to.equal("pending");
    expect(String(state?.lastError)).to.match(CHINESE).and.not.include("socket hang up");
  });

  it("when the hub's answer is no receipt, then the queue says so in Chinese", async () => {
    const client = fakeHub(() => ({ status: 200, body: { nothing: true }, error: null }));
    expect(await onePass(client)).to.include({
      status: "pending",
      lastError: "全国中心的回执不符合接口规范",
    });
  });

  it("when the hub rejects a record, then it is parked with a Chinese reason beside the hub's reasons", async () => {
    const reasons: RecordResult["reasons"] = [{ code: "future_date", field: "exam.passedOn", message: "日期晚于当前时间" }];
    const client = fakeHub((body) => ({
      status: 200,
      body: receiptOf(body, { outcome: "rejected", reasons }),
      error: null,
    }));
    const state = await onePass(client);
    expect(state).to.include({ status: "failed", lastError: "全国中心拒收该记录，见拒收原因" });
    expect((state?.result as { reasons: unknown[] }).reasons).to.deep.equal(reasons);
  });

  it("when the hub answers conflict_retry (a write race of its own), then the record is sent again later, not parked", async () => {
    const reasons: RecordResult["reasons"] = [{ code: "conflict_retry", field: null, message: "并发写入冲突，请重新发送" }];
    const client = fakeHub((body) => ({
      status: 200,
      body: receiptOf(body, { outcome: "rejected", reasons }),
      error: null,
    }));
    const state = await onePass(client, { maxAttempts: 3 });
    expect(state).to.include({
      status: "pending",
      attempts: 1,
      lastError: "全国中心并发写入冲突 (conflict_retry)",
    });
  });
});
