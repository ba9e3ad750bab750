import { expect } from "chai";
import type { SeatViewDto } from "../../../server/contracts/exams.js";
import { createAttemptStore, type Notifier } from "../../../server/exams/index.js";
// Exam delivery builds its own seat feed (exam-core.ts); this test builds one over a store of its own.
import { createSeatFeed } from "../../../server/exams/seat-feed.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * Several instances serve one room: the seat a save changed on this instance is pushed to the
 * console a moment later, collected. By then another instance may have paused, extended, voided or
 * closed the attempt (and pushed that at once): the collected push must not take it back.
 */
describe("exam delivery: collected seat pushes across instances", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });

  /** A seat feed of its own over `store`, recording what it pushes to consoles. */
  function aFeed(store: ReturnType<typeof createAttemptStore>) {
    const pushed: SeatViewDto[][] = [];
    let arrived: (() => void) | null = null;
    const notifier: Notifier = {
      toRoom: (_room: string, event: string, ...args: unknown[]) => {
        if (event === "session:seats") pushed.push(args[0] as SeatViewDto[]);
        else if (event === "session:seat") pushed.push([args[0] as SeatViewDto]);
        arrived?.();
      },
    };
    const feed = createSeatFeed({ store, notifier, now: () => new Date(), throttleMs: 0 });
    const next = () => new Promise<void>((resolve) => (arrived = resolve));
    return { feed, pushed, next };
  }

  it("when another instance pauses an attempt after this instance's save, then the collected seat push shows the pause and its version", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    try {
      // Instance A: its copy of the attempt as its last save left it.
      const storeA = createAttemptStore(env.node.ctx.conn, () => new Date());
      const copy = await storeA.load(id);
      storeA.remember(copy);
      // Instance B pauses it meanwhile (a proctor's action on the other instance).
      await env.node.delivery.proctoring.pause(room.proctorUser, room.session.id, [id], "考生身体不适");
      const stored = await storeA.find(id);
      expect(stored?.pausedAt, "fixture: paused").to.not.equal(null);

      const { feed, pushed, next } = aFeed(storeA);
      const flushed = next();
      feed.seat(id, true, copy);
      await flushed;
      const seat = pushed.flat().find((s) => s.attemptId === id);
      expect(seat?.paused).to.equal(true);
      expect(seat?.version).to.equal(stored?.chainN);
    } finally {
      room.close();
    }
  });

  it("when another instance marks the candidate offline after this instance's save, then the collected seat push shows the seat disconnected", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    try {
      const storeA = createAttemptStore(env.node.ctx.conn, () => new Date());
      const copy = await storeA.load(id);
      storeA.remember(copy);
      expect(copy.online, "fixture: online in A's copy").to.equal(true);
      // Instance B's disconnect write (presence.ts markOffline): no chain event, so no new version.
      await storeA.Attempts.updateOne({ _id: id }, { $set: { online: false, disconnectedAt: new Date() } });

      const { feed, pushed, next } = aFeed(storeA);
      const flushed = next();
      feed.seat(id, true, copy);
      await flushed;
      const seat = pushed.flat().find((s) => s.attemptId === id);
      expect(seat?.state).to.equal("disconnected");
      expect(seat?.version).to.equal(copy.chainN);
    } finally {
      room.close();
    }
  });

  it("when a seat is pushed, then it carries the attempt's version, which grows with every change", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    try {
      const store = createAttemptStore(env.node.ctx.conn, () => new Date());
      const { feed, pushed, next } = aFeed(store);
      let arrived = next();
      await feed.emitSeat(id);
      await arrived;
      await env.node.delivery.proctoring.pause(room.proctorUser, room.session.id, [id], "考生身体不适");
      arrived = next();
      await feed.emitSeat(id);
      await arrived;
      const [before, after] = pushed.flat();
      expect(before?.version).to.be.a("number");
      expect(after?.version).to.be.greaterThan(before?.version ?? Infinity);
    } finally {
      room.close();
    }
  });
});
