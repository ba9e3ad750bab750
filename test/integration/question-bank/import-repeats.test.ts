import { expect } from "chai";
import { ImportReport } from "../../../server/contracts/question-import.js";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { bankContext } from "./bank-context.js";

function csvWithRefs(rows: { ref: string; stem: string; answer: string }[]): string {
  const lines = ["ref,type,stem,A,B,C,D,answer,chapter,categories"];
  for (const r of rows) lines.push(`${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,01001`);
  return lines.join("\n");
}

describe("question import: the same question twice in one file", () => {
  const db = useTestDatabase("qbrepeat");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  it("when a file holds the same question under two refs with different answers and only valid items are imported, then neither is written and both say why", async () => {
    const content = csvWithRefs([
      { ref: "REP-1", stem: "夜间会车应当如何使用灯光？", answer: "A" },
      { ref: "REP-OK", stem: "雾天行车应当开启哪种灯？", answer: "B" },
      { ref: "REP-2", stem: "夜间会车应当如何使用灯光？", answer: "C" },
    ]);
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "rep.csv", content }], {
      publish: true,
      partial: true,
    });
    const checked = ImportReport.parse(report);
    expect(checked.items.map((i) => i.outcome)).to.deep.equal(["invalid", "created", "invalid"]);
    expect(checked.items[0]?.notes.join("")).to.contain(checked.items[2]!.location);
    expect(checked.items[2]?.notes.join("")).to.contain(checked.items[0]!.location);
    expect(checked.counts).to.deep.include({ created: 1, invalid: 2 });
    expect(await Questions().countDocuments({ ref: { $in: ["REP-1", "REP-2"] } })).to.equal(0);
  });

  it("when the same file is imported all-or-nothing, then it is rejected and nothing is written", async () => {
    const content = csvWithRefs([
      { ref: "ALL-1", stem: "超车时应当从哪一侧超越？", answer: "A" },
      { ref: "ALL-2", stem: "超车时应当从哪一侧超越？", answer: "B" },
    ]);
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "all.csv", content }], { publish: true });
    expect(report?.rejected).to.equal(true);
    expect(report?.items.map((i) => i.outcome)).to.deep.equal(["invalid", "invalid"]);
    // Both refused for what they are, the earlier one too (it was reported invalid_item).
    expect(report?.items.map((i) => i.code)).to.deep.equal(["repeated_question", "repeated_question"]);
    expect(await Questions().countDocuments({ ref: { $in: ["ALL-1", "ALL-2"] } })).to.equal(0);
  });
});
