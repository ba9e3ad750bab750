import { expect } from "chai";
import ExcelJS from "exceljs";
import type { CleaningReport } from "../../../server/sharing/legacy-register.js";
import { LEGACY_REGISTER_HEADER, legacyRegisterRow } from "../../helpers/legacy-register.js";
import { aNewIdNumber, useHubWithJiangsuOfficer } from "./support.js";

const HEADER = LEGACY_REGISTER_HEADER;
const row = (idNumber: string): ExcelJS.CellValue[] => legacyRegisterRow(idNumber);

/** A register workbook: the header, then the rows. */
async function register(rows: ExcelJS.CellValue[][]): Promise<{ fileName: string; dataBase64: string }> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("在册从业人员");
  sheet.addRow(HEADER);
  for (const r of rows) sheet.addRow(r);
  return {
    fileName: "register.xlsx",
    dataBase64: Buffer.from(await book.xlsx.writeBuffer()).toString("base64"),
  };
}

describe("legacy register import: cells Excel shows otherwise than their stored value", function () {
  this.timeout(120_000);
  const suite = useHubWithJiangsuOfficer();
  const { hubRecords } = suite;

  it("when a name cell is the Excel error #N/A, then the file is refused naming the row and column, and nothing is published", async () => {
    const published = await hubRecords({ sourceProvince: "320000" });
    const cells = row(aNewIdNumber());
    cells[0] = { error: "#N/A" } as ExcelJS.CellErrorValue;
    const file = await register([row(aNewIdNumber()), cells]);
    const res = await suite.officer.agent.post("/api/sharing/legacy-register/check").send(file).expect(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("register_unreadable");
    expect(error.message).to.contain("第 3 行 A 列").and.to.contain("#N/A");
    await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(400);
    expect(await hubRecords({ sourceProvince: "320000" })).to.equal(published);
  });

  it("when a cell is a formula, then its row is refused with the reader's note instead of the note being dropped", async () => {
    const cells = row(aNewIdNumber());
    cells[4] = {
      formula: '"南京市"&"道路运输管理机构"',
      result: "南京市道路运输管理机构",
    } as ExcelJS.CellFormulaValue;
    const res = await suite.officer.agent
      .post("/api/sharing/legacy-register/check")
      .send(await register([cells]))
      .expect(200);
    const report = res.body as CleaningReport;
    expect(report).to.include({ rows: 1, clean: 0 });
    expect(report.refused[0]?.line).to.equal(2);
    expect(report.refused[0]?.reasons.map((r) => r.message).join("；")).to.contain("E 列是公式");
  });
});
