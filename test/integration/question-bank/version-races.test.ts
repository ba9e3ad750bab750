import { expect } from "chai";
import type { ClientSession } from "mongoose";
import { useTestDatabase } from "../../helpers/database.js";
import { AppError } from "../../../server/lib/errors.js";
import {
  createQuestionBankService,
  type AuditInput,
  type QuestionBankService,
} from "../../../server/question-bank/index.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/**
 * Two writers on one question or blueprint at once (two tabs, a double submit, two examiners):
 * what one of them changes while the other is between its read and its commit.
 */
describe("question bank: concurrent changes to one question or blueprint", () => {
  const db = useTestDatabase("qbraces");
  let bank: QuestionBankService;
  const audited: AuditInput[] = [];
  /**
   * Runs once at the start of the next bank transaction, before the change's own work: what
   * another request commits while this one has read and not yet written.
   */
  let meanwhile: ((session: ClientSession) => Promise<void>) | null = null;

  before(() => {
    bank = createQuestionBankService(bankContext(db.conn), {
      audit: {
        transaction: (work) =>
          db.conn.transaction(async (session) => {
            const other = meanwhile;
            meanwhile = null;
            if (other) await other(session);
            return work(session);
          }),
        append: (_session, e) => Promise.resolve(void audited.push(e)),
        record: (e) => Promise.resolve(void audited.push(e)),
      },
    });
  });
  afterEach(() => (meanwhile = null));

  async function published() {
    const q = await bank.createQuestion(author, questionInput());
    await bank.submitForReview(author, q.id);
    return bank.approve(reviewer, q.id, "内容正确");
  }
  const actionsOn = (id: string) => audited.filter((a) => a.target?.id === id).map((a) => a.action);

  it("when a published question is retired while an edit of it is in its transaction, then the edit is refused and no draft version brings it back", async () => {
    const q = await published();
    meanwhile = async (session) => {
      // The edit's snapshot is taken before the retirement commits.
      await bank.models.Questions.findOne({ questionId: q.id }).session(session).lean();
      await bank.retire(reviewer, q.id, "法规已修订");
    };
    const err = await rejection(bank.updateQuestion(author, q.id, questionInput({ ref: q.ref })));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "question_changed", status: 409 });
    const versions = await bank.models.Questions.find({ questionId: q.id }).sort({ version: 1 }).lean();
    expect(versions.map((v) => [v.version, v.status])).to.deep.equal([[1, "retired"]]);
    expect((await bank.getQuestion(q.id)).status).to.equal("retired");
  });

  it("when a retirement is submitted twice at once, then the second is refused and the history and audit hold one retirement", async () => {
    const q = await published();
    meanwhile = async () => void (await bank.retire(reviewer, q.id, "第一次"));
    const err = await rejection(bank.retire(reviewer, q.id, "第二次"));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "invalid_transition", status: 409 });
    const stored = await bank.getQuestion(q.id);
    expect(stored.history.filter((h) => h.action === "retired")).to.have.length(1);
    expect(actionsOn(q.id).filter((a) => a === "question_bank.question_retired")).to.have.length(1);
  });

  it("when a question is quarantined twice, then the second is refused and one quarantine is recorded", async () => {
    const q = await published();
    await bank.setQuarantine(reviewer, q.id, true, "区分度为负");
    const err = await rejection(bank.setQuarantine(reviewer, q.id, true, "再次"));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "already_quarantined", status: 409 });
    const stored = await bank.getQuestion(q.id);
    expect(stored.history.filter((h) => h.action === "quarantined")).to.have.length(1);
    expect(actionsOn(q.id).filter((a) => a === "question_bank.question_quarantined")).to.have.length(1);
  });

  it("when a question that is not quarantined is released, then it is refused and nothing is recorded", async () => {
    const q = await published();
    const err = await rejection(bank.setQuarantine(reviewer, q.id, false, "误操作"));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "not_quarantined", status: 409 });
    expect((await bank.getQuestion(q.id)).history.map((h) => h.action)).to.not.include("released");
    expect(actionsOn(q.id)).to.not.include("question_bank.question_released");
  });

  it("when two edits of a published question are saved at once, then one makes version 2 and the other is refused as changed, not a server error", async () => {
    const q = await published();
    meanwhile = async () => void (await bank.updateQuestion(author, q.id, questionInput({ ref: q.ref })));
    const err = await rejection(bank.updateQuestion(author, q.id, questionInput({ ref: q.ref })));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "question_changed", status: 409 });
    const versions = await bank.models.Questions.find({ questionId: q.id }).sort({ version: 1 }).lean();
    expect(versions.map((v) => [v.version, v.status])).to.deep.equal([
      [1, "published"],
      [2, "draft"],
    ]);
  });

  it("when a blueprint is saved twice at once, then one makes the new version and the other is refused as changed, not a server error", async () => {
    const id = `bp-race-${Date.now().toString(36)}`;
    meanwhile = async () => void (await bank.saveBlueprint(author, blueprintInput(1), { id }));
    const err = await rejection(bank.saveBlueprint(author, blueprintInput(2), { id }));
    expect(err).to.be.instanceOf(AppError).and.include({ code: "blueprint_changed", status: 409 });
    const versions = await bank.models.Blueprints.find({ blueprintId: id }).lean();
    expect(versions.map((v) => v.version)).to.deep.equal([1]);
  });
});
