import { expect } from "chai";
import type { BlueprintDto, QuestionDto } from "../../../server/contracts/question-bank.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { startTestNode } from "../../helpers/node.js";
import { blueprintInput, questionInput } from "../question-bank/bank-context.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe("four-eyes: no writer of a version reviews it; blueprints publish only through reviewers and admins", function () {
  this.timeout(60_000);
  let node: Node;
  let author: AuthedAgent;
  let colleague: AuthedAgent;
  let reviewer: AuthedAgent;

  before(async () => {
    node = await startTestNode();
    author = await staffAgent(node, { roles: ["examiner", "reviewer"] });
    colleague = await staffAgent(node, { roles: ["examiner"] });
    reviewer = await staffAgent(node, { roles: ["reviewer"] });
  });
  after(async () => {
    await node?.stop();
  });

  async function draftBy(who: AuthedAgent): Promise<QuestionDto> {
    return (await who.agent.post("/api/question-bank/questions").send(questionInput()).expect(201)).body as QuestionDto;
  }

  const touches: [string, (id: string) => Promise<unknown>][] = [
    [
      "only adds a tag",
      async (id) => {
        const q = (await colleague.agent.get(`/api/question-bank/questions/${id}`).expect(200)).body as QuestionDto;
        const { ref, type, stem, options, answer, explanation, chapter, categories, difficulty, source } = q;
        await colleague.agent
          .put(`/api/question-bank/questions/${id}`)
          .send({ ref, type, stem, options, answer, explanation, chapter, categories, difficulty, source, tags: ["新标签"] })
          .expect(200);
      },
    ],
    [
      "only attaches an image",
      (id) =>
        colleague.agent
          .put(`/api/question-bank/questions/${id}/image`)
          .send({ filename: "a.png", dataBase64: PNG_1PX.toString("base64") })
          .expect(200),
    ],
  ];

  for (const [what, touch] of touches) {
    it(`when a second examiner ${what} and submits, then the original author may neither approve nor return it, and another reviewer may`, async () => {
      const q = await draftBy(author);
      await touch(q.id);
      await colleague.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);

      const approve = await author.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({});
      expect(approve.status).to.equal(403);
      expect(codeOf(approve.body)).to.equal("own_question");
      const ret = await author.agent.post(`/api/question-bank/questions/${q.id}/return`).send({ comment: "退回" });
      expect(ret.status).to.equal(403);
      const still = (await reviewer.agent.get(`/api/question-bank/questions/${q.id}`).expect(200)).body as QuestionDto;
      expect(still.status).to.equal("in_review");
      // The pages learn who may not review it from the version itself, before anyone tries.
      expect(still.contributorIds).to.have.members([author.user.id, colleague.user.id]);

      const ok = await reviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({});
      expect(ok.status).to.equal(200);
      expect((ok.body as QuestionDto).status).to.equal("published");
    });
  }

  it("when an examiner saves a blueprint with publish: true, then 403 and no version is stored; a draft save still works", async () => {
    const categoryCode = "02001";
    const bp = blueprintInput(1, { categoryCode });
    const res = await colleague.agent.post("/api/question-bank/blueprints").send({ blueprint: bp, publish: true });
    expect(res.status).to.equal(403);
    expect(codeOf(res.body)).to.equal("publish_not_allowed");
    const list = (await colleague.agent.get("/api/question-bank/blueprints").query({ categoryCode }).expect(200))
      .body as { items: BlueprintDto[] };
    expect(list.items).to.deep.equal([]);
    const draft = await colleague.agent.post("/api/question-bank/blueprints").send({ blueprint: bp, publish: false });
    expect(draft.status).to.equal(201);
    expect((draft.body as BlueprintDto).status).to.equal("draft");
  });

  it("when one account holding examiner and reviewer writes a blueprint, then it may neither save-and-publish it nor publish its own draft, and another reviewer may", async () => {
    const categoryCode = "03003";
    const q = (
      await colleague.agent
        .post("/api/question-bank/questions")
        .send(questionInput({ categories: [categoryCode] }))
        .expect(201)
    ).body as QuestionDto;
    await colleague.agent.post(`/api/question-bank/questions/${q.id}/submit`).send({}).expect(200);
    await reviewer.agent.post(`/api/question-bank/questions/${q.id}/approve`).send({}).expect(200);
    const bp = blueprintInput(1, { categoryCode });

    const oneStep = await author.agent.post("/api/question-bank/blueprints").send({ blueprint: bp, publish: true });
    expect([oneStep.status, codeOf(oneStep.body)]).to.deep.equal([403, "publish_not_allowed"]);
    const draft = (await author.agent.post("/api/question-bank/blueprints").send({ blueprint: bp }).expect(201))
      .body as BlueprintDto;
    const own = await author.agent.post(`/api/question-bank/blueprints/${draft.id}/versions/${draft.version}/publish`);
    expect([own.status, codeOf(own.body)]).to.deep.equal([403, "own_blueprint"]);
    const byReviewer = await reviewer.agent
      .post(`/api/question-bank/blueprints/${draft.id}/versions/${draft.version}/publish`)
      .expect(200);
    expect((byReviewer.body as BlueprintDto).status).to.equal("published");
  });
});
