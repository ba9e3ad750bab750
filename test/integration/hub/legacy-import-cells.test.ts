import { expect } from "chai";
import ExcelJS from "exceljs";
import type { CleaningReport } from "../../../server/sharing/legacy-register.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { aNewIdNumber, aProvinceOfHub, startTestHub, type TestHub } from "./support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;
const HEADER =
  "姓名,身份证号,从业资格类别,证号,发证机关,发证机关代码,初领日期,发证日期,有效期起,有效期至,状态".split(",");
const row = (idNumber: string): ExcelJS.CellValue[] => [
  "王五",
  idNumber,
  "02001",
  idNumber,
  "南京市道路运输管理机构",
  "320100",
  "2015-03-01",
  "2021-03-01",
  "2021-03-01",
  "2027-02-28",
  "有效",
];

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
  let hub: TestHub;
  let jiangsu: Node;
  let officer: AuthedAgent;
  const hubRecords = (filter: object) => hub.node.ctx.conn.collection("hub_records").countDocuments(filter);

  before(async () => {
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000");
    officer = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
  });
  after(async () => {
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  it("when a name cell is the Excel error #N/A, then the file is refused naming the row and column, and nothing is published", async () => {
    const published = await hubRecords({ sourceProvince: "320000" });
    const cells = row(aNewIdNumber());
    cells[0] = { error: "#N/A" } as ExcelJS.CellErrorValue;
    const file = await register([row(aNewIdNumber()), cells]);
    const res = await officer.agent.post("/api/sharing/legacy-register/check").send(file).expect(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("register_unreadable");
    expect(error.message).to.contain("第 3 行 A 列").and.to.contain("#N/A");
    await officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(400);
    expect(await hubRecords({ sourceProvince: "320000" })).to.equal(published);
  });

  it("when a cell is a formula, then its row is refused with the reader's note instead of the note being dropped", async () => {
    const cells = row(aNewIdNumber());
    cells[4] = {
      formula: '"南京市"&"道路运输管理机构"',
      result: "南京市道路运输管理机构",
    } as ExcelJS.CellFormulaValue;
    const res = await officer.agent
      .post("/api/sharing/legacy-register/check")
      .send(await register([cells]))
      .expect(200);
    const report = res.body as CleaningReport;
    expect(report).to.include({ rows: 1, clean: 0 });
    expect(report.refused[0]?.line).to.equal(2);
    expect(report.refused[0]?.reasons.map((r) => r.message).join("；")).to.contain("E 列是公式");
  });
});
