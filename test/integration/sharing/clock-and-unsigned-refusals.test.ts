import { expect } from "chai";
import type { ObjectId } from "mongodb";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createPublisher, TransportError, type NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { aNewIdNumber, anExamPassed, anOutboxEvent } from "../hub/support.js";

const silent = createLogger({ level: "silent", name: "test" });
const NO_HOLD = { holdMs: { first: 0, max: 0 } };

/** A hub answering every call with a signed refusal `status code` (as the client returns it). */
function refusing(status: number, code: string, calls: { n: number }): NodeClient {
  const error = { code, message: "拒绝" };
  const answer = { status, body: { error }, error, retryAfterSeconds: null, rawBody: "{}", proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" } };
  return { call: () => ((calls.n += 1), Promise.resolve(answer)) } as unknown as NodeClient;
}

/** A peer whose every answer fails verification: an unsigned 401 `code`, as the client throws it. */
function unverifiable(code: string, calls: { n: number }): NodeClient {
  const call = () => {
    calls.n += 1;
    return Promise.reject(new TransportError("response_unverified", "unsigned", { refusal: { status: 401, code } }));
  };
  return { call } as unknown as NodeClient;
}

/**
 * A hub refusing for time (this node's clock off) or with a refusal nobody signed (a request
 * changed on the way) says nothing of the records or the case: the queues wait, uncounted, rather
 * than park records or give a case up after their attempt limits.
 */
describe("province queues: clock refusals and unsigned refusals wait uncounted", () => {
  const db = useTestDatabase("prov_clockwait");
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  const hubState = async (key: string) =>
    ((await db.conn.collection("outbox").findOne({ key }))?.deliveries as { hub?: Record<string, unknown> } | undefined)?.hub;

  async function publishUnder(client: NodeClient, label: string) {
    const publisher = createPublisher({ conn: db.conn, logger: silent, client: () => client, backoffMs: () => 0, maxAttempts: 2, ...NO_HOLD });
    const idNumber = aNewIdNumber();
    const key = `${label}:${idNumber}`;
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), key);
    for (let i = 0; i < 5; i++) await publisher.drainOnce();
    return hubState(key);
  }

  // The hub judges a signature's time before the signature, so it sends these unsigned; a signed
  // one (another hub's software) is read alike.
  for (const code of ["clock_skew", "signature_expired"])
    for (const signed of [false, true])
    it(`when the hub answers ${signed ? "a signed" : "an unsigned"} 401 ${code} every time, then records wait uncounted and the reason tells the operator to check the node's clock`, async () => {
      const calls = { n: 0 };
      const state = await publishUnder(signed ? refusing(401, code, calls) : unverifiable(code, calls), code);
      expect(calls.n).to.be.at.least(3);
      expect(state).to.include({ status: "pending", attempts: 0 });
      expect(String(state?.lastError)).to.include("时钟").and.to.include(code);
    });

  it("when every answer is an unsigned 401 (a request changed on the way), then records wait uncounted", async () => {
    const calls = { n: 0 };
    const state = await publishUnder(unverifiable("content_digest_mismatch", calls), "unsigned");
    expect(calls.n).to.be.at.least(3);
    expect(state).to.include({ status: "pending", attempts: 0 });
  });

  /** The exchange's verdict on one attempt of a queued message under `client`. */
  async function exchangeAttempt(client: NodeClient) {
    const transport = createExchangeTransport({ conn: db.conn, logger: silent, client: () => client, maxAttempts: 1 });
    const entry = { _id: null as unknown as ObjectId, caseId: "c-1", key: "k", seq: 1, purpose: "end", path: "/cases/c-1/end", body: {}, attempts: 0 };
    return transport.attempt(entry as never);
  }

  for (const code of ["clock_skew", "signature_expired"])
    for (const signed of [false, true])
    it(`when the hub answers a message of the exchange with ${signed ? "a signed" : "an unsigned"} 401 ${code}, then it waits uncounted and says to check the clock`, async () => {
      const result = await exchangeAttempt(signed ? refusing(401, code, { n: 0 }) : unverifiable(code, { n: 0 }));
      expect(result).to.include({ kind: "hold", cause: "clock" });
      expect((result as { reason: string }).reason).to.include("时钟");
    });

  it("when the exchange's answer is an unsigned 401, then the message waits uncounted", async () => {
    const result = await exchangeAttempt(unverifiable("content_digest_mismatch", { n: 0 }));
    expect(result).to.include({ kind: "hold" });
  });

  it("when the exchange's answer is an unsigned 401 unknown_key, then the message waits as for a key not yet registered", async () => {
    const result = await exchangeAttempt(unverifiable("unknown_key", { n: 0 }));
    expect(result).to.include({ kind: "hold" });
    expect((result as { reason: string }).reason).to.include("unknown_key");
  });

  it("when the hub cannot be reached, then the exchange still counts the try as before", async () => {
    const client = { call: () => Promise.reject(new TransportError("hub_unreachable", "down")) } as unknown as NodeClient;
    expect(await exchangeAttempt(client)).to.include({ kind: "retry" });
  });
});
