import { expect } from "chai";
import type { ClientSession } from "mongoose";
import { useTestDatabase } from "../../helpers/database.js";
import { createQuestionBankService, type QuestionBankService } from "../../../server/question-bank/index.js";
import { author, bankContext, questionInput, reviewer } from "./bank-context.js";

const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** An image upload and a content edit of one draft at once (two examiners, two tabs). */
describe("question bank: an image upload never rewrites a draft's content", () => {
  const db = useTestDatabase("qbimagerace");
  let bank: QuestionBankService;
  /** Runs once at the start of the next bank transaction: what another request commits meanwhile. */
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
        append: () => Promise.resolve(),
        record: () => Promise.resolve(),
      },
    });
  });
  afterEach(() => (meanwhile = null));

  it("when examiner B uploads an image while examiner A's key fix commits, then both hold: the draft has A's key and B's image", async () => {
    const input = questionInput();
    const draft = await bank.createQuestion(author, input);
    meanwhile = async () => void (await bank.updateQuestion(author, draft.id, { ...input, answer: ["C"] }));
    const withImage = await bank.attachImage(reviewer, draft.id, PNG_1PX, "a.png");
    expect(withImage.imageId).to.be.a("string");
    const now = await bank.getQuestion(draft.id);
    expect([now.answer, now.imageId, now.version]).to.deep.equal([["C"], withImage.imageId, 1]);
  });
});
