import { expect } from "chai";
import {
  REVIEW_QUEUE_LIMIT,
  type QuestionDto,
  type ReviewQueueDto,
} from "../../../server/contracts/question-bank.js";
import type { RunningNode } from "../../../server/main.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { questionInput } from "./bank-context.js";

/**
 * The review queue is what a reviewer decides from: each waiting version comes with the published
 * version it would replace (an answer key flipped in version 2 must be visible), and the queue is
 * bounded and says how many wait in all.
 */
describe("question bank: review queue", function () {
  this.timeout(60_000);
  let node: RunningNode;
  let examiner: AuthedAgent;
  let reviewer: AuthedAgent;

  before(async () => {
    node = await startTestNode();
    examiner = await staffAgent(node, { roles: ["examiner"] });
    reviewer = await staffAgent(node, { roles: ["reviewer"] });
  });
  after(async () => {
    await node.stop();
  });

  async function queue(): Promise<ReviewQueueDto> {
    return (await reviewer.agent.get("/api/question-bank/review-queue").expect(200)).body as ReviewQueueDto;
  }

  async function submitted(input: Record<string, unknown>): Promise<QuestionDto> {
    const q = (await examiner.agent.post("/api/question-bank/questions").send(input).expect(201))
      .body as QuestionDto;
    await examiner.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    return q;
  }

  it("when a published question's second version waits for review, then the queue carries the published version beside it; a new question carries none", async () => {
    const input = questionInput();
    const v1 = await submitted(input);
    await reviewer.agent.post(`/api/question-bank/questions/${v1.id}/approve`).send({}).expect(200);
    const edited = (
      await examiner.agent
        .put(`/api/question-bank/questions/${v1.id}`)
        .send({ ...input, answer: ["C"] })
        .expect(200)
    ).body as QuestionDto;
    expect(edited.version).to.equal(2);
    await examiner.agent.post(`/api/question-bank/questions/${v1.id}/submit`).send({}).expect(200);
    const fresh = await submitted(questionInput());

    const { items } = await queue();
    const second = items.find((i) => i.id === v1.id);
    expect(second).to.include({ version: 2, status: "in_review" });
    expect(second?.answer).to.deep.equal(["C"]);
    expect(second?.replaces).to.include({ id: v1.id, version: 1, status: "published" });
    expect(second?.replaces?.answer).to.deep.equal(["B"]);
    expect(second?.contributorIds).to.deep.equal([examiner.user.id]);
    expect(items.find((i) => i.id === fresh.id)?.replaces).to.equal(null);
  });

  it(`when more than ${REVIEW_QUEUE_LIMIT} questions wait, then the queue answers the oldest ${REVIEW_QUEUE_LIMIT} and the total of all`, async () => {
    const first = await submitted(questionInput());
    const versions = node.ctx.conn.collection("question_versions");
    const template = await versions.findOne({ questionId: first.id });
    if (!template) throw new Error("the submitted question is not stored");
    const { _id: _ignored, ...rest } = template;
    // Newer than every question submitted so far, so the oldest page is the one that must be cut.
    const later = Date.now() + 60_000;
    await versions.insertMany(
      Array.from({ length: REVIEW_QUEUE_LIMIT }, (_, i) => ({
        ...rest,
        questionId: `${first.id}-copy-${i}`,
        ref: `${String(rest.ref)}-${i}`,
        updatedAt: new Date(later + i),
      })),
    );
    const waiting = await versions.countDocuments({ status: "in_review" });
    expect(waiting).to.be.greaterThan(REVIEW_QUEUE_LIMIT);

    const { items, total } = await queue();
    expect(total).to.equal(waiting);
    expect(items).to.have.length(REVIEW_QUEUE_LIMIT);
    const times = items.map((i) => i.updatedAt);
    expect(times).to.deep.equal([...times].sort());
    const ids = items.map((i) => i.id);
    expect(ids).to.include(first.id);
    expect(ids).not.to.include(`${first.id}-copy-${REVIEW_QUEUE_LIMIT - 1}`);
  });
});
