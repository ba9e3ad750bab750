import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import type { QuestionInput } from "../../../server/contracts/question-bank.js";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import { createQuestionBankService, importQuestionBankFiles } from "../../../server/question-bank/index.js";
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

  describe("an import, batch by batch", () => {
    /** A file of `n` valid questions whose refs start with `prefix` (a contract-complete input each). */
    const file = (prefix: string, n: number) => ({
      name: `${prefix}.csv`,
      content: toCsv(
        Array.from({ length: n }, (_, i): QuestionInput => ({
          ...(questionInput({ ref: `${prefix}-${i}` }) as Pick<
            QuestionInput,
            "ref" | "type" | "stem" | "options" | "answer" | "chapter" | "categories"
          >),
          explanation: "",
          difficulty: 3,
          tags: [],
          source: "",
        })),
      ),
    });
    const stored = (prefix: string) => questions().countDocuments({ ref: { $regex: `^${prefix}-` } });
    const importEntries = (name: string) =>
      db.conn
        .collection("audit_log")
        .find({ action: "question_bank.imported", "target.id": name })
        .sort({ seq: 1 })
        .toArray();

    it("when 700 questions are imported in batches of 500, then each batch commits with one entry naming what it wrote", async () => {
      const audit = createAuditService(db.conn);
      const [report] = await importQuestionBankFiles(bankContext(db.conn), [file("IMPA", 700)], {
        batchSize: 500,
        audit,
      });
      expect(report?.counts.created).to.equal(700);
      const logged = await importEntries("IMPA.csv");
      expect(logged.map((e) => [e.details.batch, e.details.created, e.details.updated])).to.deep.equal([
        [1, 500, 0],
        [2, 200, 0],
      ]);
      expect(await audit.verify()).to.deep.include({ ok: true });
    });

    it("when the second batch's audit entry cannot be written, then only the first batch is stored, and a re-run completes the rest", async () => {
      const real = createAuditService(db.conn);
      let appends = 0;
      const secondFails: AuditLog = {
        ...real,
        append: (session, input) =>
          ++appends === 2
            ? Promise.reject(new Error("audit store unavailable"))
            : real.append(session, input),
      };
      const impb = file("IMPB", 700);
      const [failed] = await importQuestionBankFiles(bankContext(db.conn), [impb], {
        batchSize: 500,
        audit: secondFails,
      });
      // Not "nothing written": the first batch is in the bank, and the report says so.
      expect(failed?.rejected).to.equal(false);
      expect(failed?.counts.created).to.equal(500);
      expect(await stored("IMPB")).to.equal(500);
      expect((await importEntries("IMPB.csv")).map((e) => e.details.created)).to.deep.equal([500]);

      // The same file again: the first batch is found unchanged, the second is written now.
      const [rerun] = await importQuestionBankFiles(bankContext(db.conn), [impb], {
        batchSize: 500,
        audit: real,
      });
      expect(rerun?.counts).to.deep.include({ created: 200, unchanged: 500 });
      expect(await stored("IMPB")).to.equal(700);
      expect((await importEntries("IMPB.csv")).map((e) => e.details.created)).to.deep.equal([500, 200]);
      expect(await real.verify()).to.deep.include({ ok: true });
    });
  });
});
