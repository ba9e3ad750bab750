import { expect } from "chai";
import { call, ok } from "./support/clients.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * The page told every candidate 多项选择题须全部选对才得分, also on papers whose blueprint scores a
 * right subset in proportion: the attempt now carries its paper's rule, from check-in on.
 */
describe("exam delivery: the candidate is told the paper's multiple-choice rule", function () {
  this.timeout(60_000);

  describe("on a paper that scores a right subset in proportion", () => {
    const env = useExamNode({ tiny: { scoring: "partial" } });

    it("when the candidate waits and then sits, then the view says partial both times", async () => {
      const room = await aRoom(env.node, { candidates: 1 });
      const [c] = room.candidates;
      if (!c?.socket) throw new Error("fixture");
      try {
        const waiting = ok(await call(c.socket, "attempt:sync", { attemptId: c.attemptId }));
        expect(waiting.multipleScoring).to.equal("partial");
        expect(waiting.questions).to.equal(null);
        ok(await call(room.proctor, "proctor:release", { sessionId: room.session.id }));
        const sitting = ok(await call(c.socket, "attempt:sync", { attemptId: c.attemptId }));
        expect(sitting.multipleScoring).to.equal("partial");
        expect(sitting.questions?.some((q) => q.type === "multiple")).to.equal(true);
      } finally {
        room.close();
      }
    });
  });

  describe("on a paper that scores all or nothing", () => {
    const env = useExamNode({ tiny: { scoring: "all_or_nothing" } });

    it("when the candidate syncs, then the view says all or nothing", async () => {
      const room = await aRoom(env.node, { candidates: 1, release: true });
      const [c] = room.candidates;
      if (!c?.socket) throw new Error("fixture");
      try {
        const view = ok(await call(c.socket, "attempt:sync", { attemptId: c.attemptId }));
        expect(view.multipleScoring).to.equal("all_or_nothing");
      } finally {
        room.close();
      }
    });
  });
});
