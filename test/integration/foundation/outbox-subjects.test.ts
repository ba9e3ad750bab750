import { expect } from "chai";
import type { DomainEvents } from "../../../server/contracts/domain-events.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createOutboxConsumer, enqueueEvent, type OutboxEntry } from "../../../server/lib/outbox.js";
import { commandsDuring } from "../../helpers/commands.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anExamPassed } from "../../helpers/outbox-events.js";

const logger = createLogger({ level: "silent" });

/**
 * A consumer that delivers each person's entries one at a time (the hub publisher) reads which
 * entry heads each person's queue before it claims. A claim window of a hundred people read their
 * heads one query after another; one read now answers for the whole window.
 */
describe("transactional outbox: the heads of a claim window's people", () => {
  const db = useTestDatabase("outbox_subjects", { monitorCommands: true });
  beforeEach(() => db.conn.collection("outbox").deleteMany({}));

  /** An `exam.passed` of the person with this ID number. */
  async function aPass(idNumber: string, attemptId: string): Promise<void> {
    const payload: DomainEvents["exam.passed"] = { ...anExamPassed(attemptId), idNumber };
    await db.conn.transaction((session) =>
      enqueueEvent(db.conn, session, "exam.passed", payload, `exam.passed:${attemptId}`),
    );
  }
  const idNumberOf = (i: number) => `3201021985031500${String(i).padStart(2, "0")}`;

  function aConsumer(delivered: string[]) {
    return createOutboxConsumer({
      conn: db.conn,
      logger,
      name: "hub",
      events: ["exam.passed"],
      inOrderPerSubject: true,
      batchSize: 100,
      backoffMs: () => 0,
      async deliver(entries: OutboxEntry[]) {
        delivered.push(...entries.map((e) => (e.payload as { attemptId: string }).attemptId));
        return entries.map(() => ({ kind: "done" as const }));
      },
    });
  }

  it("when forty people wait in one window, then their heads are read in one query per claim, and each person's entries still go in their order", async () => {
    for (let i = 0; i < 40; i += 1) await aPass(idNumberOf(i), `first-${i}`);
    for (let i = 0; i < 5; i += 1) await aPass(idNumberOf(i), `second-${i}`);
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
      expect(delivered.indexOf(`first-${i}`)).to.be.below(delivered.indexOf(`second-${i}`));
  });

  it("when a person's first entry is parked, then the later one is set aside and everyone else's is delivered", async () => {
    await aPass(idNumberOf(50), "parked-first");
    await aPass(idNumberOf(50), "parked-later");
    await aPass(idNumberOf(51), "other");
    await db.conn
      .collection("outbox")
      .updateOne({ key: "exam.passed:parked-first" }, { $set: { "deliveries.hub.status": "failed" } });
    const delivered: string[] = [];
    await aConsumer(delivered).drainOnce();
    expect(delivered).to.deep.equal(["other"]);
    const later = await db.conn.collection("outbox").findOne({ key: "exam.passed:parked-later" });
    expect(later?.deliveries?.hub).to.include({ blocked: true });
  });
});
