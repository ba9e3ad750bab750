import { createHash } from "node:crypto";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { registerTestCandidate, uniqueIdNumber, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, codesByLine, confirm, csvFile, HEADERS, textOf, upload, xlsxFile } from "./import-support.js";

/** Issue 14: bulk registration from a spreadsheet, reported per row, written all or nothing. */
describe("registration: bulk import from a spreadsheet", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const otherOfficer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  const candidates = (filter: Record<string, unknown> = {}) =>
    env.node.ctx.conn.collection("candidates").countDocuments(filter);
  const imported = (importId: string) =>
    env.node.ctx.conn
      .collection("audit_log")
      .countDocuments({ action: "candidate.imported", "target.id": importId });

  it("when a clean CSV with a BOM is uploaded, then every row is reported without problems and nothing is written until it is confirmed, which registers all with one audit entry", async () => {
    const rows = [
      aRow({ 姓名: "钱一" }),
      aRow({ 姓名: "孙二", 报考类别: "02001、经营性道路旅客运输驾驶员" }),
    ];
    const before = await candidates();
    const preview = await upload(officer, "报名.csv", csvFile(rows)).expect(200);
    expect(preview.body).to.include({ readAs: "CSV（UTF-8）", accepted: 2, refused: 0, status: "previewed" });
    expect(preview.body.rows.map((r: { line: number; name: string }) => [r.line, r.name])).to.deep.equal([
      [2, "钱一"],
      [3, "孙二"],
    ]);
    const id = String(rows[0]?.身份证号);
    expect(preview.body.rows[0].idNumberMasked).to.equal(`${id.slice(0, 4)}**********${id.slice(-4)}`);
    expect(await candidates()).to.equal(before);

    const done = await confirm(officer, preview.body.importId).expect(201);
    expect(done.body).to.deep.equal({ importId: preview.body.importId, registered: 2 });
    expect(await candidates()).to.equal(before + 2);
    const sun = await env.node.ctx.conn.collection("candidates").findOne({ name: "孙二" });
    expect(sun).to.deep.include({ divisionCode: "320100", photoId: null, registeredBy: officer.user.id });
    expect(sun?.categories).to.deep.equal(["02001", "01001"]);
    expect(await imported(preview.body.importId)).to.equal(1);
  });

  it("when names come padded or with another dot (王　芳, 阿卜杜拉•买买提), then they are stored as the form stores them and found by the usual spelling", async () => {
    const rows = [aRow({ 姓名: "王　芳" }), aRow({ 姓名: "阿卜杜拉•买买提" })];
    const preview = await upload(officer, "旧系统导出.csv", csvFile(rows)).expect(200);
    await confirm(officer, preview.body.importId).expect(201);
    for (const [row, name] of [
      [rows[0], "王芳"],
      [rows[1], "阿卜杜拉·买买提"],
    ] as const) {
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: row?.身份证号 });
      expect(stored?.name).to.equal(name);
      const found = await officer.agent.get("/api/candidates").query({ q: name }).expect(200);
      expect(JSON.stringify(found.body)).to.contain(String(row?.身份证号).slice(-4));
    }
  });

  it("when a CSV comes in GB18030 as Excel on Chinese Windows writes it, then names and categories read correctly", async () => {
    const res = await upload(officer, "gbk.csv", csvFile([aRow({ 姓名: "欧阳锋" })], "gb18030")).expect(200);
    expect(res.body).to.include({ readAs: "CSV（GB18030 编码）", accepted: 1, refused: 0 });
    expect(res.body.rows[0].name).to.equal("欧阳锋");
  });

  it("when rows have problems, then each is named in Chinese on its row and a confirmation writes none of the file", async () => {
    const good = uniqueIdNumber();
    const badCheck = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
    const mine = await registerTestCandidate(env.node, { divisionCode: "320100" });
    const suzhou = await registerTestCandidate(env.node, { divisionCode: "320500" });
    const dup = uniqueIdNumber();
    const rows = [
      aRow({ 姓名: "周好" }), // 2: fine
      aRow({ 身份证号: badCheck }), // 3
      aRow({ 近3年无重大事故: "否" }), // 4: ineligible
      aRow({ 身份证号: dup }), // 5
      aRow({ 身份证号: dup }), // 6: duplicate of 5
      aRow({ 身份证号: mine.idNumber }), // 7: registered in the officer's scope
      aRow({ 身份证号: suzhou.idNumber }), // 8: registered out of the officer's scope: read as free here
      aRow({ 报名单位行政区划代码: "320500" }), // 9: registering division out of scope
      aRow({ 报考类别: "飞行员" }), // 10
      aRow({ 姓名: '=HYPERLINK("http://x")' }), // 11
      aRow({ 手机号: "" }), // 12
    ];
    const before = await candidates();
    const res = await upload(officer, "问题.csv", csvFile(rows)).expect(200);
    expect(res.body).to.include({ accepted: 3, refused: 8 });
    expect(codesByLine(res.body)).to.deep.equal({
      2: [],
      3: ["id_check_digit"],
      4: ["not_eligible"],
      5: [],
      6: ["duplicate_in_file"],
      7: ["candidate_exists"],
      8: [],
      9: ["division_out_of_scope"],
      10: ["unknown_category"],
      11: ["formula_text"],
      12: ["missing_field"],
    });
    const messages = (line: number) =>
      (res.body.rows as { line: number; problems: { message: string }[] }[])
        .find((r) => r.line === line)
        ?.problems.map((p) => p.message);
    expect(messages(3)).to.deep.equal(["身份证号码校验位错误"]);
    expect(messages(4)?.[0]).to.contain("近 3 年无重大以上交通责任事故");
    expect(messages(6)).to.deep.equal(["身份证号与第 5 行重复"]);
    expect(messages(10)).to.deep.equal(["未知的报考类别「飞行员」"]);

    const refused = await confirm(officer, res.body.importId).expect(422);
    expect(refused.body.error.code).to.equal("import_has_problems");
    expect(refused.body.error.details.refused).to.equal(8);
    expect(await candidates()).to.equal(before);
    expect(await imported(res.body.importId)).to.equal(0);
  });

  it("when a county officer's file holds an ID number registered in another county, then the dry run shows no problem on that row, the confirmation is refused without naming it, and the dry run is audited", async () => {
    const elsewhere = await registerTestCandidate(env.node, { divisionCode: "320500" });
    const rows = [aRow(), aRow({ 身份证号: elsewhere.idNumber })];
    const bytes = csvFile(rows);
    const preview = await upload(officer, "外地.csv", bytes).expect(200);
    // Answered as a free number, as the precheck answers it: the dry run is no probe of other counties.
    expect(preview.body).to.include({ accepted: 2, refused: 0 });
    expect(codesByLine(preview.body)).to.deep.equal({ 2: [], 3: [] });
    const [audited] = await env.node.ctx.conn
      .collection("audit_log")
      .find({ action: "candidate.import_checked", "target.id": preview.body.importId })
      .toArray();
    expect(audited?.details).to.deep.include({
      filename: "外地.csv",
      rows: 2,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    expect(audited?.actor.id).to.equal(officer.user.id);

    const before = await candidates();
    const refused = await confirm(officer, preview.body.importId).expect(409);
    expect(refused.body.error.code).to.equal("id_number_unavailable");
    // Which row it is stays unsaid: no report, no line number, no masked ID number.
    expect(refused.body.error.details ?? null).to.equal(null);
    expect(refused.body.error.message).to.not.match(/第 \d+ 行/);
    expect(await candidates()).to.equal(before);
    expect(await imported(preview.body.importId)).to.equal(0);
  });

  it("when someone registers one of the file's people between the dry run and the confirmation, then the confirmation re-checks, names that row and writes nothing", async () => {
    const late = uniqueIdNumber();
    const preview = await upload(officer, "a.csv", csvFile([aRow(), aRow({ 身份证号: late })])).expect(200);
    expect(preview.body.refused).to.equal(0);
    await registerTestCandidate(env.node, { idNumber: late, divisionCode: "320100" });
    const before = await candidates();
    const res = await confirm(officer, preview.body.importId).expect(422);
    expect(res.body.error.code).to.equal("import_has_problems");
    expect(codesByLine(res.body.error.details)).to.deep.equal({ 2: [], 3: ["candidate_exists"] });
    expect(await candidates()).to.equal(before);
  });

  it("when an import is confirmed twice, even at once, then it is written once and the other confirmation is refused", async () => {
    const preview = await upload(officer, "b.csv", csvFile([aRow(), aRow(), aRow()])).expect(200);
    const before = await candidates();
    const answers = await Promise.all([
      confirm(officer, preview.body.importId),
      confirm(officer, preview.body.importId),
    ]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error.code).to.equal("import_already_confirmed");
    const again = await confirm(officer, preview.body.importId).expect(409);
    expect(again.body.error.code).to.equal("import_already_confirmed");
    expect(await candidates()).to.equal(before + 3);
    expect(await imported(preview.body.importId)).to.equal(1);
  });

  it("when another officer confirms an import they did not upload, then it is not found and nothing is written", async () => {
    const preview = await upload(officer, "c.csv", csvFile([aRow()])).expect(200);
    const before = await candidates();
    const res = await confirm(otherOfficer, preview.body.importId).expect(404);
    expect(res.body.error.code).to.equal("import_not_found");
    expect(await candidates()).to.equal(before);
  });

  it("when an XLSX holds formula cells and an ID number typed as a number, then formulas are read as their text, never their result, and the cut number is named", async () => {
    const id = uniqueIdNumber();
    const bytes = await xlsxFile([
      aRow({ 身份证号: { formula: `"${id}"`, result: id } }), // 2: a formula's result is not taken
      aRow({ 身份证号: Number(id.slice(0, 17) + "0") }), // 3: Excel's number cell
      aRow({ 姓名: { formula: "A1&A1", result: "姓名姓名" } }), // 4
      aRow({ 姓名: "吴正常", 驾驶证初领日期: new Date(Date.UTC(2012, 4, 1)) }), // 5: a date cell
    ]);
    const res = await upload(officer, "公式.xlsx", bytes).expect(200);
    expect(res.body.readAs).to.equal("XLSX");
    expect(codesByLine(res.body)).to.deep.equal({
      2: ["id_length"],
      3: ["imprecise_number"],
      4: ["formula_text"],
      5: [],
    });
    expect(res.body.rows[0].notes[0]).to.contain("公式");
  });

  it("when the template is downloaded and filled in, then its headers are the import's and it imports", async () => {
    const res = await officer.agent
      .get("/api/candidates/import-template")
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers["content-type"]).to.contain("spreadsheetml");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as ArrayBuffer);
    const sheet = wb.worksheets[0];
    expect(sheet?.getRow(1).values).to.deep.equal([undefined, ...HEADERS]);
    expect(sheet?.rowCount).to.equal(1);
    const row = aRow({ 姓名: "冯模板" });
    sheet?.addRow(HEADERS.map((h) => textOf(row[h])));
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    const preview = await upload(officer, "报名导入模板.xlsx", filled).expect(200);
    expect(preview.body).to.include({ accepted: 1, refused: 0 });
  });
});
