import { expect } from "chai";
import ExcelJS from "exceljs";
import { LEGACY_REGISTER_HEADER, legacyRegisterRow } from "../../helpers/legacy-register.js";
import { xlsxFromXml, xmlRow } from "../../helpers/xlsx-xml.js";
import { aNewIdNumber, useHubWithJiangsuOfficer } from "../hub/support.js";

type XmlCell = Parameters<typeof xmlRow>[1][number];

const upload = (bytes: Buffer) => ({ fileName: "register.xlsx", dataBase64: bytes.toString("base64") });

/** A register workbook written from XML: the header, then the rows (cells as `xmlRow` takes them). */
async function xmlRegister(rows: XmlCell[][]): Promise<{ fileName: string; dataBase64: string }> {
  return upload(
    await xlsxFromXml({ rows: [xmlRow(1, LEGACY_REGISTER_HEADER), ...rows.map((r, i) => xmlRow(i + 2, r))] }),
  );
}

/** A certificate number nobody else in the run uses: 14 digits, starting 3201. */
const aCertificateNumber = () => `3201${String(Date.now() % 1e10).padStart(10, "0")}`;

describe("legacy register import: cells read as Excel shows them, or refused", function () {
  this.timeout(120_000);
  const suite = useHubWithJiangsuOfficer();
  const { hubRecords, check } = suite;

  it("when a 证号 number cell has a zero-padded number format, then it is published as Excel shows it (0032…), not as the bare number", async () => {
    const number = aCertificateNumber();
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("在册从业人员");
    sheet.addRow(LEGACY_REGISTER_HEADER);
    const cells: ExcelJS.CellValue[] = legacyRegisterRow(aNewIdNumber());
    cells[3] = Number(number);
    sheet.addRow(cells).getCell(4).numFmt = "0000000000000000";
    const file = upload(Buffer.from(await book.xlsx.writeBuffer()));
    await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(200);
    expect(await hubRecords({ recordId: `legacy:00${number}` })).to.equal(1);
    expect(await hubRecords({ recordId: `legacy:${number}` })).to.equal(0);
  });

  it("when a 证号 number cell has a format the reader cannot show (scientific), then its row is refused with cell_note and nothing is published", async () => {
    const published = await hubRecords({ sourceProvince: "320000" });
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("在册从业人员");
    sheet.addRow(LEGACY_REGISTER_HEADER);
    const cells: ExcelJS.CellValue[] = legacyRegisterRow(aNewIdNumber());
    cells[3] = Number(aCertificateNumber());
    sheet.addRow(cells).getCell(4).numFmt = "0.00E+00";
    const file = upload(Buffer.from(await book.xlsx.writeBuffer()));
    const report = await check(file);
    expect(report).to.include({ rows: 1, clean: 0 });
    expect(report.refused[0]?.reasons.map((r) => r.code)).to.include("cell_note");
    await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(422);
    expect(await hubRecords({ sourceProvince: "320000" })).to.equal(published);
  });

  it("when a name is inline rich text (as openpyxl writes it), then the row reads the whole name, not its last run", async () => {
    const cells: XmlCell[] = legacyRegisterRow(aNewIdNumber(), { status: "作废" });
    cells[0] = { attrs: 't="inlineStr"', xml: "<is><r><t>张</t></r><r><rPr><b/></rPr><t>三丰</t></r></is>" };
    const report = await check(await xmlRegister([cells]));
    expect(report.refused.map((r) => r.name)).to.deep.equal(["张三丰"]);
  });

  it('when a date is an ISO date cell (t="d"), then it reads as its day and the row is clean', async () => {
    const cells: XmlCell[] = legacyRegisterRow(aNewIdNumber());
    cells[6] = { attrs: 't="d"', xml: "<v>2015-03-01T00:00:00Z</v>" };
    const report = await check(await xmlRegister([cells]));
    expect(report).to.deep.include({ rows: 1, clean: 1, refused: [] });
  });

  it("when 从业资格类别 is a formula without a cached result, then the file is refused naming the cell, not read as blank", async () => {
    const cells: XmlCell[] = legacyRegisterRow(aNewIdNumber());
    cells[2] = { xml: '<f>"02"&amp;"001"</f>' };
    const res = await suite.officer.agent
      .post("/api/sharing/legacy-register/check")
      .send(await xmlRegister([cells]))
      .expect(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("register_unreadable");
    expect(error.message).to.contain("第 2 行 C 列");
  });
});
