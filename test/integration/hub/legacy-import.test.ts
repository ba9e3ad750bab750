import { expect } from "chai";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import type { CleaningReport } from "../../../server/sharing/legacy-register.js";
import { LEGACY_REGISTER_HEADER, legacyRegisterRow, type LegacyRowOverrides } from "../../helpers/legacy-register.js";
import { aNewIdNumber, useHubWithJiangsuOfficer } from "./support.js";
import { unpaddedBase64 } from "../../helpers/base64.js";

const HEADER = LEGACY_REGISTER_HEADER.join(",");
const row = (idNumber: string, over: LegacyRowOverrides = {}) => legacyRegisterRow(idNumber, over).join(",");
const upload = (text: string, fileName = "register.csv") => ({ fileName, dataBase64: Buffer.from(text, "utf8").toString("base64") });

describe("legacy register import (数据清洗)", function () {
  this.timeout(120_000);
  const suite = useHubWithJiangsuOfficer();
  const { hubRecords } = suite;

  it("when a register has dirty rows, then the report names every problem row by row and publishing writes nothing", async () => {
    const clean = aNewIdNumber();
    const twice = aNewIdNumber();
    const text = [
      HEADER,
      row(clean),
      row("320102198503150011"), // wrong check digit
      row(aNewIdNumber(), { category: "09009", division: "329999" }),
      row(aNewIdNumber(), { issued: "2021-02-30", to: "2020-01-01" }),
      row(twice),
      row(twice, { name: "王五二" }),
      row(aNewIdNumber(), { status: "作废" }),
      // 有效 in the old register, but expired long ago: by rule it is cancelled.
      row(aNewIdNumber(), { first: "2010-03-01", issued: "2010-03-01", from: "2010-03-01", to: "2016-02-28" }),
      // Another person under a certificate number already in the file.
      [row(aNewIdNumber()).split(",").slice(0, 3), clean, row(clean).split(",").slice(4)].flat().join(","),
      // Dates without separators must be whole: 202011 is not a day.
      row(aNewIdNumber(), { first: "202011" }),
    ].join("\r\n");
    const check = await suite.officer.agent.post("/api/sharing/legacy-register/check").send(upload(text)).expect(200);
    const report = check.body as CleaningReport;
    expect(report).to.include({ rows: 10, clean: 2 });
    const byLine = new Map(report.refused.map((r) => [r.line, r.reasons.map((x) => x.code)]));
    expect(byLine.get(3)).to.include("id_check_digit");
    expect(byLine.get(4)).to.include.members(["unknown_category", "unknown_division"]);
    expect(byLine.get(5)).to.include.members(["invalid_date", "inconsistent"]);
    expect(byLine.get(7)).to.deep.equal(["duplicate"]);
    expect(byLine.get(8)).to.deep.equal(["invalid_status"]);
    expect(byLine.get(9)).to.deep.equal(["lapsed"]);
    expect(byLine.get(10)).to.deep.equal(["duplicate"]);
    expect(byLine.get(11)).to.deep.equal(["invalid_date"]);
    expect(byLine.has(2)).to.equal(false);
    // Found by row and name; the ID number masked as on every other page.
    expect(report.refused[0]).to.deep.include({ line: 3, name: "王五", idNumberMasked: "3201**********0011" });
    expect(JSON.stringify(report)).not.to.contain(clean).and.not.to.contain(twice);

    const publish = await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(upload(text));
    expect(publish.status).to.equal(422);
    expect((publish.body as { error: { code: string } }).error.code).to.equal("register_not_clean");
    expect(await hubRecords({ recordId: `legacy:${clean}` })).to.equal(0);
  });

  it("when a clean register is published (XLSX), then every record reaches the hub once, and publishing it again changes nothing", async () => {
    const people = [aNewIdNumber(), aNewIdNumber(), aNewIdNumber()];
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("在册从业人员");
    sheet.addRow(HEADER.split(","));
    for (const [i, id] of people.entries()) sheet.addRow(row(id, { category: i === 0 ? "经营性道路旅客运输驾驶员、02001" : "02001", status: i === 2 ? "吊销" : "有效" }).split(","));
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const file = { fileName: "register.xlsx", dataBase64: xlsx.toString("base64") };

    const first = await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(200);
    expect(first.body).to.deep.include({ rows: 3, accepted: 3, duplicate: 0, rejected: [] });
    const again = await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(200);
    expect(again.body).to.deep.include({ accepted: 0, duplicate: 3 });
    expect(await hubRecords({ recordId: { $in: people.map((p) => `legacy:${p}`) } })).to.equal(3);
    const pointer = await suite.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: people[0] });
    expect(pointer).to.deep.include({ homeProvince: "320000", certificateStatus: "valid", categories: ["01001", "02001"] });
    expect(await suite.hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber: people[2] })).to.include({ certificateStatus: "revoked" });
  });

  it("when the file is not a register, then it is refused whole with the reason and its stable code", async () => {
    const res = await suite.officer.agent.post("/api/sharing/legacy-register/check").send(upload("name,id\n张三,1\n")).expect(200);
    expect((res.body as CleaningReport).fileProblems[0]?.code).to.equal("register_missing_columns");
    expect((res.body as CleaningReport).fileProblems[0]?.message).to.match(/缺少列/);
    const twice = await suite.officer.agent.post("/api/sharing/legacy-register/check").send(upload(`${HEADER},证号\n${row(aNewIdNumber())},X1\n`)).expect(200);
    expect((twice.body as CleaningReport).fileProblems).to.deep.equal([{ code: "register_repeated_columns", message: "列重复：证号（每列只能出现一次）" }]);
    const binary = await suite.officer.agent.post("/api/sharing/legacy-register/check").send({ fileName: "r.csv", dataBase64: Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x80]).toString("base64") });
    expect(binary.status).to.equal(400);
    expect((binary.body as { error: { code: string } }).error.code).to.equal("register_unreadable");
  });

  it("when the register is a GBK CSV, as Excel saves one on a Chinese Windows machine, then it is read as its Chinese text", async () => {
    const text = [HEADER, row(aNewIdNumber(), { category: "经营性道路旅客运输驾驶员" })].join("\r\n");
    const res = await suite.officer.agent.post("/api/sharing/legacy-register/check").send({ fileName: "r.csv", dataBase64: iconv.encode(text, "gbk").toString("base64") }).expect(200);
    expect(res.body).to.deep.include({ rows: 1, clean: 1, refused: [], fileProblems: [] });
  });

  it("when ID and certificate numbers sit in number cells Excel cut to 15 digits, then the row is refused naming both and nothing is published", async () => {
    const id = aNewIdNumber();
    const published = await hubRecords({ sourceProvince: "320000" });
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet("在册从业人员");
    sheet.addRow(HEADER.split(","));
    // What Excel holds once 18 digits are typed into a General cell: the number, not the text.
    sheet.addRow(row(id).split(",").map((cell, i) => (i === 1 || i === 3 ? Number(cell.replace(/X$/, "0")) : cell)));
    const file = { fileName: "register.xlsx", dataBase64: Buffer.from(await book.xlsx.writeBuffer()).toString("base64") };
    const res = await suite.officer.agent.post("/api/sharing/legacy-register/check").send(file).expect(200);
    const report = res.body as CleaningReport;
    expect(report).to.include({ rows: 1, clean: 0 });
    expect(report.refused[0]?.reasons.map((r) => [r.code, r.field])).to.deep.equal([
      ["imprecise_number", "身份证号"],
      ["imprecise_number", "证号"],
    ]);
    const publish = await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(422);
    expect((publish.body as { error: { code: string } }).error.code).to.equal("register_not_clean");
    expect(await hubRecords({ sourceProvince: "320000" })).to.equal(published);
  });

  it("when the register's base64 is not canonical (padding missing), then 400 invalid_base64 and nothing is published", async () => {
    const id = aNewIdNumber();
    const dataBase64 = unpaddedBase64(Buffer.from([HEADER, row(id)].join("\r\n"), "utf8"));
    const res = await suite.officer.agent.post("/api/sharing/legacy-register/publish").send({ fileName: "register.csv", dataBase64 });
    expect(res.status).to.equal(400);
    expect((res.body as { error: { code: string } }).error.code).to.equal("invalid_base64");
    expect(await hubRecords({ recordId: `legacy:${id}` })).to.equal(0);
  });
});
