import { expect } from "chai";
import { createEventBus } from "../../../server/lib/event-bus.js";
import { createLogger } from "../../../server/lib/logger.js";
import { createOutboxDispatcher, enqueueEvent, outboxModel } from "../../../server/lib/outbox.js";
import { useTestDatabase } from "../../helpers/database.js";
import { anExamPassed } from "../../helpers/outbox-events.js";

const logger = createLogger({ level: "silent" });
const TEN_MINUTES = 10 * 60_000;
const ahead = () => new Date(Date.now() + TEN_MINUTES);
const behind = () => new Date(Date.now() - TEN_MINUTES);

/**
 * Instances of a node do not share a clock. When an outbox entry is due and when a claim on it has
 * expired is decided by the database's clock alone, so one instance's clock ten minutes ahead or
 * behind neither takes a live claim over (a second delivery) nor holds an entry back.
 */
describe("transactional outbox: instances whose clocks differ", () => {
  const db = useTestDatabase("outbox_clock");

  async function anEntry(id: string, now?: () => Date): Promise<string> {
    const key = `exam.passed:${id}`;
    await db.conn.transaction((session) => enqueueEvent(db.conn, session, "exam.passed", anExamPassed(id), key, { now }));
    return key;
  }
  /** A dispatcher on an instance with the given clock, recording what it delivers. */
  function aDispatcher(now: () => Date, options: { failFirst?: boolean; leaseMs?: number } = {}) {
    const delivered: string[] = [];
    const bus = createEventBus(logger);
    let failed = false;
    bus.subscribe("exam.passed", (e) => {
      if (options.failFirst && !failed) {
        failed = true;
        throw new Error("certificate service down");
      }
      delivered.push(e.attemptId);
    });
    const dispatcher = createOutboxDispatcher({ conn: db.conn, events: bus, logger, backoffMs: () => 0, leaseMs: options.leaseMs, now });
    return { delivered, dispatcher };
  }

  it("when an instance whose clock runs ten minutes ahead drains while another holds a fresh claim, then it leaves the claim alone", async () => {
    const key = await anEntry("held-1");
    const holder = aDispatcher(() => new Date());
    // The holder claims it (its delivery is in flight: the entry stays processing).
    await outboxModel(db.conn).updateOne({ key }, { $set: { status: "processing", claimedBy: holder.dispatcher.instanceId, claimedAt: new Date() } });
    const early = aDispatcher(ahead, { leaseMs: 30_000 });
    await early.dispatcher.drainOnce();
    expect(early.delivered).to.not.include("held-1");
    expect(await outboxModel(db.conn).findOne({ key }).lean()).to.deep.include({ status: "processing", claimedBy: holder.dispatcher.instanceId });
  });

  it("when an instance whose clock runs ten minutes behind drains, then it delivers an entry written on time at once and takes over a claim that expired", async () => {
    const fresh = await anEntry("late-1");
    const stale = await anEntry("late-2");
    await outboxModel(db.conn).updateOne({ key: stale }, { $set: { status: "processing", claimedBy: "dead", claimedAt: new Date(Date.now() - 60_000) } });
    const late = aDispatcher(behind, { leaseMs: 30_000 });
    await late.dispatcher.drainOnce();
    expect(late.delivered).to.include.members(["late-1", "late-2"]);
    expect(await outboxModel(db.conn).countDocuments({ key: { $in: [fresh, stale] }, status: "done" })).to.equal(2);
  });

  it("when an entry is written on an instance whose clock runs ten minutes ahead, then an instance on time delivers it at once", async () => {
    await anEntry("written-ahead-1", ahead);
    const onTime = aDispatcher(() => new Date());
    await onTime.dispatcher.drainOnce();
    expect(onTime.delivered).to.include("written-ahead-1");
  });

  it("when a delivery fails on an instance whose clock runs ten minutes ahead, then its retry is due by the database's clock, not ten minutes later", async () => {
    const key = await anEntry("retry-ahead-1");
    const failing = aDispatcher(ahead, { failFirst: true });
    await failing.dispatcher.drainOnce();
    expect(await outboxModel(db.conn).findOne({ key }).lean()).to.deep.include({ status: "pending", attempts: 1 });
    const onTime = aDispatcher(() => new Date());
    await onTime.dispatcher.drainOnce();
    expect(onTime.delivered).to.include("retry-ahead-1");
  });
});
