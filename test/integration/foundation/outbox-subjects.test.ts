import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createOutboxConsumer, enqueueEvent, type OutboxEntry } from "../../../server/lib/outbox.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anExamPassed } from "../../helpers/outbox-events.js";

const logger = createLogger({ level: "silent" });

/**
 * A consumer that delivers each record's entries one at a time (the hub publisher) reads which
 * entry heads each record's queue before it claims. A claim window of a hundred records read their
 * heads one query after another; one read now answers for the whole window.
 */
describe("transactional outbox: the heads of a claim window's records", () => {
  const db = useTestDatabase("outbox_subjects", { monitorCommands: true });
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  /** An `exam.passed` of the person with this ID number. */
  async function aPass(idNumber: string, attemptId: string): Promise<void> {
    const payload: DomainEvents["exam.passed"] = { ...anExamPassed(attemptId), idNumber };
    await db.conn.transaction((session) =>
      enqueueEvent(db.conn, session, "exam.passed", payload, `exam.passed:${attemptId}`),
    );
  }
  /** The `exam.voided` of that pass: the same record's next version. */
  async function aVoid(idNumber: string, attemptId: string): Promise<void> {
    const pass: DomainEvents["exam.passed"] = { ...anExamPassed(attemptId), idNumber };
    await db.conn.transaction((session) =>
      enqueueEvent(
        db.conn,
        session,
        "exam.voided",
        { pass, note: "违纪", voidedAt: new Date(0).toISOString() },
        `exam.voided:${attemptId}`,
      ),
    );
  }
  const idNumberOf = (i: number) => `3201021985031500${String(i).padStart(2, "0")}`;

  function aConsumer(delivered: string[]) {
    return createOutboxConsumer({
      conn: db.conn,
      logger,
      name: "hub",
      events: ["exam.passed", "exam.voided"],
      inOrderPerSubject: true,
      batchSize: 100,
      backoffMs: () => 0,
      async deliver(entries: OutboxEntry[]) {
        delivered.push(
          ...entries.map((e) =>
            e.name === "exam.voided"
              ? `void-${(e.payload as DomainEvents["exam.voided"]).pass.attemptId}`
              : (e.payload as { attemptId: string }).attemptId,
          ),
        );
        return entries.map(() => ({ kind: "done" as const }));
      },
    });
  }

  it("when forty records wait in one window, then their heads are read in one query per claim, and each record's versions still go in their order", async () => {
    for (let i = 0; i < 40; i += 1) await aPass(idNumberOf(i), `first-${i}`);
    for (let i = 0; i < 5; i += 1) await aVoid(idNumberOf(i), `first-${i}`);
    const delivered: string[] = [];
    const seen = await commandsDuring(db.conn, () => aConsumer(delivered).drainOnce());

    const reads = seen.filter((c) => c === "find outbox" || c === "aggregate outbox");
    // Three claims (the forty first entries; the five second ones, behind them; an empty look),
    // each a find of the window and, when it holds anyone, one aggregate of their heads.
    expect(reads).to.deep.equal([
      "find outbox",
      "aggregate outbox",
      "find outbox",
      "aggregate outbox",
      "find outbox",
    ]);
    expect(delivered).to.have.length(45);
    for (let i = 0; i < 5; i += 1)
      expect(delivered.indexOf(`first-${i}`)).to.be.below(delivered.indexOf(`void-first-${i}`));
  });

  it("when a record's first version is parked, then its later version, the person's other record and everyone else's are delivered", async () => {
    await aPass(idNumberOf(50), "parked-first");
    await aVoid(idNumberOf(50), "parked-first");
    await aPass(idNumberOf(50), "same-person");
    await aPass(idNumberOf(51), "other");
    await db.conn
      .collection("outbox")
      .updateOne({ key: "exam.passed:parked-first" }, { $set: { "deliveries.hub.status": "failed" } });
    const delivered: string[] = [];
    await aConsumer(delivered).drainOnce();
    expect(delivered).to.have.members(["void-parked-first", "same-person", "other"]);
    const parked = await db.conn.collection("outbox").findOne({ key: "exam.passed:parked-first" });
    expect(parked?.deliveries?.hub).to.include({ status: "failed" });
  });

  it("when entries were written before order keys existed, then each person's still go one at a time in their order", async () => {
    await aPass(idNumberOf(60), "old-first");
    await aPass(idNumberOf(60), "old-second");
    await db.conn
      .collection("outbox")
      .updateMany({ key: /^exam\.passed:old-/ }, { $unset: { orderKey: "" } });
    const delivered: string[] = [];
    const consumer = aConsumer(delivered);
    const claimed = await consumer.drainOnce();
    expect(claimed).to.equal(2);
    expect(delivered).to.deep.equal(["old-first", "old-second"]);
  });
});
