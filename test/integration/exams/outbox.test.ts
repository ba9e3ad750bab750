import { expect } from "chai";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createOutboxDispatcher, enqueueEvent, outboxModel } from "../../../server/lib/outbox.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anExamPassed } from "../../helpers/outbox-events.js";

const logger = createLogger({ level: "silent" });
describe("transactional outbox", () => {
  const db = useTestDatabase("outbox");

  it("when an event is enqueued in a transaction that aborts, then no entry exists", async () => {
    await db.conn
      .transaction(async (session) => {
        await enqueueEvent(db.conn, session, "exam.passed", anExamPassed("a-abort"), "exam.passed:a-abort");
        throw new Error("abort");
      })
      .catch(() => undefined);
    expect(await outboxModel(db.conn).countDocuments({ key: "exam.passed:a-abort" })).to.equal(0);
  });

  it("when several dispatchers drain the same outbox, then every entry is published exactly once", async () => {
    for (let i = 0; i < 30; i++)
      await db.conn.transaction((session) =>
        enqueueEvent(db.conn, session, "exam.passed", anExamPassed(`m${i}`), `exam.passed:m${i}`),
      );
    const published: string[] = [];
    const bus = createEventBus(logger);
    bus.subscribe("exam.passed", async (e) => {
      await new Promise((r) => setTimeout(r, 2));
      published.push(e.attemptId);
    });
    const dispatchers = [1, 2, 3].map((i) =>
      createOutboxDispatcher({ conn: db.conn, events: bus, logger, instanceId: `d${i}` }),
    );
    await Promise.all(dispatchers.map((d) => d.drainOnce()));
    const mine = published.filter((id) => id.startsWith("m"));
    expect(mine).to.have.length(30);
    expect(new Set(mine).size).to.equal(30);
    expect(await outboxModel(db.conn).countDocuments({ key: /^exam\.passed:m/, status: "done" })).to.equal(
      30,
    );
  });

  it("when a subscriber fails, then the entry is retried with backoff and parked as failed after maxAttempts", async () => {
    await db.conn.transaction((session) =>
      enqueueEvent(db.conn, session, "exam.passed", anExamPassed("r1"), "exam.passed:r1"),
    );
    const bus = createEventBus(logger);
    let calls = 0;
    bus.subscribe("exam.passed", (e) => {
      if (e.attemptId !== "r1") return;
      calls++;
      if (calls < 3) throw new Error("certificate service down");
    });
    const d = createOutboxDispatcher({
      conn: db.conn,
      events: bus,
      logger,
      backoffMs: () => 0,
      maxAttempts: 5,
    });
    for (let i = 0; i < 5; i++) await d.drainOnce();
    const entry = await outboxModel(db.conn).findOne({ key: "exam.passed:r1" }).lean();
    expect(calls).to.equal(3);
    expect(entry).to.deep.include({ status: "done", attempts: 3 });

    await db.conn.transaction((session) =>
      enqueueEvent(db.conn, session, "exam.passed", anExamPassed("r2"), "exam.passed:r2"),
    );
    const failing = createEventBus(logger);
    failing.subscribe("exam.passed", () => {
      throw new Error("always down");
    });
    const f = createOutboxDispatcher({
      conn: db.conn,
      events: failing,
      logger,
      backoffMs: () => 0,
      maxAttempts: 2,
    });
    for (let i = 0; i < 3; i++) await f.drainOnce();
    expect(await outboxModel(db.conn).findOne({ key: "exam.passed:r2" }).lean()).to.deep.include({
      status: "failed",
      attempts: 2,
      lastError: "always down",
    });
  });

  it("when a dispatcher died holding a claim, then another claims it again after the lease", async () => {
    await db.conn.transaction((session) =>
      enqueueEvent(db.conn, session, "exam.passed", anExamPassed("l1"), "exam.passed:l1"),
    );
    await outboxModel(db.conn).updateOne(
      { key: "exam.passed:l1" },
      { $set: { status: "processing", claimedBy: "dead", claimedAt: new Date(Date.now() - 60_000) } },
    );
    const bus = createEventBus(logger);
    const got: string[] = [];
    bus.subscribe("exam.passed", (e) => {
      got.push(e.attemptId);
    });
    await createOutboxDispatcher({ conn: db.conn, events: bus, logger, leaseMs: 30_000 }).drainOnce();
    expect(got).to.include("l1");
  });
});
