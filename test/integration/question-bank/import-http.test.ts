import { expect } from "chai";
import ExcelJS from "exceljs";
import type { ImportReport } from "../../../server/contracts/question-import.js";
import { staffAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { unpaddedBase64 } from "../../helpers/base64.js";

/** Issue 15 over HTTP: an XLSX sheet gets the same per-row report as CSV; hostile files one refusal each. */
describe("question import over HTTP (issue 15): per-row reports and per-file refusals", () => {
  const env = useTestNode();
  let examiner: AuthedAgent;
  before(async () => {
    examiner = await staffAgent(env.node, { roles: ["examiner"] });
  });

  const HEAD = ["ref", "type", "stem", "A", "B", "C", "D", "answer", "chapter", "categories"];
  async function sheet(prefix: string): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("题目");
    ws.addRow(HEAD);
    ws.addRow([
      `${prefix}-1`,
      "单选",
      "连续驾驶多久后至少休息 20 分钟？",
      "1 小时",
      "2 小时",
      "4 小时",
      "8 小时",
      "C",
      "安全行车",
      "01001",
    ]);
    ws.addRow([
      `${prefix}-2`,
      "单选",
      "答案字母超出 A–D 的题。",
      "甲",
      "乙",
      "丙",
      "丁",
      "E",
      "安全行车",
      "01001",
    ]);
    ws.addRow([
      `${prefix}-3`,
      "判断",
      { formula: 'CONCAT("出车前","检查轮胎气压。")', result: "出车前检查轮胎气压。" },
      "",
      "",
      "",
      "",
      "正确",
      "安全行车",
      "01001",
    ]);
    ws.addRow([
      `${prefix}-1`,
      "判断",
      "与第 2 行同编号的另一题。",
      "",
      "",
      "",
      "",
      "错误",
      "安全行车",
      "01001",
    ]);
    ws.addRow([
      `${prefix}-5`,
      "判断",
      "=1+1 这样的文字应原样保留。",
      "",
      "",
      "",
      "",
      "正确",
      "安全行车",
      "01001",
    ]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  const post = (files: { name: string; contentBase64: string }[], partial = false) =>
    examiner.agent
      .post("/api/question-bank/import")
      .send({ files, partial, defaults: { categories: ["01001"], chapter: "安全行车" } })
      .expect(200);
  const stored = (prefix: string) =>
    env.node.ctx.conn.collection("question_versions").countDocuments({ ref: new RegExp(`^${prefix}-`) });

  it("when an XLSX sheet has a wrong key, a formula cell and a repeated ref, then each is named on its row and nothing is written; with partial only the good rows are", async () => {
    const bytes = (await sheet("XR")).toString("base64");
    const res = await post([{ name: "题目.xlsx", contentBase64: bytes }]);
    const [report] = (res.body as { reports: ImportReport[] }).reports;
    expect(report).to.deep.include({ format: "xlsx", rejected: true });
    const row = (line: number) => report?.items.find((i) => i.location === `第 ${line} 行`);
    // A good row of the refused file says why it was not written, instead of a bare 跳过.
    expect(row(2)).to.deep.include({ outcome: "skipped" });
    expect(row(2)?.notes.join()).to.contain("整个文件未导入");
    expect(row(3)?.outcome).to.equal("invalid");
    expect(row(3)?.notes.join()).to.contain("答案");
    expect(row(4)?.notes.join()).to.contain("C 列是公式");
    expect(row(5)?.outcome).to.equal("invalid");
    expect(row(5)?.notes.join()).to.contain("与 第 2 行 重复");
    expect(await stored("XR")).to.equal(0);

    const partial = await post([{ name: "题目.xlsx", contentBase64: bytes }], true);
    const [done] = (partial.body as { reports: ImportReport[] }).reports;
    expect(done?.counts).to.deep.include({ created: 3, invalid: 2 });
    expect(await stored("XR")).to.equal(3);
    const formulaText = await env.node.ctx.conn.collection("question_versions").findOne({ ref: "XR-5" });
    expect(formulaText?.stem).to.equal("=1+1 这样的文字应原样保留。");
  });

  it("when a file's base64 is not canonical (padding missing), then the request is refused with invalid_base64 naming the file and nothing is written", async () => {
    const gift = Buffer.from("::B64-1::驾驶员应随身携带从业资格证。{T}\n");
    const res = await examiner.agent
      .post("/api/question-bank/import")
      .send({
        files: [
          { name: "good.gift", contentBase64: gift.toString("base64") },
          { name: "damaged.gift", contentBase64: unpaddedBase64(gift) },
        ],
        defaults: { categories: ["01001"], chapter: "安全行车" },
      })
      .expect(400);
    const error = (res.body as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal("invalid_base64");
    expect(error.message).to.contain("damaged.gift");
    expect(await stored("B64")).to.equal(0);
  });

  it("when hostile and odd files come in one request, then each gets its own refusal naming the place and the good one imports", async () => {
    const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64");
    const res = await post([
      {
        name: "laughs.xml",
        contentBase64: b64(
          '<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<quiz><question type="truefalse"><name><text>&b;</text></name></question></quiz>\n',
        ),
      },
      { name: "binary.csv", contentBase64: b64(Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))) },
      {
        name: "cr-only.csv",
        contentBase64: b64(
          "ref,type,stem,answer,chapter,categories\rHX-1,判断,第一题。,正确,安全行车,01001\rHX-2,判断,控\u0001制。,正确,安全行车,01001\r",
        ),
      },
      { name: "spaces.gift", contentBase64: b64(`::HX-WS::很长的空白${" ".repeat(500_000)}题干。{T}\n`) },
    ]);
    const reports = (res.body as { reports: ImportReport[] }).reports;
    const refusal = (name: string) => reports.find((r) => r.file === name)?.items[0]?.notes.join();
    expect(reports.map((r) => [r.file, r.rejected])).to.deep.equal([
      ["laughs.xml", true],
      ["binary.csv", true],
      ["cr-only.csv", true],
      ["spaces.gift", false],
    ]);
    expect(refusal("laughs.xml")).to.match(/^第 2 行：文件含文档类型声明/);
    expect(refusal("binary.csv")).to.contain("控制字符");
    expect(refusal("cr-only.csv")).to.equal("文件含控制字符（第 3 行），不是文本文件或编码无法识别");
    const ws = await env.node.ctx.conn.collection("question_versions").findOne({ ref: "HX-WS" });
    expect(ws?.stem).to.equal("很长的空白 题干。");
    // Only the good file's question: nothing of the refused CSV's first, valid row.
    expect(await stored("HX")).to.equal(1);
  });
});
