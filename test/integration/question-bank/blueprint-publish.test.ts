import { expect } from "chai";
import { useTestDatabase } from "../../helpers/database.js";
import { AppError } from "../../../server/lib/errors.js";
import { createQuestionBankService, type QuestionBankService } from "../../../server/question-bank/index.js";
import type { Actor } from "../../../server/question-bank/index.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error("expected a refusal");
}

/**
 * A blueprint decides the pass mark and the paper of every session pinned to it: publishing one
 * takes a second person, the newest published version stays the current one, and a version the
 * bank cannot fill is not published.
 */
describe("question bank: publishing a blueprint version", () => {
  const db = useTestDatabase("qbbp");
  let bank: QuestionBankService;
  const secondReviewer: Actor = { id: "u-reviewer-2", displayName: "审核人丙", kind: "staff" };
  before(async () => {
    bank = createQuestionBankService(bankContext(db.conn));
    for (let i = 0; i < 4; i++) {
      const q = await bank.createQuestion(author, questionInput({ chapter: "发布章节" }));
      await bank.submitForReview(author, q.id);
      await bank.approve(reviewer, q.id, "内容正确");
    }
  });

  const cells = (count: number) => ({ cells: [{ type: "single", chapter: "发布章节", count }], passMark: 1 });
  const statusOf = async (id: string, version: number) =>
    (await bank.listBlueprints("01001")).find((b) => b.id === id && b.version === version)?.status;

  it("when the author publishes their own draft, then it is refused and the draft stays a draft", async () => {
    const draft = await bank.saveBlueprint(author, blueprintInput(2, cells(2)), { id: "bp-own" });
    expect(await refusal(bank.publishBlueprint(author, draft.id, draft.version))).to.equal("own_blueprint");
    expect(await statusOf(draft.id, draft.version)).to.equal("draft");
    expect((await bank.publishBlueprint(reviewer, draft.id, draft.version)).status).to.equal("published");
  });

  it("when a draft older than the published version is published, then it is refused and the newest published version stays current", async () => {
    const older = await bank.saveBlueprint(author, blueprintInput(2, cells(2)), { id: "bp-order" });
    const newer = await bank.saveBlueprint(author, blueprintInput(3, cells(3)), { id: "bp-order" });
    await bank.publishBlueprint(reviewer, newer.id, newer.version);
    expect(await refusal(bank.publishBlueprint(secondReviewer, older.id, older.version))).to.equal(
      "blueprint_superseded",
    );
    expect(await statusOf(older.id, older.version)).to.equal("draft");
    const current = await bank.getCurrentBlueprint("01001");
    expect([current?.id, current?.version]).to.deep.equal([newer.id, newer.version]);
  });

  it("when the published bank cannot fill a draft, then publishing it is refused naming the short cell in Chinese", async () => {
    const draft = await bank.saveBlueprint(author, blueprintInput(9, cells(9)), { id: "bp-short" });
    const err = await bank.publishBlueprint(reviewer, draft.id, draft.version).then(
      () => null,
      (e: AppError) => e,
    );
    expect(err?.code).to.equal("bank_insufficient");
    expect(err?.message).to.contain("发布章节/单选题 需 9 题，仅有 4 题");
    expect(await statusOf(draft.id, draft.version)).to.equal("draft");
    expect(
      await refusal(
        bank.saveBlueprint(author, blueprintInput(9, cells(9)), { id: "bp-short", publish: true }),
      ),
    ).to.equal("bank_insufficient");
  });
});
