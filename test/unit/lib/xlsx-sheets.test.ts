import { expect } from "chai";
import ExcelJS from "exceljs";
import { FileRefusal } from "../../../server/lib/file-refusal.js";
import { readXlsxRows, type SheetRow } from "../../../server/lib/xlsx-rows.js";
import { parseImportFileAsync } from "../../../server/question-bank/index.js";
import { registrationImportTemplate } from "../../../server/registration/import-template.js";

/**
 * A workbook of several sheets: only the first was read and the rest were dropped without a word
 * (a bank split into tabs 单选/多选 imported its first tab and said ok).
 */
const HEADER = ["ref", "type", "stem", "A", "B", "C", "D", "answer", "explanation", "chapter"];

async function book(sheets: [string, unknown[][], "hidden"?][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows, state] of sheets) {
    const ws = wb.addWorksheet(name, state ? { state } : {});
    for (const r of rows) ws.addRow(r);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function read(bytes: Buffer): Promise<SheetRow[] | string> {
  const out: SheetRow[] = [];
  try {
    for await (const r of readXlsxRows(bytes, { dates: true })) out.push(r);
  } catch (err) {
    expect(err).to.be.instanceOf(FileRefusal);
    return (err as Error).message;
  }
  return out;
}

describe("the XLSX reader: a workbook of several sheets", () => {
  it("when a question bank is split into tabs 单选 and 多选, then the import is refused naming the count", async () => {
    const bytes = await book([
      ["单选", [HEADER, ["S1", "单选", "驾驶员连续驾驶时间", "甲", "乙", "丙", "丁", "A", "", ""]]],
      ["多选", [HEADER, ["M1", "多选", "以下哪些是违规行为", "甲", "乙", "丙", "丁", "AC", "", ""]]],
    ]);
    const parsed = await parseImportFileAsync(
      { name: "bank.xlsx", content: bytes },
      { categories: ["01001"] },
    );
    expect(parsed.items).to.have.length(0);
    expect(parsed.fileErrors.join()).to.contain("工作簿有 2 个工作表").and.to.contain("只保留要导入的一个");
  });

  it("when the second sheet is hidden and holds rows, then the file is refused too", async () => {
    const bytes = await book([
      [
        "报名",
        [
          ["姓名", "身份证号"],
          ["张三", "110101199001011234"],
        ],
      ],
      [
        "旧数据",
        [
          ["姓名", "身份证号"],
          ["李四", "110101199001011235"],
        ],
        "hidden",
      ],
    ]);
    expect(await read(bytes))
      .to.be.a("string")
      .and.to.contain("工作簿有 2 个工作表");
  });

  it("when the workbook has one sheet, then its rows are read", async () => {
    const rows = await read(
      await book([
        [
          "报名",
          [
            ["姓名", "身份证号"],
            ["张三", "110101199001011234"],
          ],
        ],
      ]),
    );
    expect(rows).to.be.an("array").with.length(2);
  });

  it("when roadcert's own registration template (考生 + 填写说明) is filled in, then its first sheet is read", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await registrationImportTemplate()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(["考生", "填写说明"]);
    wb.worksheets[0]?.addRow(["张三"]);
    const rows = await read(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(rows).to.be.an("array");
    expect((rows as SheetRow[]).at(-1)?.fields[0]).to.equal("张三");
  });
});
