import { expect } from "chai";
import { answerOf } from "../../helpers/answers.js";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * The seqs an attempt received (hand-in waits for the missing ones) are kept as a watermark plus
 * the few that arrived out of order above it, not as a list of every seq: the list was copied
 * whole by every save, so a save cost more the more saves came before it (issue 17).
 */
describe("exam delivery: received seqs stay bounded", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const exams = () => env.node.delivery.exams;
  const Attempts = () => examDb(env.node.ctx.conn).Attempts;
  const stored = async (id: string) => {
    const doc = await Attempts().findById(id).lean();
    return { seen: [...(doc?.seen ?? [])].sort((a, b) => a - b), seenUpTo: doc?.seenUpTo ?? 0 };
  };

  it("when a candidate saves forty times in order, then the attempt keeps a watermark of forty and no list, and hand-in misses nothing", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    const paper = room.candidates[0]?.attempt ?? null;
    try {
      for (let seq = 1; seq <= 40; seq++)
        await exams().saveAnswer(id, { seq, index: seq % 10, choice: answerOf(paper, seq % 10, seq % 2 ? 0 : 1) });
      expect(await stored(id)).to.deep.equal({ seen: [], seenUpTo: 40 });
      const view = await exams().view(id);
      expect(view).to.include({ lastSeq: 40 });
      expect(view.missingSeqs).to.deep.equal([]);
    } finally {
      room.close();
    }
  });

  it("when saves arrive with a gap, then only the gap is missing, and when it arrives (even as an older seq not applied) the list folds into the watermark", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    const paper = room.candidates[0]?.attempt ?? null;
    try {
      await exams().saveAnswer(id, { seq: 1, index: 0, choice: answerOf(paper, 0) });
      await exams().saveAnswer(id, { seq: 2, index: 1, choice: answerOf(paper, 1) });
      await exams().saveAnswer(id, { seq: 4, index: 3, choice: answerOf(paper, 3, 0) });
      await exams().saveAnswer(id, { seq: 5, index: 3, choice: answerOf(paper, 3, 1) });
      expect(await stored(id)).to.deep.equal({ seen: [4, 5], seenUpTo: 2 });
      expect((await exams().view(id)).missingSeqs).to.deep.equal([3]);
      // Seq 3 for question 3, which seq 5 already answered: acknowledged, not applied, but received.
      const late = await exams().saveAnswer(id, { seq: 3, index: 3, choice: answerOf(paper, 3, 2) });
      expect(late).to.include({ applied: false, savedSeq: 5 });
      expect(await stored(id)).to.deep.equal({ seen: [], seenUpTo: 5 });
      expect((await exams().view(id)).missingSeqs).to.deep.equal([]);
      const doc = await Attempts().findById(id).lean();
      expect(doc?.answers[3]).to.deep.include({ choice: answerOf(paper, 3, 1), seq: 5 });
    } finally {
      room.close();
    }
  });

  it("when an attempt stored before the watermark (every seq listed) is saved to, then it reads the same, and the seq that closes its gap folds the list", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const id = room.candidates[0]?.attemptId ?? "";
    const paper = room.candidates[0]?.attempt ?? null;
    try {
      await exams().saveAnswer(id, { seq: 1, index: 0, choice: answerOf(paper, 0) });
      // The old form: the list of every seq received, no watermark.
      await Attempts().collection.updateOne(
        { _id: id } as never,
        { $set: { seen: [1, 2, 3, 5], lastSeq: 5 }, $unset: { seenUpTo: "" } },
      );
      // Drops this instance's copy of the attempt, as a reconnect does.
      await exams().markOnline(id);
      expect((await exams().view(id)).missingSeqs).to.deep.equal([4]);
      await exams().saveAnswer(id, { seq: 4, index: 4, choice: answerOf(paper, 4) });
      expect(await stored(id)).to.deep.equal({ seen: [], seenUpTo: 5 });
      expect((await exams().view(id)).missingSeqs).to.deep.equal([]);
    } finally {
      room.close();
    }
  });
});
