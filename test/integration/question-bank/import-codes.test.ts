import { expect } from "chai";
import type { CategoryCode } from "../../../server/contracts/categories.js";
import { ImportReport } from "../../../server/contracts/question-import.js";
import { createQuestionBankService, importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext } from "./bank-context.js";

/** A CSV without a ref column (its questions are named by their content) and without categories. */
function refLessCsv(rows: { stem: string; answer: string }[]): string {
  return [
    "type,stem,A,B,C,D,answer,chapter",
    ...rows.map((r) => `single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车`),
  ].join("\n");
}

/** A CSV naming its refs, 01001. */
function csvWithRefs(rows: { ref: string; stem: string; answer: string }[]): string {
  return [
    "ref,type,stem,A,B,C,D,answer,chapter,categories",
    ...rows.map((r) => `${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,01001`),
  ].join("\n");
}

/** [ref, outcome, code] of every item of a report, after checking the report against its contract. */
function codesOf(report: ImportReport | undefined) {
  // The contract: every skipped or invalid item carries a code, and no other item does.
  const checked = ImportReport.parse(report);
  return checked.items.map((i) => [i.ref ?? i.location, i.outcome, i.code]);
}

/**
 * What software reads of an import's report: the stable code of each item it skipped or refused,
 * beside the Chinese note an officer reads, from the comparison with the bank and the write too.
 */
describe("question import: codes in the report for what was not imported", () => {
  const db = useTestDatabase("qbcodes");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  const as = (categories: CategoryCode[], extra: { dryRun?: boolean; partial?: boolean } = {}) => ({
    publish: true,
    defaults: { categories, chapter: "安全行车" },
    ...extra,
  });

  it("when a file has an invalid row, then that row says invalid_item and the valid rows, not written, say file_rejected; imported partially they are created without a code", async () => {
    const csv = csvWithRefs([
      { ref: "CODE-OK", stem: "出车前应当检查轮胎气压吗（编码）", answer: "A" },
      { ref: "CODE-BAD", stem: "答案字母超出范围的题（编码）", answer: "E" },
    ]);
    const [whole] = await importQuestionBankFiles(
      ctx(),
      [{ name: "codes.csv", content: csv }],
      as(["01001"]),
    );
    expect(whole?.rejected).to.equal(true);
    expect(codesOf(whole)).to.deep.equal([
      ["CODE-OK", "skipped", "file_rejected"],
      ["CODE-BAD", "invalid", "invalid_item"],
    ]);
    const [partial] = await importQuestionBankFiles(
      ctx(),
      [{ name: "codes.csv", content: csv }],
      as(["01001"], { partial: true }),
    );
    expect(codesOf(partial)).to.deep.equal([
      ["CODE-OK", "created", undefined],
      ["CODE-BAD", "invalid", "invalid_item"],
    ]);
  });

  it("when a file cannot be read as its format, then its one item says file_refused with the reason", async () => {
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "broken.xml", content: "<quiz><question></quiz>" }],
      as(["01001"]),
    );
    expect(codesOf(report)).to.deep.equal([["文件", "invalid", "file_refused"]]);
    expect(report?.items[0]?.notes.join("")).to.contain("XML");
  });

  it("when a ref-less row meets a question of another category with other content, then it is skipped as ref_category_mismatch, in a dry run too", async () => {
    const stem = "夜间会车时应当改用近光灯吗（编码分歧）";
    await importQuestionBankFiles(
      ctx(),
      [{ name: "passenger.csv", content: refLessCsv([{ stem, answer: "A" }]) }],
      as(["01001"]),
    );
    for (const dryRun of [true, false]) {
      const [freight] = await importQuestionBankFiles(
        ctx(),
        [{ name: "freight.csv", content: refLessCsv([{ stem, answer: "B" }]) }],
        as(["02001"], { dryRun }),
      );
      expect(
        codesOf(freight).map(([, outcome, code]) => [outcome, code]),
        `dry run ${dryRun}`,
      ).to.deep.equal([["skipped", "ref_category_mismatch"]]);
      expect(freight?.items[0]?.notes.join("")).to.contain("编号相同但从业类别不同");
    }
  });

  it("when the file changes a question that is in review or retired, then the item is skipped as question_in_review or question_retired", async () => {
    const bank = createQuestionBankService(ctx());
    await importQuestionBankFiles(
      ctx(),
      [
        {
          name: "v1.csv",
          content: csvWithRefs([
            { ref: "CODE-REVIEW", stem: "隧道内可以超车吗（编码初稿）", answer: "A" },
            { ref: "CODE-RETIRED", stem: "山区下长坡应当提前减速吗（编码原稿）", answer: "A" },
          ]),
        },
      ],
      { publish: false },
    );
    const idOf = async (ref: string) => String((await Questions().findOne({ ref }).lean())?.questionId);
    await bank.submitForReview(author, await idOf("CODE-REVIEW"));
    await bank.retire(author, await idOf("CODE-RETIRED"), "内容过时");
    const [report] = await importQuestionBankFiles(ctx(), [
      {
        name: "v2.csv",
        content: csvWithRefs([
          { ref: "CODE-REVIEW", stem: "隧道内可以超车吗（编码改稿）", answer: "B" },
          { ref: "CODE-RETIRED", stem: "山区下长坡应当提前减速吗（编码改稿）", answer: "B" },
        ]),
      },
    ]);
    expect(codesOf(report)).to.deep.equal([
      ["CODE-REVIEW", "skipped", "question_in_review"],
      ["CODE-RETIRED", "skipped", "question_retired"],
    ]);
    expect(report?.items.map((i) => i.notes.join(""))).to.deep.equal([
      "同编号题目正在审核中，未覆盖",
      "同编号题目已停用，未覆盖",
    ]);
  });

  it("when a blueprint is imported as published and the bank cannot fill it, then the file's item says bank_insufficient with the shortfall", async () => {
    const blueprint = JSON.stringify({
      format: "roadcert-blueprint/1",
      blueprint: {
        categoryCode: "03003",
        title: "押运员考试（编码）",
        minutes: 60,
        passMark: 1,
        points: { true_false: 1, single: 1, multiple: 2 },
        cells: [{ type: "single", chapter: "安全行车", count: 5 }],
      },
    });
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "bp-03003.json", content: blueprint }], {
      publish: true,
    });
    expect(report?.rejected).to.equal(true);
    expect(codesOf(report)).to.deep.equal([["文件", "invalid", "bank_insufficient"]]);
    expect(report?.items[0]?.notes.join("")).to.contain("题库不足");
  });
});
