import { expect } from "chai";
import type { QuestionDto } from "../../../server/contracts/question-bank.js";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { staffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { questionInput } from "./bank-context.js";

const codeOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;
const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const roadcert = (questions: Record<string, unknown>[]) =>
  JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the audit found publishing or leaving the bank without a second person or silently changed:
 * an admin's import publishing alone, an export dropping images and quarantine, a stale edit.
 */
describe("question bank: four-eyes on import, honest export, stale edits (HTTP)", function () {
  this.timeout(60_000);
  const env = useTestNode({ env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  const Questions = () => questionVersionModel(env.node.ctx.conn);

  /** A question published by the system (seeding), as the live version candidates draw. */
  async function live(overrides: Record<string, unknown> = {}) {
    const q = questionInput(overrides);
    const [report] = await importQuestionBankFiles(
      env.node.ctx,
      [{ name: "seed.json", content: roadcert([q]) }],
      { publish: true },
    );
    expect(report?.items[0]?.outcome, JSON.stringify(report?.items)).to.equal("created");
    return q;
  }

  it("when an admin imports with publish an existing ref with another answer key, then it is refused publish_not_allowed and the live key is unchanged; without publish it is a draft beside the live version", async () => {
    const admin = await staffAgent(env.node, { roles: ["admin"] });
    const q = await live();
    const changed = { ...q, answer: ["C"] };
    const refused = await admin.agent
      .post("/api/question-bank/import")
      .send({ files: [{ name: "key.json", content: roadcert([changed]) }], publish: true });
    expect([refused.status, codeOf(refused.body)]).to.deep.equal([403, "publish_not_allowed"]);
    const published = await Questions()
      .find({ ref: String(q.ref), status: "published" })
      .lean();
    expect(published.map((d) => d.answer)).to.deep.equal([["B"]]);

    const drafted = await admin.agent
      .post("/api/question-bank/import")
      .send({ files: [{ name: "key.json", content: roadcert([changed]) }] })
      .expect(200);
    const [report] = (drafted.body as { reports: { items: { outcome: string }[] }[] }).reports;
    expect(report?.items.map((i) => i.outcome)).to.deep.equal(["updated"]);
    const versions = await Questions()
      .find({ ref: String(q.ref) })
      .sort({ version: 1 })
      .lean();
    expect(versions.map((d) => [d.status, d.answer])).to.deep.equal([
      ["published", ["B"]],
      ["draft", ["C"]],
    ]);
  });

  it("when a person's import reaches the service with publish, then it is refused and nothing is written", async () => {
    const q = questionInput();
    const err = await importQuestionBankFiles(env.node.ctx, [{ name: "p.json", content: roadcert([q]) }], {
      publish: true,
      actor: { id: "u-admin", displayName: "管理员", kind: "staff" },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.deep.include({ code: "publish_not_allowed", status: 403 });
    expect(await Questions().countDocuments({ ref: String(q.ref) })).to.equal(0);
  });

  it("when the bank holds a quarantined question and one with an image, then the export leaves the quarantined one out and refuses export_images_not_carried unless asked to export without images", async () => {
    const reviewer = await staffAgent(env.node, { roles: ["reviewer"] });
    const examiner = await staffAgent(env.node, { roles: ["examiner"] });
    const held = await live({ categories: ["04002"] });
    const plain = await live({ categories: ["04002"] });
    const id = (await Questions()
      .findOne({ ref: String(held.ref) })
      .lean())!.questionId;
    await reviewer.agent
      .post(`/api/question-bank/questions/${id}/quarantine`)
      .send({ quarantined: true, reason: "答案有争议" })
      .expect(200);
    const clean = await reviewer.agent.get("/api/question-bank/export?categoryCode=04002").expect(200);
    const refs = (clean.body as { questions: { ref: string }[] }).questions.map((x) => x.ref);
    expect(refs).to.deep.equal([plain.ref]);

    const pictured = await live({ categories: ["04002"] });
    const pid = (await Questions()
      .findOne({ ref: String(pictured.ref) })
      .lean())!.questionId;
    await examiner.agent
      .put(`/api/question-bank/questions/${pid}/image`)
      .send({ filename: "a.png", dataBase64: PNG_1PX.toString("base64") })
      .expect(200);
    // The image is a new draft version; published once a reviewer approves it.
    await examiner.agent.post(`/api/question-bank/questions/${pid}/submit`).send({}).expect(200);
    await reviewer.agent.post(`/api/question-bank/questions/${pid}/approve`).send({}).expect(200);
    for (const format of ["roadcert", "csv"]) {
      const res = await reviewer.agent.get(`/api/question-bank/export?categoryCode=04002&format=${format}`);
      expect([res.status, codeOf(res.body)], format).to.deep.equal([409, "export_images_not_carried"]);
    }
    const without = await reviewer.agent
      .get("/api/question-bank/export?categoryCode=04002&withoutImages=true")
      .expect(200);
    expect((without.body as { questions: unknown[] }).questions).to.have.length(2);
    expect(String((without.body as { note: string }).note))
      .to.contain("1 道")
      .and.contain("图片");
  });

  it("when an examiner saves a draft read before a colleague's save, then it is refused question_changed and the colleague's key stays", async () => {
    const a = await staffAgent(env.node, { roles: ["examiner"] });
    const b = await staffAgent(env.node, { roles: ["examiner"] });
    const input = questionInput();
    const draft = (await a.agent.post("/api/question-bank/questions").send(input).expect(201))
      .body as QuestionDto;
    await wait(5);
    const fixed = await b.agent
      .put(`/api/question-bank/questions/${draft.id}`)
      .send({ ...input, answer: ["C"], expectedUpdatedAt: draft.updatedAt });
    expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
    const stale = await a.agent
      .put(`/api/question-bank/questions/${draft.id}`)
      .send({ ...input, explanation: "甲的解析", expectedUpdatedAt: draft.updatedAt });
    expect([stale.status, codeOf(stale.body)]).to.deep.equal([409, "question_changed"]);
    const now = (await a.agent.get(`/api/question-bank/questions/${draft.id}`).expect(200))
      .body as QuestionDto;
    expect(now.answer).to.deep.equal(["C"]);
  });
});
