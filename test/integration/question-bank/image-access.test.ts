import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import type { RunningNode } from "../../../server/main.js";
import { loginCandidate, scheduleCandidates, staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { questionInput } from "./bank-context.js";

const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/**
 * A question's image is bank content: the people who read the bank (examiner, reviewer, admin)
 * and a candidate whose paper shows it. No proctor or officer page shows a question.
 */
describe("question bank: who may fetch a question image", () => {
  let node: RunningNode;
  let imageId: string;

  before(async () => {
    node = await startTestNode();
    const examiner = await staffAgent(node, { roles: ["examiner"] });
    const q = (await examiner.agent.post("/api/question-bank/questions").send(questionInput()).expect(201))
      .body as QuestionDto;
    const withImage = await examiner.agent
      .put(`/api/question-bank/questions/${q.id}/image`)
      .send({ filename: "sign.png", dataBase64: PNG_1PX.toString("base64") })
      .expect(200);
    imageId = (withImage.body as QuestionDto).imageId ?? "";
  });
  after(async () => {
    await node.stop();
  });

  const fetchImage = (who: AuthedAgent) => who.agent.get(`/api/question-bank/images/${imageId}`).buffer(true);

  it("when a proctor or officer asks for a question image, then 403", async () => {
    const { testCentreId } = (await scheduleCandidates(node, { count: 1 })).room;
    for (const who of [
      await staffAgent(node, { roles: ["proctor"], testCentreId }),
      await staffAgent(node, { roles: ["officer"] }),
    ]) {
      const res = await fetchImage(who);
      expect(res.status, who.user.roles.join()).to.equal(403);
    }
  });

  it("when an examiner, a reviewer or an admin asks for it, then the image is served", async () => {
    for (const role of ["examiner", "reviewer", "admin"] as const) {
      const res = await fetchImage(await staffAgent(node, { roles: [role] }));
      expect(res.status, role).to.equal(200);
      expect(Buffer.compare(res.body as Buffer, PNG_1PX), role).to.equal(0);
    }
  });

  it("when a candidate asks for it, then it is served only while their own paper shows it", async () => {
    const { session, candidates } = await scheduleCandidates(node, { count: 2 });
    const [mine, theirs] = candidates;
    if (!mine || !theirs) throw new Error("fixture");
    const login = (c: typeof mine) =>
      loginCandidate(node, { idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
    const me = await login(mine);
    expect((await fetchImage(me)).status).to.equal(404);
    // Only what the paper lookup reads (exams' paperShowsImage): the paper's owner, session and images.
    await node.ctx.conn.collection("exam_papers").insertOne({
      candidateId: mine.id,
      sessionId: session.id,
      paper: { questions: [{ imageId }] },
    });
    expect((await fetchImage(me)).status).to.equal(200);
    expect((await fetchImage(await login(theirs))).status).to.equal(404);
  });
});
