import { expect } from "chai";
import type { AttemptClosedDto } from "../../../server/contracts/exams.js";
import { call, ok, type JournalCandidate } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { answerAll, aRoom, useExamNode } from "./support/setup.js";

const QUESTIONS = 10;

/**
 * A sitting closed ungraded for review (`paper_changed`) is "submitted" with no result. Told only
 * that, the candidate's result page waited for a score ("成绩正在计算") that never comes; the
 * candidate's view and the closing event now say the sitting is under review.
 */
describe("exam delivery: the candidate is told a sitting is under review", function () {
  this.timeout(60_000);
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const db = () => examDb(env.node.ctx.conn);

  /** Changes the stored paper's key after check-in (what closing refuses to grade). */
  async function changeStoredPaper(c: JournalCandidate): Promise<void> {
    const set: Record<string, string[]> = {};
    for (let i = 0; i < QUESTIONS; i++) set[`paper.questions.${i}.answer`] = ["D"];
    await db().Papers.updateOne({ _id: c.attemptId }, { $set: set });
  }

  it("when a sitting whose paper changed is handed in, then the hand-in's view, attempt:closed and a later sync all carry review paper_changed and no result", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      await answerAll(c, QUESTIONS, false);
      await changeStoredPaper(c);
      const closed = new Promise<AttemptClosedDto>((r) => c.socket?.once("attempt:closed", r));
      const view = ok(await c.submit());
      expect(view).to.deep.include({ status: "submitted", result: null, review: "paper_changed" });
      expect(await closed).to.deep.include({ status: "submitted", result: null, review: "paper_changed" });
      const synced = ok(await call(c.socket, "attempt:sync", {}));
      expect(synced).to.deep.include({ result: null, review: "paper_changed" });
    } finally {
      room.close();
    }
  });

  it("when a sitting is graded as usual, then neither its view nor attempt:closed names a review", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c?.socket) throw new Error("fixture");
    try {
      await answerAll(c, QUESTIONS, true);
      const closed = new Promise<AttemptClosedDto>((r) => c.socket?.once("attempt:closed", r));
      const view = ok(await c.submit());
      expect(view.result).to.not.equal(null);
      expect(view).to.not.have.property("review");
      expect(await closed).to.not.have.property("review");
    } finally {
      room.close();
    }
  });
});
