import { readFileSync } from "node:fs";
import { expect } from "chai";
import ExcelJS from "exceljs";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import {
  openImportFile,
  parseImportFile,
  parseImportFileAsync,
  toXlsx,
} from "../../../server/question-bank/index.js";
import type { ParsedItem } from "../../../server/question-bank/parsed-item.js";

// Issue 15: one fixture per finding (roadcert's own question text), each failing before the fix.
const fixture = (name: string) => ({
  name,
  content: readFileSync(new URL(`../../fixtures/question-bank/issue15/${name}`, import.meta.url)),
});
const defaults = { categories: ["01001" as const], chapter: "安全行车" };
const byRef = (items: ParsedItem[], ref: string) => {
  const item = items.find((i) => i.ref === ref);
  if (!item) throw new Error(`no item ${ref}: ${items.map((i) => i.ref).join(",")}`);
  return item;
};

describe("question import fidelity (issue 15): GIFT as Moodle reads it", () => {
  const parsed = parseImportFile(fixture("gift-weights.gift"), defaults);

  it("when one answer has = and the others ~%25%, then it is a single choice keyed on the = answer, with a note on the partial credit", () => {
    const item = byRef(parsed.items, "W-SINGLE");
    expect(item.outcome).to.equal("ok");
    expect(item.question).to.deep.include({ type: "single", answer: ["D"] });
    expect(item.notes.join()).to.contain("部分得分");
  });

  it("when answers and feedback carry [plain]/[moodle]/[html] markers, then markers and tags are gone from the text", () => {
    const item = byRef(parsed.items, "W-MARKERS");
    expect(item.question?.options.map((o) => o.text)).to.deep.equal(["黄色", "红色", "蓝色", "绿色"]);
    expect(item.question?.explanation).to.equal("以当地规定为准。");
  });

  it("when a weight follows ~ after a space, then it is trimmed as Moodle does and the question imports", () => {
    const item = byRef(parsed.items, "W-SPACE");
    expect(item.outcome, item.notes.join()).to.equal("ok");
    expect(item.question).to.deep.include({ type: "multiple", answer: ["A", "B"] });
    expect(item.question?.options[0]?.text).to.equal("制动系统");
  });

  it("when the file uses CR-only line endings, then its three questions stay three", () => {
    const cr = parseImportFile(fixture("gift-cr-only.gift"), defaults);
    expect(cr.items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["CR-1", "ok"],
      ["CR-2", "ok"],
      ["CR-3", "ok"],
    ]);
    expect(cr.items[1]?.location).to.match(/^第 3 行/);
  });

  it("when the file is UTF-16LE, then it decodes to two clean questions without NUL characters", () => {
    const u16 = parseImportFile(fixture("gift-utf16le.gift"), defaults);
    expect(u16.items.map((i) => i.outcome)).to.deep.equal(["ok", "ok"]);
    expect(byRef(u16.items, "U16-1").question?.stem).to.equal("驾驶员应随身携带从业资格证。");
  });

  it("when three different questions share one name, then the later two are refused naming the first", () => {
    const dup = parseImportFile(fixture("gift-duplicate-names.gift"), defaults);
    expect(dup.items.map((i) => i.outcome)).to.deep.equal(["ok", "invalid", "invalid"]);
    expect(dup.items[1]?.notes.join()).to.contain("重复").and.to.contain("第 2 行");
  });
});

describe("question import fidelity (issue 15): Moodle XML text, images and hostile files", () => {
  const parsed = parseImportFile(fixture("moodle-entities.xml"), defaults);

  it("when HTML uses named and hexadecimal entities, then every one is decoded", () => {
    expect(byRef(parsed.items, "E-ENTITIES").question?.stem).to.equal("“限载”标志…适用于中型货车—见§3。");
  });

  it("when text is plain_text, then < and > stay as written instead of being stripped as tags", () => {
    expect(byRef(parsed.items, "E-PLAIN").question?.stem).to.equal(
      "总质量 <3.5t 且车速 >80 km/h 时须按本条执行。",
    );
  });

  it("when an option or the general feedback holds an image, then the question is refused naming the image", () => {
    const option = byRef(parsed.items, "E-OPTION-IMAGE");
    expect(option.outcome).to.equal("invalid");
    expect(option.notes.join()).to.contain("sign-a.png").and.to.contain("选项 A");
    const feedback = byRef(parsed.items, "E-FEEDBACK-IMAGE");
    expect(feedback.outcome).to.equal("invalid");
    expect(feedback.notes.join()).to.contain("triangle.png");
  });

  it("when the stem shows an image, then the image is kept and no double space is left where it was", () => {
    const item = byRef(parsed.items, "E-STEM-IMAGE");
    expect(item.image?.filename).to.equal("work.png");
    expect(item.question?.stem).to.equal("图中标志表示前方施工 应减速。");
  });

  it("when a single-answer question has only partial fractions, then the refusal says why", () => {
    const item = byRef(parsed.items, "E-SINGLE-PARTIAL");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("100%").and.to.contain("50%、50%、0%、0%");
  });

  for (const name of ["moodle-external-entity.xml", "moodle-parameter-entity.xml"]) {
    it(`when the file declares entities (${name}), then it is refused with a clear reason and nothing is read`, () => {
      const hostile = parseImportFile(fixture(name), defaults);
      expect(hostile.items).to.have.length(0);
      expect(hostile.fileErrors[0]).to.match(/^第 2 行：文件含文档类型声明/);
    });
  }
});

describe("question import fidelity (issue 15): Moodle XML read a piece at a time", () => {
  const question = (n: number) =>
    `<question type="truefalse"><name><text>LATE-${n}</text></name><questiontext format="plain_text"><text>第 ${n} 题：出车前应检查轮胎气压。</text></questiontext>` +
    `<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>\n`;
  const file = (middle: string) =>
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n${Array.from({ length: 800 }, (_, i) => question(i)).join("")}${middle}${question(9999)}</quiz>\n`,
    );

  it("when a control character sits past the first pieces, then the file is refused naming its line and no item is read", () => {
    const parsed = parseImportFile({ name: "late.xml", content: file("\u0001\n") }, defaults);
    expect(parsed.fileErrors).to.deep.equal(["文件含控制字符（第 803 行），不是文本文件或编码无法识别"]);
    expect(parsed.items).to.deep.equal([]);
  });

  it("when undeclared bytes are not UTF-8 and do not read as Chinese GB18030, then the file is refused after all its pieces", () => {
    const bytes = file("");
    const latin1 = Buffer.concat([
      bytes.subarray(0, bytes.length - 20),
      Buffer.from("é\u00e8\u00ea", "latin1"),
      bytes.subarray(bytes.length - 20),
    ]);
    const parsed = parseImportFile(
      {
        name: "latin.xml",
        content: Buffer.concat([Buffer.from("<quiz>"), latin1.subarray(latin1.indexOf("<quiz>") + 6)]),
      },
      defaults,
    );
    expect(parsed.fileErrors.join()).to.contain("文件编码无法识别");
  });
});

describe("question import fidelity (issue 15): CSV encodings and formula cells", () => {
  it("when a CSV is GBK-encoded, then it decodes to the right Chinese text and the report says which encoding", () => {
    const parsed = parseImportFile(fixture("questions-gbk.csv"));
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["ok", "ok"]);
    expect(byRef(parsed.items, "GBK-1").question).to.deep.include({
      stem: "道路运输从业资格证的有效期是多少年？",
      chapter: "职业道德和法律法规",
    });
  });

  it("when bytes are neither UTF-8 nor Chinese GB18030 text, then the file is refused instead of importing mojibake", () => {
    const latin1 = Buffer.from("ref,type,stem,answer\nL-1,判断,caf\xe9 na\xefve r\xe9sum\xe9,T\n", "latin1");
    const parsed = parseImportFile({ name: "x.csv", content: latin1 });
    expect(parsed.fileErrors[0]).to.contain("编码无法识别");
  });

  it("when cells start with =, +, @ or -, then the text is kept exactly as written (export neutralises it)", () => {
    const parsed = parseImportFile(fixture("formula-cells.csv"));
    expect(parsed.items[0]?.question).to.deep.include({
      stem: "=1+1 这样的写法在题干中应原样保留吗？",
    });
    expect(parsed.items[0]?.question?.options.map((o) => o.text)).to.deep.equal([
      "+保留",
      "@SUM(A1)",
      "-10",
      '=HYPERLINK("x")',
    ]);
  });

  it("when such questions are exported as CSV, then every formula cell is neutralised and importing the export gives the text back", () => {
    const question = parseImportFile(fixture("formula-cells.csv")).items[0]?.question;
    if (!question) throw new Error("fixture did not parse");
    const csv = toCsv([question]);
    const cells = csv.split("\r\n")[1] ?? "";
    expect(cells)
      .to.contain("'=1+1")
      .and.to.contain("'+保留")
      .and.to.contain("'@SUM(A1)")
      .and.to.contain("'-10");
    expect(cells).to.contain(`"'=HYPERLINK(""x"")"`);
    expect(cells).not.to.match(/(^|,)[=+\-@]/);
    expect(parseImportFile({ name: "again.csv", content: csv }).items[0]?.question).to.deep.equal(question);
  });

  it("when such questions are exported as XLSX, then every such cell is a text cell, never a formula, and importing the export gives the text back", async () => {
    const question = parseImportFile(fixture("formula-cells.csv")).items[0]?.question;
    if (!question) throw new Error("fixture did not parse");
    const bytes = await toXlsx([question]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    const row = wb.worksheets[0]?.getRow(2);
    const cells = [3, 4, 5, 6, 7].map((c) => row?.getCell(c));
    // A text cell is shown as written by Excel and LibreOffice; only a formula cell is evaluated.
    expect(cells.map((c) => c?.type)).to.deep.equal(Array(5).fill(ExcelJS.ValueType.String));
    expect(cells.map((c) => c?.value)).to.deep.equal([
      "=1+1 这样的写法在题干中应原样保留吗？",
      "+保留",
      "@SUM(A1)",
      "-10",
      '=HYPERLINK("x")',
    ]);
    const again = await parseImportFileAsync({ name: "again.xlsx", content: bytes });
    expect(again.items[0]?.question).to.deep.equal(question);
  });
});

describe("question import fidelity (issue 15): markdown text and oversized files", () => {
  it('when GIFT and Moodle XML text is [markdown] or format="markdown", then it is rendered and reduced to its text, markers and asterisks gone', () => {
    const gift = parseImportFile(
      { name: "md.gift", content: "::MD-1::[markdown]出车前须检查 **轮胎** 和 *灯光*。{T}\n" },
      defaults,
    );
    expect(gift.items[0]?.question?.stem).to.equal("出车前须检查 轮胎 和 灯光。");
    const xml = parseImportFile(
      {
        name: "md.xml",
        content:
          '<quiz><question type="truefalse"><name><text>MD-2</text></name><questiontext format="markdown"><text>休息 **不少于** 20 分钟。</text></questiontext>' +
          '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>',
      },
      defaults,
    );
    expect(xml.items[0]?.question?.stem).to.equal("休息 不少于 20 分钟。");
  });

  it("when a file is larger than the import's limit, then it is refused whole with its size and the limit, and nothing is read", () => {
    const opened = openImportFile(
      { name: "big.csv", content: Buffer.alloc(3 * 1048576, 0x41) },
      defaults,
      2 * 1048576,
    );
    expect(opened.fileErrors).to.deep.equal(["文件过大（3.0 MB，上限 2 MB），请拆分后导入"]);
    expect(opened.syncItems?.() ?? []).to.deep.equal([]);
  });
});

describe("question import (hostile text): bidirectional controls", () => {
  it("when an option hides a right-to-left override (U+202E), then that question is refused naming the character and the options, and its clean neighbour imports", () => {
    const gift = [
      "::BIDI-1:: 驾驶员连续驾驶多久须停车休息？ {=4 小时 ~2 小时 ~6 小时 ~8 \u202E时小 2\u202C}",
      "",
      "::BIDI-2:: 驾驶员应随身携带从业资格证。 {T}",
      "",
    ].join("\n");
    const parsed = parseImportFile({ name: "bidi.gift", content: Buffer.from(gift, "utf8") }, defaults);
    expect(parsed.items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["BIDI-1", "invalid"],
      ["BIDI-2", "ok"],
    ]);
    const why = byRef(parsed.items, "BIDI-1").notes.join();
    expect(why).to.contain("U+202E").and.to.contain("双向文本控制字符");
  });

  it("when a stem carries an isolate control (U+2067), then the roadcert JSON question is refused too", () => {
    const question = {
      ref: "BIDI-JSON",
      type: "true_false",
      stem: "驾驶员\u2067应随身携带\u2069从业资格证。",
      answer: ["T"],
      chapter: "安全行车",
      categories: ["01001"],
    };
    const file = { format: "roadcert-questions/1", title: "双向控制字符", questions: [question] };
    const content = Buffer.from(JSON.stringify(file), "utf8");
    const parsed = parseImportFile({ name: "bidi.json", content }, defaults);
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["invalid"]);
    expect(parsed.items[0]?.notes.join()).to.contain("U+2067");
  });
});
