import { expect } from "chai";
import ExcelJS from "exceljs";
import { useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, HEADERS, upload, type SheetRow } from "./import-support.js";

/** An XLSX of the rows, then `shape` applied to its sheet (merges, error cells). */
async function shapedXlsx(rows: SheetRow[], shape: (sheet: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("考生");
  sheet.addRow([...HEADERS]);
  for (const r of rows) sheet.addRow(HEADERS.map((h) => (r[h] ?? "") as ExcelJS.CellValue));
  shape(sheet);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const column = (header: (typeof HEADERS)[number]) => HEADERS.indexOf(header) + 1;

describe("registration: bulk import of cells Excel shows otherwise than the reader would read them", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const stored = () => env.node.ctx.conn.collection("registration_imports").countDocuments();

  it("when 报名单位行政区划代码 is merged over two rows, then the file is refused naming the rows and column, not read with the officer's division", async () => {
    const before = await stored();
    const bytes = await shapedXlsx(
      [aRow({ 报名单位行政区划代码: "320102" }), aRow({ 报名单位行政区划代码: "" })],
      (sheet) => {
        const c = column("报名单位行政区划代码");
        sheet.mergeCells(2, c, 3, c);
      },
    );
    const res = await upload(officer, "merged.xlsx", bytes).expect(422);
    expect(res.body.error.code).to.equal("import_unreadable");
    const letter = String.fromCharCode(64 + column("报名单位行政区划代码"));
    expect(res.body.error.message).to.contain(`第 2–3 行 ${letter} 列是合并单元格`);
    expect(await stored()).to.equal(before);
  });

  it("when a name is the Excel error #N/A, then the file is refused naming the cell, and nobody named #N/A is registered", async () => {
    const before = await stored();
    const bytes = await shapedXlsx([aRow()], (sheet) => {
      sheet.getRow(2).getCell(column("姓名")).value = { error: "#N/A" } as ExcelJS.CellErrorValue;
    });
    const res = await upload(officer, "error.xlsx", bytes).expect(422);
    expect(res.body.error.code).to.equal("import_unreadable");
    expect(res.body.error.message).to.contain("第 2 行 A 列").and.to.contain("#N/A");
    expect(await stored()).to.equal(before);
  });
});
