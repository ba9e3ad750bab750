import { expect } from "chai";
import { commandsDuring } from "../../helpers/commands.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** Collections the node's periodic tasks touch (heartbeat, outbox poll): not part of any request. */
const BACKGROUND = /^\S+ (exam_instances|outbox)$/;

/** The code a refused hand-in answers, and what it names missing. */
async function refusal(p: Promise<unknown>): Promise<{ code?: string; missing?: number[] }> {
  try {
    await p;
    return {};
  } catch (err) {
    const e = err as { code?: string; details?: { missing?: number[] } };
    return { code: e.code, missing: e.details?.missing };
  }
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
      const room = await aRoom(env.node, { candidates: 1, release: true });
      try {
        const c = room.candidates[0]!;
        await c.answer(0, ["T"]);
        const exams = env.node.delivery.exams;
        let outcomes: { code?: string; missing?: number[] }[] = [];
        const sent = await commandsDuring(
          env.node.ctx.conn,
          async () => {
            outcomes = await Promise.all(
              Array.from({ length: 50 }, () => refusal(exams.submitByCandidate(c.attemptId, 3))),
            );
          },
          { ignore: BACKGROUND },
        );
        expect(sent.filter((cmd) => cmd === "find exam_attempts")).to.have.length(1);
        expect(new Set(outcomes.map((o) => o.code))).to.deep.equal(new Set(["saves_pending"]));
        expect(outcomes[49]?.missing).to.deep.equal([2, 3]);
      } finally {
        room.close();
      }
    });
  });

  describe("with ten minutes to wait", () => {
    const env = useExamNode({
      monitorCommands: true,
      sweepIntervalMs: 3_600_000,
      options: { submitWaitMs: 600_000, seatThrottleMs: 3_600_000 },
    });

    it("when a hand-in names a last seq far beyond any save that could still be on its way, then it answers saves_pending at once with one read", async () => {
      const room = await aRoom(env.node, { candidates: 1, release: true });
      try {
        const c = room.candidates[0]!;
        await c.answer(0, ["T"]);
        let outcome: { code?: string; missing?: number[] } = {};
        const sent = await commandsDuring(
          env.node.ctx.conn,
          async () => {
            outcome = await refusal(env.node.delivery.exams.submitByCandidate(c.attemptId, 50_000));
          },
          { ignore: BACKGROUND },
        );
        expect(outcome.code).to.equal("saves_pending");
        expect(outcome.missing).to.have.length(1000);
        expect(outcome.missing?.[0]).to.equal(2);
        expect(sent.filter((cmd) => cmd === "find exam_attempts")).to.have.length(1);
      } finally {
        room.close();
      }
    });
  });
});
