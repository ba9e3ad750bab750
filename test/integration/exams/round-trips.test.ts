import { expect } from "chai";
import type { CandidateAttemptDto, SeatViewDto } from "../../../server/contracts/exams.js";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { answerOf } from "../../helpers/answers.js";
import { commandsDuring } from "../../helpers/commands.js";
import { call, JournalCandidate, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** Collections the node's periodic tasks touch (heartbeat, outbox poll): not part of any request. */
const BACKGROUND = /^\S+ (exam_instances|outbox)$/;

/**
 * Database round trips of the hot paths (issue 17: 5,000 candidates on one node). Counts, not
 * timings: each path's commands are part of its design, and a new read in them is a regression.
 */
describe("exam delivery: database commands per request", () => {
  // No deadline sweep in between, and seats collected from saves are pushed within 50 ms (a push
  // whose copy a disconnect dropped reads the seat): only the requests' own commands are counted.
  const env = useExamNode({
    monitorCommands: true,
    sweepIntervalMs: 3_600_000,
    options: { seatThrottleMs: 50 },
  });

  /** The commands `fn` sends, and those of the fire-and-forget work it sets off (seat pushes). */
  const sentDuring = (fn: () => Promise<unknown>) =>
    commandsDuring(
      env.node.ctx.conn,
      async () => {
        await fn();
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      { ignore: BACKGROUND },
    );

  it("when a released candidate saves answers, then each save is one conditional update of the attempt and its collected seat push one read", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    try {
      const c = room.candidates[0];
      if (!c) throw new Error("fixture");
      for (const i of [0, 1, 1]) {
        // The collected push reads the seats it pushes (another instance may have changed them
        // since this one's save): one read per session and window, here one per save.
        const pushed = new Promise((resolve) => room.proctor.once("session:seats", resolve));
        const sent = await sentDuring(async () => {
          await c.answer(i, answerOf(c.attempt, i));
          await pushed;
        });
        expect(sent).to.deep.equal(["update exam_attempts", "find exam_attempts"]);
      }
      expect(c.journal.size).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when a checked-in candidate connects and syncs, then it costs one lookup and one write", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    // A second page of the same candidate: a connect like the first. It takes the attempt over,
    // and the first page's going costs nothing (the seat stays online with the new page).
    const tab = new JournalCandidate(env.node.url, room.candidates[0]?.user as AuthUser);
    try {
      let view: CandidateAttemptDto | null = null;
      const sent = await sentDuring(async () => {
        view = await tab.connect();
      });
      expect(sent).to.deep.equal(["find exam_attempts", "findAndModify exam_attempts"]);
      expect((view as CandidateAttemptDto | null)?.status).to.equal("checked_in");
    } finally {
      tab.close();
      room.close();
    }
  });

  it("when rooms of 2 and of 6 are released, then both cost the same database commands", async () => {
    const sentFor = async (candidates: number) => {
      const room = await aRoom(env.node, { candidates });
      try {
        const started = room.candidates.map(
          (c) => new Promise((resolve) => c.socket?.once("attempt:started", resolve)),
        );
        const sent = await sentDuring(async () => {
          ok(await call(room.proctor, "proctor:release", { sessionId: room.session.id }));
          await Promise.all(started);
        });
        return sent;
      } finally {
        room.close();
      }
    };
    const small = await sentFor(2);
    const large = await sentFor(6);
    expect(large).to.deep.equal(small);
    expect(small.filter((s) => s.endsWith(" exam_attempts"))).to.deep.equal([
      "find exam_attempts",
      "update exam_attempts",
    ]);
  });

  it("when rooms of 2 and of 6 are paused and resumed whole, then both cost the same database commands", async () => {
    // An audited transaction holds this process's audit queue throughout (its snapshot must follow
    // the last entry's commit), so a whole-room action reads and writes the room in one go each.
    const sentFor = async (candidates: number) => {
      const room = await aRoom(env.node, { candidates, release: true });
      try {
        const paused = await sentDuring(async () => {
          const r = ok(
            await call(room.proctor, "proctor:pause", { sessionId: room.session.id, reason: "停电" }),
          );
          expect(r.affected).to.have.length(candidates);
        });
        const resumed = await sentDuring(async () => {
          const r = ok(await call(room.proctor, "proctor:resume", { sessionId: room.session.id }));
          expect(r.affected).to.have.length(candidates);
        });
        return { paused, resumed };
      } finally {
        room.close();
      }
    };
    const small = await sentFor(2);
    const large = await sentFor(6);
    expect(large).to.deep.equal(small);
    expect(small.paused.filter((s) => s.endsWith(" exam_attempts"))).to.deep.equal([
      "find exam_attempts",
      "find exam_attempts",
      "update exam_attempts",
    ]);
  });
});

describe("exam delivery: seat pushes to the proctor console", () => {
  // A wide collecting window, so three saves surely fall into one push however loaded the machine.
  const env = useExamNode({ options: { seatThrottleMs: 3000 } });

  it("when three candidates of a room save, then the proctor gets their seats in one collected push, not one push per save", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const single: SeatViewDto[] = [];
      const collected: SeatViewDto[][] = [];
      room.proctor.on("session:seat", (s) => single.push(s));
      const pushed = new Promise<void>((resolve) =>
        room.proctor.on("session:seats", (list) => {
          collected.push(list);
          resolve();
        }),
      );
      // Each a different question (0, 3, 6 are true/false): release's unreached answer slot is one
      // object shared by every attempt, and a save changing it in place would count for every seat.
      for (const [i, c] of room.candidates.entries()) await c.answer(i * 3, ["T"]);
      await pushed;
      expect(single).to.deep.equal([]);
      expect(collected).to.have.length(1);
      expect(collected[0]?.map((s) => s.answered)).to.deep.equal([1, 1, 1]);
      expect(new Set(collected[0]?.map((s) => s.attemptId))).to.deep.equal(
        new Set(room.candidates.map((c) => c.attemptId)),
      );
    } finally {
      room.close();
    }
  });
});

describe("exam delivery: the node's attempt cache", () => {
  // Room for two attempts' copies, so a room of three outgrows it. The seat feed collects for an
  // hour: its push reads the seats whose copies were dropped, and with a short window that read
  // fell into the next save's count now and then (one "find" too many, 1 run in 3).
  const env = useExamNode({
    monitorCommands: true,
    sweepIntervalMs: 3_600_000,
    options: { seatThrottleMs: 3_600_000 },
    env: { EXAM_ATTEMPT_CACHE_SIZE: "2" },
  });
  const sentDuring = (fn: () => Promise<unknown>) =>
    commandsDuring(env.node.ctx.conn, fn, { ignore: BACKGROUND });

  it("when as many candidates take turns saving as EXAM_ATTEMPT_CACHE_SIZE holds, then no save reads its attempt first", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    try {
      for (const round of [0, 1, 2])
        for (const c of room.candidates) {
          const sent = await sentDuring(() => c.answer(round, answerOf(c.attempt, round)));
          expect(sent).to.deep.equal(["update exam_attempts"]);
        }
    } finally {
      room.close();
    }
  });

  it("when more candidates take turns than it holds, then their saves read the attempt first and every answer still lands once", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    try {
      const reads: number[] = [];
      for (const round of [0, 1, 2])
        for (const c of room.candidates) {
          const choice = answerOf(c.attempt, round, 1);
          const sent = await sentDuring(async () => expect(await c.answer(round, choice)).to.include({ applied: true }));
          reads.push(sent.filter((cmd) => cmd === "find exam_attempts").length);
        }
      // Each new copy drops the oldest, the one needed next: the size must exceed the candidates served.
      expect(reads.slice(3)).to.deep.equal([1, 1, 1, 1, 1, 1]);
      for (const c of room.candidates) {
        const doc = await examDb(env.node.ctx.conn).Attempts.findById(c.attemptId).lean();
        const chosen = [0, 1, 2].map((i) => answerOf(c.attempt, i, 1));
        expect(doc?.answers.slice(0, 3).map((a) => a.choice)).to.deep.equal(chosen);
        expect(doc?.events.filter((e) => e.type === "answer")).to.have.length(3);
      }
    } finally {
      room.close();
    }
  });
});
