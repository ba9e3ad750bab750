import { expect } from "chai";
import {
  REGISTRATION_IMPORT_MAX_BYTES,
  REGISTRATION_IMPORT_MAX_ROWS,
} from "../../../server/contracts/registration-import.js";
import { useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { aRow, csvFile, HEADERS, upload, xlsxFile } from "./import-support.js";
import { unpaddedBase64 } from "../../helpers/base64.js";

/** Issue 14: a registration file that cannot be imported as a whole is refused with a stable code. */
describe("registration: bulk import refusals of a whole file", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  const stored = () => env.node.ctx.conn.collection("registration_imports").countDocuments();

  it("when the file is larger than the byte limit, then 413 import_file_too_large and nothing is stored", async () => {
    const before = await stored();
    const big = Buffer.concat([csvFile([aRow()]), Buffer.alloc(REGISTRATION_IMPORT_MAX_BYTES, 0x20)]);
    const res = await upload(officer, "big.csv", big).expect(413);
    expect(res.body.error.code).to.equal("import_file_too_large");
    expect(await stored()).to.equal(before);
  });

  it("when the file holds more rows than the limit, then 413 import_too_many_rows", async () => {
    const row = aRow();
    const rows = Array.from({ length: REGISTRATION_IMPORT_MAX_ROWS + 1 }, () => row);
    const res = await upload(officer, "many.csv", csvFile(rows)).expect(413);
    expect(res.body.error.code).to.equal("import_too_many_rows");
  });

  it("when a column is misspelt or a required one is missing, then 422 import_bad_header names them", async () => {
    const headers = HEADERS.map((h) => (h === "近3年无重大事故" ? "近三年无重大事故" : h)).filter(
      (h) => h !== "手机号",
    );
    const res = await upload(officer, "h.csv", csvFile([aRow()], "utf-8-bom", headers)).expect(422);
    expect(res.body.error.code).to.equal("import_bad_header");
    expect(res.body.error.details.problems).to.deep.equal([
      "未知的列「近三年无重大事故」",
      "缺少列：「手机号」",
    ]);
  });

  it("when a cell holds a value under a cleared header, then 422 import_bad_header names the cell and nothing is stored", async () => {
    const before = await stored();
    // The officer cleared the optional 报名单位 header: its division must not fall back to the officer's own.
    const headers = HEADERS.map((h) => (h === "报名单位行政区划代码" ? "" : h));
    const column = String.fromCharCode(65 + headers.indexOf(""));
    const rows = [aRow({ "": "320104" })];
    const files = {
      "cleared.csv": csvFile(rows, "utf-8-bom", headers),
      "cleared.xlsx": await xlsxFile(rows, headers),
    };
    for (const [name, file] of Object.entries(files)) {
      const res = await upload(officer, name, file).expect(422);
      expect(res.body.error.code).to.equal("import_bad_header");
      expect(res.body.error.details.problems).to.deep.equal([`第 2 行 ${column} 列有内容，但该列没有表头`]);
    }
    expect(await stored()).to.equal(before);
  });

  it("when cells run past the last header, then 422 import_bad_header counts them; a blank header over an empty column is fine", async () => {
    const headers = [...HEADERS, ""];
    const past = String.fromCharCode(65 + HEADERS.length);
    const rows = Array.from({ length: 7 }, () => aRow({ "": "备注" }));
    const res = await upload(officer, "past.csv", csvFile(rows, "utf-8-bom", headers)).expect(422);
    expect(res.body.error.message).to.match(
      new RegExp(`^第 2 行 ${past} 列、.*第 6 行 ${past} 列 等 7 处有内容`),
    );
    expect(res.body.error.details.problems).to.have.length(5);
    await upload(officer, "blank.csv", csvFile([aRow()], "utf-8-bom", headers)).expect(200);
  });

  it("when the file is an old .xls, not CSV text or a workbook, then 422 import_unreadable", async () => {
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect((await upload(officer, "old.xls", xls).expect(422)).body.error.code).to.equal("import_unreadable");
    const res = await upload(officer, "named.csv", xls).expect(422);
    expect(res.body.error.code).to.equal("import_unreadable");
  });

  it("when the file has only its header, then 422 import_unreadable", async () => {
    const res = await upload(officer, "empty.csv", csvFile([])).expect(422);
    expect(res.body.error.code).to.equal("import_unreadable");
    expect(res.body.error.message).to.equal("文件只有表头，没有考生");
  });

  it("when the file's base64 is not canonical (padding missing), then 400 invalid_base64 and nothing is stored", async () => {
    const before = await stored();
    const res = await officer.agent
      .post("/api/candidates/imports")
      .send({ filename: "a.csv", contentBase64: unpaddedBase64(csvFile([aRow()])) })
      .expect(400);
    expect(res.body.error.code).to.equal("invalid_base64");
    expect(await stored()).to.equal(before);
  });
});
