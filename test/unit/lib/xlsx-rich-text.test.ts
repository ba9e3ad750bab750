import { expect } from "chai";
import ExcelJS from "exceljs";
import { readXlsxRows, type SheetRow } from "../../../server/lib/xlsx-rows.js";

/** Rich text whose runs are raised or lowered: 10 with a superscript 3 read as 103. */
async function cell(runs: ExcelJS.RichText[]): Promise<SheetRow> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("题目");
  ws.addRow(["stem"]);
  ws.addRow([{ richText: runs }]);
  const out: SheetRow[] = [];
  for await (const r of readXlsxRows(Buffer.from(await wb.xlsx.writeBuffer()))) out.push(r);
  return out[1] as SheetRow;
}

describe("the XLSX reader: superscript and subscript runs of rich text", () => {
  it("when a run is superscript or subscript, then it is written with ^ or _ and noted, not run into its neighbours", async () => {
    const row = await cell([
      { text: "排放 CO" },
      { font: { vertAlign: "subscript" }, text: "2" },
      { text: " 达 10" },
      { font: { vertAlign: "superscript" }, text: "3" },
      { text: " 与 x" },
      { font: { vertAlign: "superscript" }, text: "n+1" },
    ]);
    expect(row.fields[0]).to.equal("排放 CO_2 达 10^3 与 x^(n+1)");
    expect(row.notes.join()).to.contain("A 列").and.to.contain("上标");
  });

  it("when rich text has only bold or coloured runs, then it reads as its text with no note", async () => {
    const row = await cell([{ text: "驾驶员" }, { font: { bold: true }, text: "应当" }, { text: "休息" }]);
    expect(row.fields[0]).to.equal("驾驶员应当休息");
    expect(row.notes).to.deep.equal([]);
  });
});
