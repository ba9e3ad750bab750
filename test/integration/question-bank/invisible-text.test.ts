import { expect } from "chai";
import { INVISIBLE_REFUSED } from "../../../server/contracts/validation.js";
import { AppError } from "../../../server/lib/errors.js";
import { createQuestionBankService, importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, questionInput } from "./bank-context.js";

/** A zero-width space makes two options look the same to a candidate: refused on every path in. */
describe("question bank: invisible characters in question text", () => {
  const db = useTestDatabase("qbinvisible");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  it("when a CSV option differs from another only by a zero-width space, then nothing is written and the item says why", async () => {
    const content =
      "ref,type,stem,A,B,C,D,answer,chapter,categories\n" +
      "PF-ZW,单选,连续驾驶4小时后至少休息多久？,20分钟,20\u200B分钟,30分钟,40分钟,B,安全行车,01001";
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "zw.csv", content }], { publish: true });
    expect(report?.rejected).to.equal(true);
    expect(report?.items[0]?.notes.join("")).to.contain(INVISIBLE_REFUSED);
    expect(await Questions().countDocuments({ ref: "PF-ZW" })).to.equal(0);
  });

  it("when an examiner saves a stem holding a soft hyphen, then it is refused validation_failed and nothing is stored", async () => {
    const bank = createQuestionBankService(ctx());
    const input = questionInput({ ref: "API-ZW", stem: "连续驾驶4小时后至少\u00AD休息多久？" });
    const err = await bank.createQuestion(author, input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal("validation_failed");
    expect(await Questions().countDocuments({ ref: "API-ZW" })).to.equal(0);
  });
});
