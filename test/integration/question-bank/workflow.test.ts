import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { AppError } from "../../../server/lib/errors.js";
import {
  createQuestionBankService,
  type AuditInput,
  type QuestionBankService,
} from "../../../server/question-bank/index.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

describe("question bank: review workflow and versions", () => {
  const db = useTestDatabase("qbwf");
  let bank: QuestionBankService;
  const audited: AuditInput[] = [];
  before(() => {
    bank = createQuestionBankService(bankContext(db.conn), {
      audit: {
        transaction: (work) => db.conn.transaction(work),
        append: (_session, e) => Promise.resolve(void audited.push(e)),
        record: (e) => Promise.resolve(void audited.push(e)),
      },
    });
  });

  async function published(overrides: Record<string, unknown> = {}) {
    const q = await bank.createQuestion(author, questionInput(overrides));
    await bank.submitForReview(author, q.id);
    return bank.approve(reviewer, q.id, "内容正确");
  }

  it("when an author submits and a different reviewer approves, then the question is published and every step is in its history and the audit", async () => {
    const q = await bank.createQuestion(author, questionInput());
    expect(q).to.include({ status: "draft", version: 1, authorId: author.id });
    await bank.submitForReview(author, q.id);
    const done = await bank.approve(reviewer, q.id, "内容正确");
    expect(done).to.include({ status: "published", reviewerId: reviewer.id });
    expect(done.history.map((h) => h.action)).to.deep.equal(["created", "submitted", "approved"]);
    expect(audited.filter((a) => a.target?.id === q.id).map((a) => a.action)).to.deep.equal([
      "question_bank.question_created",
      "question_bank.question_submitted",
      "question_bank.question_approved",
    ]);
    const stored = await bank.models.Questions.findOne({ questionId: q.id }).lean();
    expect(stored?.status).to.equal("published");
  });

  it("when the author tries to approve their own question, then it is refused and stays in review", async () => {
    const q = await bank.createQuestion(author, questionInput());
    await bank.submitForReview(author, q.id);
    const err = await rejection(bank.approve(author, q.id));
    expect(err).to.include({ code: "own_question", status: 403 });
    expect((await bank.getQuestion(q.id)).status).to.equal("in_review");
  });

  it("when a reviewer returns a question, then it goes back to draft with the comment, and a comment is required", async () => {
    const q = await bank.createQuestion(author, questionInput());
    await bank.submitForReview(author, q.id);
    expect((await rejection(bank.returnForChanges(reviewer, q.id, " "))).code).to.equal("comment_required");
    const back = await bank.returnForChanges(reviewer, q.id, "选项 C 表述不清");
    expect(back.status).to.equal("draft");
    expect(back.history.at(-1)).to.include({
      action: "returned",
      comment: "选项 C 表述不清",
      actorId: reviewer.id,
    });
  });

  it("when a question is in review, then it cannot be edited", async () => {
    const q = await bank.createQuestion(author, questionInput());
    await bank.submitForReview(author, q.id);
    const err = await rejection(bank.updateQuestion(author, q.id, questionInput({ ref: q.ref })));
    expect(err.code).to.equal("question_in_review");
  });

  it("when the answer key does not fit the type, then the question is refused", async () => {
    const err = await rejection(
      bank.createQuestion(author, questionInput({ type: "single", answer: ["A", "B"] })),
    );
    expect(err.code).to.equal("validation_failed");
    const tf = await rejection(
      bank.createQuestion(author, questionInput({ type: "true_false", options: [], answer: ["A"] })),
    );
    expect(tf.code).to.equal("validation_failed");
  });

  it("when a published question is edited, then a new draft version is made, the old stays published, and an existing paper never changes", async () => {
    const qs = [];
    for (let i = 0; i < 3; i++) qs.push(await published({ chapter: "版本章节" }));
    await bank.saveBlueprint(
      author,
      blueprintInput(3, { cells: [{ type: "single", chapter: "版本章节", count: 3 }] }),
      { publish: true },
    );
    const paper = await bank.buildPaper({ categoryCode: "01001", seed: "before-edit" });
    const frozen = JSON.parse(JSON.stringify(paper)) as typeof paper;
    const target = qs[0];
    if (!target) throw new Error("no question");

    const edited = await bank.updateQuestion(author, target.id, {
      ...questionInput({ chapter: "版本章节" }),
      ref: target.ref,
      stem: "修改后的题干：连续驾驶多久必须休息？",
    });
    expect(edited).to.include({ version: 2, status: "draft" });
    expect((await bank.getQuestionVersion(target.id, 1)).status).to.equal("published");
    await bank.submitForReview(author, target.id);
    await bank.approve(reviewer, target.id);

    expect(paper).to.deep.equal(frozen);
    const history = await bank.history(target.id);
    expect(history.map((v) => [v.version, v.status])).to.deep.equal([
      [1, "superseded"],
      [2, "published"],
    ]);
    expect(history[0]?.stem).to.equal(target.stem);
    const rebuilt = await bank.buildPaper({ categoryCode: "01001", seed: "after-edit" });
    const used = rebuilt.questions.find((q) => q.questionId === target.id);
    expect(used).to.include({ version: 2, stem: "修改后的题干：连续驾驶多久必须休息？" });
  });

  it("when a question is retired, then no new paper contains it and the bank reports the shortfall", async () => {
    const qs = [];
    for (let i = 0; i < 2; i++) qs.push(await published({ chapter: "停用章节" }));
    const bp = await bank.saveBlueprint(
      author,
      blueprintInput(2, { cells: [{ type: "single", chapter: "停用章节", count: 2 }] }),
      { publish: true, id: "bp-retire" },
    );
    // A later version that needs one: no session pins the first (this bank has no scheduling), so
    // retiring leaves no blueprint in use short (bank-in-use.test.ts covers the refusal).
    await bank.saveBlueprint(
      author,
      blueprintInput(1, { cells: [{ type: "single", chapter: "停用章节", count: 1 }] }),
      { publish: true, id: "bp-retire" },
    );
    const first = qs[0];
    if (!first) throw new Error("no question");
    await bank.retire(author, first.id, "法规已修订");
    expect((await bank.getQuestion(first.id)).status).to.equal("retired");
    const err = await rejection(
      bank.buildPaper({ categoryCode: "01001", blueprintRef: { id: bp.id, version: bp.version }, seed: "x" }),
    );
    expect(err.code).to.equal("bank_insufficient");
    expect(err.details).to.deep.equal({
      shortfalls: [{ categoryCode: "01001", type: "single", chapter: "停用章节", needed: 2, available: 1 }],
    });
    await published({ chapter: "停用章节" });
    const paper = await bank.buildPaper({
      categoryCode: "01001",
      blueprintRef: { id: bp.id, version: bp.version },
      seed: "y",
    });
    expect(paper.questions.map((q) => q.questionId)).not.to.include(first.id);
  });

  it("when a blueprint gets a new version, then a session pinning the old version still assembles by the old one", async () => {
    for (let i = 0; i < 4; i++) await published({ chapter: "方案章节" });
    const v1 = await bank.saveBlueprint(
      author,
      blueprintInput(2, { cells: [{ type: "single", chapter: "方案章节", count: 2 }] }),
      { publish: true, id: "bp-pin" },
    );
    const v2 = await bank.saveBlueprint(
      author,
      blueprintInput(3, { cells: [{ type: "single", chapter: "方案章节", count: 3 }] }),
      { publish: true, id: "bp-pin" },
    );
    expect([v1.version, v2.version]).to.deep.equal([1, 2]);
    const pinned = await bank.buildPaper({
      categoryCode: "01001",
      blueprintRef: { id: "bp-pin", version: 1 },
      seed: "pin",
    });
    expect(pinned).to.include({ blueprintId: "bp-pin", blueprintVersion: 1 });
    expect(pinned.questions).to.have.length(2);
    expect((await bank.getCurrentBlueprint("01001"))?.version).to.equal(2);
  });

  it("when the same seed is used twice on the same bank, then buildPaper gives the same paper", async () => {
    for (let i = 0; i < 5; i++) await published({ chapter: "种子章节" });
    const bp = await bank.saveBlueprint(
      author,
      blueprintInput(4, { cells: [{ type: "single", chapter: "种子章节", count: 4 }] }),
      { publish: true, id: "bp-seed" },
    );
    const ref = { id: bp.id, version: bp.version };
    const a = await bank.buildPaper({ categoryCode: "01001", blueprintRef: ref, seed: "audit-1" });
    const b = await bank.buildPaper({ categoryCode: "01001", blueprintRef: ref, seed: "audit-1" });
    expect(b).to.deep.equal(a);
  });

  it("when feasibility is asked for a blueprint, then each cell reports needed and available", async () => {
    await published({ chapter: "可行章节" });
    const f = await bank.feasibility(
      blueprintInput(2, { cells: [{ type: "single", chapter: "可行章节", count: 2 }] }),
    );
    expect(f).to.deep.include({ feasible: false, totalQuestions: 2 });
    expect(f.cells).to.deep.equal([{ type: "single", chapter: "可行章节", needed: 2, available: 1 }]);
  });
});
