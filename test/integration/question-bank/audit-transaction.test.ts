import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { createQuestionBankService } from "../../../server/question-bank/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, questionInput, reviewer } from "./bank-context.js";

/** An audit log whose appends fail: the store is down, or the entry is refused. */
function failingAudit(real: AuditLog): AuditLog {
  return { ...real, append: () => Promise.reject(new Error("audit store unavailable")) };
}

async function refused(p: Promise<unknown>): Promise<boolean> {
  return p.then(
    () => false,
    () => true,
  );
}

describe("question bank: each change and its audit entry are one transaction", () => {
  const db = useTestDatabase("qb_audit_tx");
  const questions = () => db.conn.collection("question_versions");
  const entries = (questionId: string, action: string) =>
    db.conn.collection("audit_log").countDocuments({ action, "target.id": questionId });

  it("when an author creates, submits and a reviewer approves, then each step stores exactly one entry and the chain verifies", async () => {
    const audit = createAuditService(db.conn);
    const bank = createQuestionBankService(bankContext(db.conn), { audit });
    const q = await bank.createQuestion(author, questionInput());
    await bank.submitForReview(author, q.id);
    await bank.approve(reviewer, q.id, "内容正确");
    expect(await entries(q.id, "question_bank.question_created")).to.equal(1);
    expect(await entries(q.id, "question_bank.question_submitted")).to.equal(1);
    expect(await entries(q.id, "question_bank.question_approved")).to.equal(1);
    expect(await audit.verify()).to.deep.include({ ok: true });
  });

  it("when the audit entry cannot be written, then the question is not created", async () => {
    const real = createAuditService(db.conn);
    const broken = createQuestionBankService(bankContext(db.conn), { audit: failingAudit(real) });
    const input = questionInput();
    expect(await refused(broken.createQuestion(author, input))).to.equal(true);
    expect(await questions().countDocuments({ ref: input.ref })).to.equal(0);
    expect(await db.conn.collection("audit_log").countDocuments({ "details.ref": input.ref })).to.equal(0);
  });

  it("when the audit entry cannot be written, then the submission is not stored and the question stays a draft", async () => {
    const real = createAuditService(db.conn);
    const working = createQuestionBankService(bankContext(db.conn), { audit: real });
    const broken = createQuestionBankService(bankContext(db.conn), { audit: failingAudit(real) });
    const q = await working.createQuestion(author, questionInput());
    expect(await refused(broken.submitForReview(author, q.id))).to.equal(true);
    expect((await working.getQuestion(q.id)).status).to.equal("draft");
    expect(await entries(q.id, "question_bank.question_submitted")).to.equal(0);
    await working.submitForReview(author, q.id);
    expect(await entries(q.id, "question_bank.question_submitted")).to.equal(1);
  });

  it("when the audit entry cannot be written, then the approval is not stored and the question stays in review", async () => {
    const real = createAuditService(db.conn);
    const working = createQuestionBankService(bankContext(db.conn), { audit: real });
    const broken = createQuestionBankService(bankContext(db.conn), { audit: failingAudit(real) });
    const q = await working.createQuestion(author, questionInput());
    await working.submitForReview(author, q.id);
    expect(await refused(broken.approve(reviewer, q.id, "内容正确"))).to.equal(true);
    const after = await working.getQuestion(q.id);
    expect(after.status).to.equal("in_review");
    expect(after.history.map((h) => h.action)).to.not.include("approved");
    expect(await entries(q.id, "question_bank.question_approved")).to.equal(0);
    await working.approve(reviewer, q.id, "内容正确");
    expect((await working.getQuestion(q.id)).status).to.equal("published");
    expect(await real.verify()).to.deep.include({ ok: true });
  });
});
