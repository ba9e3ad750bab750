import { expect } from "chai";
import ExcelJS from "exceljs";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { bankContext } from "./bank-context.js";

/**
 * Files the readers used to import "ok" with a wrong stem, option or key: through the whole import
 * (dry run and real), each is refused with its reason and nothing of the file is written.
 */
describe("question import: files that imported silently wrong are refused whole", () => {
  const db = useTestDatabase("qbsilent");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  const defaults = { categories: ["01001" as const], chapter: "安全行车" };

  it("when a GIFT file holds v<v0 in a stem and 150% of weights, then both are refused by reason and no question is written", async () => {
    const tag = Date.now().toString(36);
    const gift = [
      `::LT-${tag}:: 当车速v<v0时，驾驶员应当 {=减速 ~加速 ~鸣笛 ~停车}`,
      `::W-${tag}:: 以下哪些属于违规行为 {~%100%超载 ~%50%超速 ~%-100%系安全带 ~%-100%按时休息}`,
      `::OK-${tag}:: 当车速v&lt;v0时，驾驶员应当怎样做 {=减速 ~加速 ~鸣笛 ~停车}`,
    ].join("\n\n");
    for (const dryRun of [true, false]) {
      const [report] = await importQuestionBankFiles(ctx(), [{ name: "loss.gift", content: gift }], {
        publish: true,
        defaults,
        dryRun,
      });
      expect(report?.rejected, `dry run ${dryRun}`).to.equal(true);
      expect(report?.counts, `dry run ${dryRun}`).to.deep.include({ invalid: 2, created: 0 });
      const notes = (ref: string) => report?.items.find((i) => i.ref === ref)?.notes.join("") ?? "";
      expect(notes(`LT-${tag}`))
        .to.contain("<v0时")
        .and.to.contain("&lt;");
      expect(notes(`W-${tag}`)).to.contain("150%");
    }
    expect(await Questions().countDocuments({ ref: { $regex: `-${tag}$` } })).to.equal(0);
  });

  it("when an XLSX bank is split into tabs 单选 and 多选, then the file is refused naming the sheets and nothing is written", async () => {
    const tag = Date.now().toString(36);
    const header = ["ref", "type", "stem", "A", "B", "C", "D", "answer"];
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("单选").addRows([
      header,
      [`S-${tag}`, "单选", "驾驶员连续驾驶时间不得超过", "四小时", "五小时", "六小时", "八小时", "A"],
    ]);
    wb.addWorksheet("多选").addRows([
      header,
      [`M-${tag}`, "多选", "以下哪些是违规行为", "超载", "超速", "系安全带", "按时休息", "AB"],
    ]);
    const content = Buffer.from(await wb.xlsx.writeBuffer());
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "tabs.xlsx", content }], {
      publish: true,
      defaults,
    });
    expect(report?.rejected).to.equal(true);
    expect(JSON.stringify(report)).to.contain("工作簿有 2 个工作表").and.to.contain("「多选」");
    expect(await Questions().countDocuments({ ref: { $regex: `-${tag}$` } })).to.equal(0);
  });
});
