import { expect } from "chai";
import ExcelJS from "exceljs";
import { parseImportFileAsync, toXlsx } from "../../../server/question-bank/index.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

/** The roadcert export of one question, with option C's cell replaced by a date typed into Excel. */
async function withDateInOptionC(day: Date): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await toXlsx([aQuestionInput({ ref: "DATE-1" })])) as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const header = (sheet.getRow(1).values as unknown[]).map((v) => (typeof v === "string" ? v : ""));
  const cell = sheet.getRow(2).getCell(header.indexOf("C"));
  cell.value = day;
  cell.numFmt = "yyyy/m/d";
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe("question import: dates typed into XLSX cells", () => {
  it("when an option cell holds an Excel date, then it imports as that day with a note on its row, not as the serial number", async () => {
    const parsed = await parseImportFileAsync({
      name: "dates.xlsx",
      content: await withDateInOptionC(new Date(Date.UTC(2007, 2, 1))),
    });
    expect(parsed.fileErrors).to.deep.equal([]);
    const [item] = parsed.items;
    expect(item?.question?.options?.find((o) => o.key === "C")?.text).to.equal("2007-03-01");
    expect(item?.notes).to.include("F 列是 Excel 日期，按 2007-03-01 导入，请核对");
  });
});
