import { expect } from "chai";
import type { CategoryCode } from "../../../server/contracts/categories.js";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { bankContext } from "./bank-context.js";

/** A CSV without ref or categories columns: its questions take the import's default category. */
function categorylessCsv(rows: { stem: string; answer: string }[]): Buffer {
  const lines = ["type,stem,A,B,C,D,answer,chapter"];
  for (const r of rows) lines.push(`single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** A CSV naming its refs and categories ("01001|02001"). */
function csvWithRefs(rows: { ref: string; stem: string; answer: string; categories: string }[]): Buffer {
  const lines = ["ref,type,stem,A,B,C,D,answer,chapter,categories"];
  for (const r of rows)
    lines.push(`${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,${r.categories}`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** A Moodle XML quiz with one single-choice question named `name` (no idnumber). */
function moodleQuiz(name: string, stem: string): string {
  const answers = ["甲", "乙", "丙", "丁"]
    .map((t, i) => `<answer fraction="${i === 0 ? 100 : 0}"><text>${t}</text></answer>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>${name}</text></name>
    <questiontext format="html"><text>${stem}</text></questiontext>
    <single>true</single>
    ${answers}
  </question>
</quiz>
`;
}

/**
 * Passenger and freight drivers share chapters (shared/DOMAIN.md), so one question text is often
 * imported for both categories from two files. An import must never take a question away from a
 * category it already serves.
 */
describe("question import: a question shared by categories", () => {
  const db = useTestDatabase("qbcats");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  const as = (categories: CategoryCode[], extra: { dryRun?: boolean } = {}) => ({
    publish: true,
    // Moodle XML carries no chapter; the CSVs name theirs.
    defaults: { categories, chapter: "安全行车" },
    ...extra,
  });

  it("when the same row without a ref is imported as passenger.csv (01001) and as freight.csv (02001), then the question serves both categories and the freight import says so", async () => {
    const stem = "车辆起步前应当观察周围交通情况吗（共用）";
    await importQuestionBankFiles(
      ctx(),
      [{ name: "passenger.csv", content: categorylessCsv([{ stem, answer: "A" }]) }],
      as(["01001"]),
    );
    const [freight] = await importQuestionBankFiles(
      ctx(),
      [{ name: "freight.csv", content: categorylessCsv([{ stem, answer: "A" }]) }],
      as(["02001"]),
    );
    expect(freight?.rejected).to.equal(false);
    expect(freight?.items[0]?.outcome).to.equal("updated");
    expect(freight?.items[0]?.notes.join("")).to.contain("增加从业类别 02001");
    const published = await Questions().find({ stem, status: "published" }).lean();
    expect(published).to.have.length(1);
    expect([...published[0]!.categories].sort()).to.deep.equal(["01001", "02001"]);
    // The passenger file again: the question is the one it imported, nothing to change.
    const [again] = await importQuestionBankFiles(
      ctx(),
      [{ name: "passenger.csv", content: categorylessCsv([{ stem, answer: "A" }]) }],
      as(["01001"]),
    );
    expect(again?.counts).to.deep.include({ unchanged: 1, updated: 0 });
    expect(await Questions().countDocuments({ stem, status: "published", categories: "01001" })).to.equal(1);
  });

  it("when freight.csv gives the same stem and options another answer key, then that item is refused asking for a ref, in a dry run too, and the passenger question keeps its key and category", async () => {
    const stem = "夜间在没有路灯的道路上行驶应当使用远光灯吗（分歧）";
    await importQuestionBankFiles(
      ctx(),
      [{ name: "passenger.csv", content: categorylessCsv([{ stem, answer: "A" }]) }],
      as(["01001"]),
    );
    for (const dryRun of [true, false]) {
      const [freight] = await importQuestionBankFiles(
        ctx(),
        [{ name: "freight.csv", content: categorylessCsv([{ stem, answer: "B" }]) }],
        as(["02001"], { dryRun }),
      );
      expect(freight?.items[0]?.outcome, `dry run ${dryRun}`).to.equal("skipped");
      expect(freight?.items[0]?.notes.join(""), `dry run ${dryRun}`)
        .to.contain("编号相同但从业类别不同")
        .and.to.contain("请在文件中写明题目编号");
    }
    const versions = await Questions().find({ stem }).lean();
    expect(versions.map((v) => [v.version, v.status, v.answer, v.categories])).to.deep.equal([
      [1, "published", ["A"], ["01001"]],
    ]);
  });

  it("when two Moodle quizzes for two categories both name a different question Q1, then the second does not take over the first", async () => {
    const name = `Q1-${Date.now().toString(36)}`;
    await importQuestionBankFiles(
      ctx(),
      [{ name: "passenger.xml", content: moodleQuiz(name, "客运驾驶员发车前应当检查安全锤吗") }],
      as(["01001"]),
    );
    const [freight] = await importQuestionBankFiles(
      ctx(),
      [{ name: "freight.xml", content: moodleQuiz(name, "货运驾驶员装载前应当核对货物重量吗") }],
      as(["02001"]),
    );
    expect(freight?.items[0]?.outcome).to.equal("skipped");
    expect(freight?.items[0]?.notes.join("")).to.contain("编号相同但从业类别不同");
    const stored = await Questions().find({ ref: name }).lean();
    expect(stored.map((v) => [v.status, v.stem, v.categories])).to.deep.equal([
      ["published", "客运驾驶员发车前应当检查安全锤吗", ["01001"]],
    ]);
  });

  it("when a file with refs gives a question fewer categories than the bank holds, then its content is updated and the other categories are kept, saying so", async () => {
    const ref = `CATS-${Date.now().toString(36)}`;
    const stem = "驾驶员发现车辆制动失灵时应当首先怎么做（明确编号）";
    await importQuestionBankFiles(
      ctx(),
      [{ name: "both.csv", content: csvWithRefs([{ ref, stem, answer: "A", categories: "01001|02001" }]) }],
      { publish: true },
    );
    const [freight] = await importQuestionBankFiles(
      ctx(),
      [{ name: "freight.csv", content: csvWithRefs([{ ref, stem, answer: "C", categories: "02001" }]) }],
      { publish: true },
    );
    expect(freight?.items[0]?.outcome).to.equal("updated");
    expect(freight?.items[0]?.notes.join("")).to.contain("保留").and.to.contain("01001");
    const published = await Questions().findOne({ ref, status: "published" }).lean();
    expect(published?.answer).to.deep.equal(["C"]);
    expect([...(published?.categories ?? [])].sort()).to.deep.equal(["01001", "02001"]);
  });
});
