import { expect } from "chai";
import { examDb } from "./support/models.js";
import { aRoom, useExamNode } from "./support/setup.js";

/** The question bank lets a candidate fetch an image only when their own paper shows it. */
describe("exam delivery: which images a candidate's paper shows", () => {
  const env = useExamNode();

  it("when a question of a candidate's paper shows an image, then that candidate's paper shows it and another candidate's does not", async () => {
    const room = await aRoom(env.node, { candidates: 2 });
    try {
      const [mine, theirs] = room.candidates;
      if (!mine || !theirs) throw new Error("fixture");
      const imageId = "65a1b2c3d4e5f6a7b8c9d0e1";
      await examDb(env.node.ctx.conn).Papers.updateOne(
        { _id: mine.attemptId },
        { $set: { "paper.questions.0.imageId": imageId } },
      );
      const shows = (candidateId: string, sessionId: string, id: string) =>
        env.node.delivery.exams.paperShowsImage(candidateId, sessionId, id);
      const own = room.assignments.find((a) => a.candidateId === mine.user.candidate?.candidateId);
      const other = room.assignments.find((a) => a.candidateId !== own?.candidateId);
      if (!own || !other) throw new Error("fixture");
      expect(await shows(own.candidateId, room.session.id, imageId)).to.equal(true);
      expect(await shows(other.candidateId, room.session.id, imageId)).to.equal(false);
      expect(await shows(own.candidateId, "ses_other", imageId)).to.equal(false);
      expect(await shows(own.candidateId, room.session.id, "65a1b2c3d4e5f6a7b8c9d0e2")).to.equal(false);
    } finally {
      room.close();
    }
  });
});
