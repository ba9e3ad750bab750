import { expect } from "chai";
import type { ObjectId } from "mongodb";
import { createExchangeTransport } from "../../../server/exchange/index.js";
import { createPublisher, type NodeClient } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import { aNewIdNumber, anExamPassed, anOutboxEvent } from "../hub/support.js";

/** A hub answering every call with a signed 401 `code` (as the client returns it). */
function refusingClock(code: string): NodeClient {
  const error = { code, message: "请求时间超出允许范围" };
  const answer = {
    status: 401,
    body: { error },
    error,
    retryAfterSeconds: null,
    rawBody: "{}",
    proof: { signatureInput: "", signature: "", contentDigest: "", requestSignature: "" },
  };
  return { call: () => Promise.resolve(answer) } as unknown as NodeClient;
}

/**
 * A hub refusing this node's clock holds both queues (records and exchange messages). Logged as
 * "unreachable or busy", the operator looked for a network fault: the log sends them to the clock.
 */
describe("province queues: a hold for the node's clock says so in the log", () => {
  const db = useTestDatabase("prov_clockhold");

  for (const code of ["clock_skew", "signature_expired"]) {
    it(`when the hub refuses an exchange message ${code}, then the hold's cause is the clock and the log says to check it`, async () => {
      const { logger, lines } = recordingLogger();
      const transport = createExchangeTransport({
        conn: db.conn,
        logger,
        client: () => refusingClock(code),
        maxAttempts: 1,
      });
      const entry = {
        _id: null as unknown as ObjectId,
        caseId: "c-1",
        key: "k",
        seq: 1,
        purpose: "end",
        path: "/cases/c-1/end",
        body: {},
        attempts: 0,
      };
      expect(await transport.attempt(entry as never)).to.include({ kind: "hold", cause: "clock" });
      await db.conn
        .collection("exchange_outgoing")
        .insertOne({
          ...entry,
          _id: undefined,
          key: `k-${code}`,
          seq: code.length,
          status: "pending",
          availableAt: new Date(0),
          leaseUntil: null,
        } as never);
      await transport.sendOnce();
      expect(lines.map((l) => l.msg).join("\n")).to.include("check this node's clock");
    });

    it(`when the hub refuses a batch of records ${code}, then the publisher's log says to check the node's clock`, async () => {
      const { logger, lines } = recordingLogger();
      const publisher = createPublisher({
        conn: db.conn,
        logger,
        client: () => refusingClock(code),
        backoffMs: () => 0,
        maxAttempts: 2,
        holdMs: { first: 0, max: 0 },
      });
      const idNumber = aNewIdNumber();
      await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `clock:${code}:${idNumber}`);
      await publisher.drainOnce();
      const said = lines.map((l) => l.msg).join("\n");
      expect(said).to.include("check this node's clock");
      expect(said).to.not.include("unreachable or busy");
    });
  }
});
