import { expect } from "chai";
import {
  createMessageLog,
  createNodeClient,
  createPublisher,
  type NodeClient,
} from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { recordingLogger } from "../../helpers/recording-logger.js";
import {
  aCertificateEvent,
  aNewIdNumber,
  anExamPassed,
  anOutboxEvent,
  useHubWithJiangsu,
} from "./support.js";

/**
 * Parked entries (a hub rejection) hold nothing back, neither their person's other records nor
 * anyone else's: the publisher looks at a bounded window of the oldest due entries, and a window
 * full of entries waiting behind parked ones once delivered nothing at all. An outage parks nothing.
 */
describe("province publisher: parked records and the rest of the queue", () => {
  const db = useTestDatabase("prov_parked");
  const suite = useHubWithJiangsu(db);
  // Each test its own queue: a publisher claims every due entry in the outbox.
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  /** A client whose network can be cut: while `down`, every request fails to connect. */
  function switchableClient(state: { down: boolean }): NodeClient {
    const fetchImpl: typeof fetch = (input, init) =>
      state.down ? Promise.reject(new TypeError("fetch failed: connect ECONNREFUSED")) : fetch(input, init);
    return createNodeClient({
      key: suite.jiangsu.key,
      peer: suite.hub.peer,
      log: createMessageLog(db.conn),
      fetchImpl,
    });
  }
  const hubChangesOf = (idNumber: string) =>
    suite.hub.node.ctx.conn.collection("hub_changes").find({ idNumber }).sort({ seq: 1 }).toArray();
  const hubState = async (key: string) =>
    (
      (await db.conn.collection("outbox").findOne({ key }))?.deliveries as
        { hub?: Record<string, unknown> } | undefined
    )?.hub;
  /** A pass dated three days ahead: the hub rejects it (future_date), so it is parked at once. */
  const aFuturePass = (idNumber: string) => ({
    ...anExamPassed({ idNumber }),
    submittedAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
  });

  it("when more people than one claim looks at have a parked first record and a later one, then their later records and another person's record beyond them are still delivered", async () => {
    const parked = Array.from({ length: 12 }, () => aNewIdNumber());
    for (const idNumber of parked) {
      await anOutboxEvent(db.conn, "exam.passed", aFuturePass(idNumber), `parked-head:${idNumber}`);
      await anOutboxEvent(
        db.conn,
        "certificate.issued",
        aCertificateEvent({ idNumber }),
        `parked-later:${idNumber}`,
      );
    }
    const healthy = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber: healthy }), `healthy:${healthy}`);
    const client = switchableClient({ down: false });
    const { logger, warnings } = recordingLogger();
    // One entry per batch: a claim looks at the ten oldest due entries, fewer than the twelve waiting.
    const publisher = createPublisher({
      conn: db.conn,
      logger,
      client: () => client,
      backoffMs: () => 0,
      batchSize: 1,
    });
    for (let i = 0; i < 5; i++) await publisher.drainOnce();

    expect((await hubChangesOf(healthy)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal([
      "exam_pass:1",
    ]);
    expect(await hubState(`healthy:${healthy}`)).to.include({ status: "done" });
    for (const idNumber of parked) {
      expect(await hubState(`parked-head:${idNumber}`)).to.include({ status: "failed" });
      // Another record of the person: the parked pass does not hold it back.
      expect((await hubChangesOf(idNumber)).map((c) => `${c.recordType}:${c.version}`)).to.deep.equal([
        "certificate:1",
      ]);
      expect(await hubState(`parked-later:${idNumber}`)).to.include({ status: "done" });
    }
    // Not silent: each parked record is a warning naming it.
    const parkedWarnings = warnings().filter((l) => l.msg.includes("parked"));
    expect(parkedWarnings.map((l) => l.detail.key)).to.include.members(
      parked.map((id) => `parked-head:${id}`),
    );
  });

  it("when the hub is unreachable for longer than the attempts allowed, then nothing is parked and the person's records arrive by themselves once it is back", async () => {
    const network = { down: true };
    const client = switchableClient(network);
    const { logger } = recordingLogger();
    // One attempt: counted, the outage would park the first record at once.
    const publisher = createPublisher({
      conn: db.conn,
      logger,
      client: () => client,
      backoffMs: () => 0,
      maxAttempts: 1,
      batchSize: 1,
      holdMs: { first: 10, max: 10 },
    });
    const idNumber = aNewIdNumber();
    await anOutboxEvent(db.conn, "exam.passed", anExamPassed({ idNumber }), `retry-head:${idNumber}`);
    await anOutboxEvent(
      db.conn,
      "certificate.issued",
      aCertificateEvent({ idNumber }),
      `retry-later:${idNumber}`,
    );
    for (let i = 0; i < 3; i++) {
      await publisher.drainOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await hubState(`retry-head:${idNumber}`)).to.include({ status: "pending", attempts: 0 });

    network.down = false;
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) await publisher.drainOnce();
    expect((await hubChangesOf(idNumber)).map((c) => `${c.recordType}:${c.version}`)).to.have.members([
      "exam_pass:1",
      "certificate:1",
    ]);
    expect(await hubState(`retry-head:${idNumber}`)).to.include({ status: "done" });
    expect(await hubState(`retry-later:${idNumber}`)).to.include({ status: "done" });
  });
});
