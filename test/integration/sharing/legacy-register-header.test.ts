import { expect } from "chai";
import { registerFileProblems } from "../../../server/sharing/legacy-register.js";
import { LEGACY_REGISTER_HEADER, legacyRegisterRow } from "../../helpers/legacy-register.js";
import { aNewIdNumber, useHubWithJiangsuOfficer } from "../hub/support.js";

const upload = (lines: string[]) => ({
  fileName: "register.csv",
  dataBase64: Buffer.from(lines.join("\r\n"), "utf8").toString("base64"),
});

/**
 * A register column the cleaning does not know, or a value under no column, was dropped without a
 * word (a misspelt 「发证机关代码 」 beside the right one, a note typed past the last column); the
 * registration import refuses the same file (import_bad_header). The register names it as a
 * problem of the file, and nothing is read or published.
 */
describe("legacy register import: columns the cleaning does not read", function () {
  this.timeout(120_000);
  const suite = useHubWithJiangsuOfficer();
  const { hubRecords, check } = suite;

  it("when the header has a column the register does not have, then the file is refused naming it and nothing is published", async () => {
    const published = await hubRecords({ sourceProvince: "320000" });
    const file = upload([
      [...LEGACY_REGISTER_HEADER, "备注"].join(","),
      [...legacyRegisterRow(aNewIdNumber()), "已吊销，待核实"].join(","),
    ]);
    const report = await check(file);
    expect(report).to.include({ rows: 0, clean: 0 });
    expect(report.fileProblems.map((p) => p.message).join("；")).to.contain("未知的列「备注」");
    await suite.officer.agent.post("/api/sharing/legacy-register/publish").send(file).expect(422);
    expect(await hubRecords({ sourceProvince: "320000" })).to.equal(published);
  });

  it("when a row has a value under no column (past the last one, or under a blank header), then the file is refused naming the cells", async () => {
    const file = upload([
      [...LEGACY_REGISTER_HEADER, ""].join(","),
      [...legacyRegisterRow(aNewIdNumber()), "", "注销"].join(","),
      [...legacyRegisterRow(aNewIdNumber()), "吊销"].join(","),
    ]);
    const report = await check(file);
    expect(report).to.include({ rows: 0, clean: 0 });
    expect(report.fileProblems.map((p) => p.message).join("；"))
      .to.contain("第 2 行 M 列")
      .and.to.contain("第 3 行 L 列")
      .and.to.contain("没有列名");
  });

  it("when a header cell is blank over an empty column (Excel's stray formatting), then the register is read as usual", async () => {
    const file = upload([
      [...LEGACY_REGISTER_HEADER, ""].join(","),
      [...legacyRegisterRow(aNewIdNumber()), ""].join(","),
    ]);
    expect(await check(file)).to.deep.include({ rows: 1, clean: 1, fileProblems: [] });
  });

  it("when a file has problems of every kind, then each is named under its own stable code", () => {
    const header = ["姓名", "证号", "证号", "备注", ""];
    const rows = [{ line: 2, fields: ["王五", "A1", "A1", "", "", "x"], imprecise: [] }];
    expect(registerFileProblems(header, rows).map((p) => p.code)).to.deep.equal([
      "register_missing_columns",
      "register_repeated_columns",
      "register_unknown_columns",
      "register_unlabelled_cells",
    ]);
    expect(registerFileProblems([...LEGACY_REGISTER_HEADER], []).map((p) => p.code)).to.deep.equal([
      "register_no_rows",
    ]);
  });
});
