import { expect } from "chai";
import { commandsDuring } from "../../helpers/commands.js";
import type { ExamNode } from "../../../scripts/bench/exam-node.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** Collections the node's periodic tasks touch (heartbeat, outbox poll): not part of any request. */
const BACKGROUND = /^\S+ (exam_instances|outbox)$/;

type Outcome = { code?: string; missing?: number[] };

/** The code a refused hand-in answers, and what it names missing. */
async function refusal(p: Promise<unknown>): Promise<Outcome> {
  try {
    await p;
    return {};
  } catch (err) {
    const e = err as { code?: string; details?: { missing?: number[] } };
    return { code: e.code, missing: e.details?.missing };
  }
}

/** A released room of one candidate who has saved seq 1: `body` runs with their attempt's id. */
async function withOneSave(node: ExamNode, body: (attemptId: string) => Promise<void>): Promise<void> {
  const room = await aRoom(node, { candidates: 1, release: true });
  try {
    const c = room.candidates[0]!;
    await c.answer(0, ["T"]);
    await body(c.attemptId);
  } finally {
    room.close();
  }
}

/**
 * Hand-ins of `attemptId` naming the last seqs `seqs`, sent together: their outcomes in order, and
 * how many times the attempt was read meanwhile.
 */
async function handInsTogether(
  node: ExamNode,
  attemptId: string,
  seqs: number[],
): Promise<{ outcomes: Outcome[]; reads: number }> {
  let outcomes: Outcome[] = [];
  const sent = await commandsDuring(
    node.ctx.conn,
    async () => {
      outcomes = await Promise.all(
        seqs.map((seq) => refusal(node.delivery.exams.submitByCandidate(attemptId, seq))),
      );
    },
    { ignore: BACKGROUND },
  );
  return { outcomes, reads: sent.filter((cmd) => cmd === "find exam_attempts").length };
}

/**
 * 交卷 waits, reading the attempt, until every save up to the page's last seq has arrived. A page
 * (or a script) sending `attempt:submit` again and again must not multiply those reads.
 */
describe("exam delivery: hand-ins waiting for saves", () => {
  describe("with no time to wait", () => {
    // No wait at all: each hand-in reads the attempt once, so the reads count the waits. Seats
    // collected from saves are pushed an hour later: their read stays out of the counts.
    const env = useExamNode({
      monitorCommands: true,
      sweepIntervalMs: 3_600_000,
      options: { submitWaitMs: 0, seatThrottleMs: 3_600_000 },
    });

    it("when 50 hand-ins of one attempt arrive together while saves are missing, then they share one wait and all answer saves_pending", async () => {
      await withOneSave(env.node, async (attemptId) => {
        const { outcomes, reads } = await handInsTogether(env.node, attemptId, Array(50).fill(3));
        expect(reads).to.equal(1);
        expect(new Set(outcomes.map((o) => o.code))).to.deep.equal(new Set(["saves_pending"]));
        expect(outcomes[49]?.missing).to.deep.equal([2, 3]);
      });
    });
    it("when 50 hand-ins of one attempt arrive together naming two last seqs in turn, then one waits behind the running one and all answer", async () => {
      await withOneSave(env.node, async (attemptId) => {
        const seqs = Array.from({ length: 50 }, (_, i) => 3 + (i % 2));
        const { outcomes, reads } = await handInsTogether(env.node, attemptId, seqs);
        // The first names 3 and runs; the others wait as one, for the highest seq named (4).
        expect(reads).to.equal(2);
        expect(outcomes[0]?.missing).to.deep.equal([2, 3]);
        expect(outcomes[1]?.missing).to.deep.equal([2, 3, 4]);
        expect(outcomes[48]?.missing).to.deep.equal([2, 3]);
        expect(outcomes[49]?.missing).to.deep.equal([2, 3, 4]);
      });
    });
    it("when a waiting hand-in is named again with a lower last seq, then it still waits for the higher one", async () => {
      await withOneSave(env.node, async (attemptId) => {
        const {
          outcomes: [running, waiting, stale],
        } = await handInsTogether(env.node, attemptId, [3, 5, 2]);
        expect(running?.missing).to.deep.equal([2, 3]);
        expect(waiting?.missing).to.deep.equal([2, 3, 4, 5]);
        expect(stale?.missing).to.deep.equal([2, 3, 4, 5]);
      });
    });
  });

  describe("with ten minutes to wait", () => {
    const env = useExamNode({
      monitorCommands: true,
      sweepIntervalMs: 3_600_000,
      options: { submitWaitMs: 600_000, seatThrottleMs: 3_600_000 },
    });

    it("when a hand-in names a last seq far beyond any save that could still be on its way, then it answers saves_pending at once with one read", async () => {
      await withOneSave(env.node, async (attemptId) => {
        const {
          outcomes: [outcome],
          reads,
        } = await handInsTogether(env.node, attemptId, [50_000]);
        expect(outcome?.code).to.equal("saves_pending");
        expect(outcome?.missing).to.have.length(1000);
        expect(outcome?.missing?.[0]).to.equal(2);
        expect(reads).to.equal(1);
      });
    });
  });
});
