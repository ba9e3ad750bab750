import { expect } from "chai";
import { Types } from "mongoose";
import { seedSampleBanks } from "../../../server/question-bank/index.js";
import { staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { call, ok } from "../exams/support/clients.js";
import { aCandidateSitting } from "../exams/support/watched-session.js";

/**
 * A registration is not withdrawn (nor renamed) under a candidate who is still sitting: the seat
 * check used to read the session's nominal end only, so a candidate with extra time, a pause or a
 * late release could be withdrawn mid-sitting and certified afterwards. Exam delivery is asked
 * whether their attempt still runs.
 */
describe("registration: withdrawing a candidate who is still sitting", function () {
  this.timeout(120_000);
  const env = useTestNode();
  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  it("when a candidate is still sitting past the session's nominal end, then withdrawal and renaming are refused candidate_sitting, and once they hand in the withdrawal goes through", async () => {
    const node = env.node;
    const { session, cand, pSock: proctor, cSock: sitting, paper } = await aCandidateSitting(node);
    try {
      // The nominal end passes while the candidate's own deadline (extra time) has not.
      const past = new Date(Date.now() - 60_000);
      await node.ctx.conn
        .collection("exam_sessions")
        .updateOne({ _id: new Types.ObjectId(session.id) }, { $set: { endsAt: past } });
      const moved = await node.ctx.conn
        .collection("seat_assignments")
        .updateOne({ sessionId: session.id, candidateId: cand.id }, { $set: { endsAt: past } });
      expect(moved.modifiedCount, "the seat's nominal end").to.equal(1);

      const officer = await staffAgent(node, { roles: ["officer"], divisionCode: "320000" });
      const withdraw = () =>
        officer.agent.post(`/api/candidates/${cand.id}/withdraw`).send({ reason: "考生本人申请撤销" });
      const refused = await withdraw();
      expect(refused.status).to.equal(409);
      expect((refused.body as { error: { code: string } }).error.code).to.equal("candidate_sitting");
      const rename = await officer.agent.patch(`/api/candidates/${cand.id}`).send({ name: "改名字" });
      expect(rename.status).to.equal(409);
      expect((rename.body as { error: { code: string } }).error.code).to.equal("candidate_sitting");
      expect((await officer.agent.get(`/api/candidates/${cand.id}`).expect(200)).body.candidate).to.include({
        withdrawn: false,
      });

      ok(await call(sitting, "attempt:submit", { attemptId: paper.attemptId, lastSeq: 0 }));
      expect((await withdraw()).status).to.equal(200);
      expect((await officer.agent.get(`/api/candidates/${cand.id}`).expect(200)).body.candidate).to.include({
        withdrawn: true,
      });
    } finally {
      proctor.close();
      sitting.close();
    }
  });
});
