import { expect } from "chai";
import iconv from "iconv-lite";
import { textLines } from "../../../server/lib/text-decode.js";
import { openImportFile, parseImportFile } from "../../../server/question-bank/import-readers.js";

// Issue 15, memory: GIFT and CSV are decoded and read a piece at a time. Whatever byte a piece ends
// on (inside a CRLF, a multi-byte character or a GIFT escape), the file must read exactly as when
// it is decoded whole: same items, same texts, same line numbers in the refusals.
const defaults = { categories: ["01001" as const], chapter: "安全行车" };

// Escapes, a CRLF inside a question, a CR-only line end and Chinese text everywhere.
const GIFT = [
  "// 分块边界测试",
  "::C-1::比例 1\\:1 的说法中，符号 \\= 与 \\{ 须转义。{T}",
  "",
  "::C-2::出车前应检查哪些项目？{",
  "=[plain]制动\\~转向 ~灯光 ~喇叭 ~轮胎",
  "####检查“四漏”。}",
  "",
  "::C-3::第三题缺右花括号{=对 ~错 ~不对 ~都不对",
  "\r",
  "::C-4::最后一题\\#无误。{F}",
  "",
].join("\r\n");

const CSV = [
  "ref,type,stem,A,B,C,D,answer",
  'R-1,单选,"跨行的题干：\r\n第二行，含“引号”和""双引号""",甲,乙,丙,丁,B',
  "R-2,判断,驾驶员应随身携带从业资格证。,,,,,正确",
  "R-3,多选,多选题，答案多写了一个字母,甲,乙,丙,丁,ABE",
  "",
].join("\r\n");

const ENCODINGS: Record<string, (text: string) => Buffer> = {
  "utf-8": (text) => Buffer.from(text),
  "utf-8 with BOM": (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
  "utf-16le with BOM": (text) => iconv.encode(text, "utf-16le", { addBOM: true }),
  "utf-16be with BOM": (text) => iconv.encode(text, "utf-16be", { addBOM: true }),
  gb18030: (text) => iconv.encode(text, "gb18030"),
};

const summary = (name: string, content: string | Buffer, chunkBytes?: number) => {
  const parsed = parseImportFile({ name, content }, defaults, chunkBytes ? { chunkBytes } : {});
  return { fileErrors: parsed.fileErrors, items: parsed.items };
};

describe("question import in pieces (issue 15): a piece boundary anywhere changes nothing", () => {
  for (const [name, text] of [
    ["x.gift", GIFT],
    ["x.csv", CSV],
  ] as const) {
    for (const [encoding, encode] of Object.entries(ENCODINGS)) {
      it(`when ${name} in ${encoding} is decoded in pieces of 1 to 9 bytes, then every item reads as from the whole text`, () => {
        const whole = summary(name, text);
        expect(whole.fileErrors).to.deep.equal([]);
        const bytes = encode(text);
        for (let chunkBytes = 1; chunkBytes <= 9; chunkBytes++) {
          const pieces = summary(name, bytes, chunkBytes);
          expect(pieces.fileErrors, `${chunkBytes} bytes`).to.deep.equal([]);
          expect(pieces.items, `${chunkBytes} bytes`).to.deep.equal(whole.items);
        }
      });
    }
  }

  it("when the GIFT file has CRLF and CR-only line ends, then the refusal names the right line and question", () => {
    const items = summary("x.gift", Buffer.from(GIFT), 1).items;
    expect(items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["C-1", "ok"],
      ["C-2", "ok"],
      ["C-3", "invalid"],
      ["C-4", "ok"],
    ]);
    expect(items[0]?.question?.stem).to.equal("比例 1:1 的说法中，符号 = 与 { 须转义。");
    expect(items[1]?.question?.options[0]?.text).to.equal("制动~转向");
    expect(items[2]?.location).to.equal("第 8 行（第 3 题「C-3」）");
    // Line 9 ends with CR alone, line 10 with CRLF: both are blank lines.
    expect(items[3]?.location).to.equal("第 11 行（第 4 题「C-4」）");
    expect(items[3]?.question?.stem).to.equal("最后一题#无误。");
  });

  it("when a CSV field spans a CRLF, then the line break is kept as LF and later rows are numbered as Excel shows them", () => {
    const items = summary("x.csv", Buffer.from(CSV), 1).items;
    expect(items[0]?.question?.stem).to.equal('跨行的题干：\n第二行，含“引号”和"双引号"');
    expect(items.map((i) => [i.location, i.outcome])).to.deep.equal([
      ["第 2 行", "ok"],
      ["第 3 行", "ok"],
      ["第 4 行", "invalid"],
    ]);
  });

  it("when a quoted CSV field is never closed, then the file is refused naming the row's first line", () => {
    const parsed = summary(
      "x.csv",
      Buffer.from('ref,type,stem,answer\r\nR-1,判断,"未闭合\r\n的题干,正确\r\n'),
      3,
    );
    expect(parsed.fileErrors).to.deep.equal(["第 2 行：引号未闭合"]);
  });

  it("when a control character sits on line 5 of a CR-only, CRLF or mixed file, then the refusal names line 5 whatever the piece size", () => {
    const lines = [
      "::L-1::出车前检查轮胎。{T}",
      "",
      "::L-2::连续驾驶四小时应休息。{T}",
      "",
      "::L-3::\u0001控制字符。{F}",
      "",
    ];
    for (const [ends, name] of [
      [["\r"], "CR-only"],
      [["\r\n"], "CRLF"],
      [["\r", "\r\n", "\n", "\r\n", "\r"], "mixed"],
    ] as const) {
      const text = lines.map((l, i) => l + (ends[i % ends.length] ?? "\n")).join("");
      for (const encoding of ["utf-8", "utf-16le with BOM"]) {
        const bytes = ENCODINGS[encoding]?.(text) ?? Buffer.from(text);
        for (const chunkBytes of [1, 2, 3, 5, 64 * 1024]) {
          const parsed = summary("x.gift", bytes, chunkBytes);
          expect(parsed.fileErrors, `${name} ${encoding} ${chunkBytes}`).to.deep.equal([
            "文件含控制字符（第 5 行），不是文本文件或编码无法识别",
          ]);
        }
      }
      // roadcert JSON is decoded whole: the same count there.
      const json = `{\r"format": "roadcert-questions/1",${ends[0] ?? "\n"}"title": "t",\r\n"questions": [],\n"x": "\u0001"}`;
      expect(parseImportFile({ name: "x.json", content: Buffer.from(json) }).fileErrors, name).to.deep.equal([
        "文件含控制字符（第 5 行），不是文本文件或编码无法识别",
      ]);
    }
  });

  it("when lines arrive split anywhere, then CRLF, CR and LF each end one line", () => {
    const text = "甲\r\n乙\r丙\n\n丁\r\n";
    const expected = ["甲", "乙", "丙", "", "丁", ""];
    for (let i = 0; i <= text.length; i++)
      for (let j = i; j <= text.length; j++) {
        const pieces = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        expect([...textLines(pieces)], JSON.stringify(pieces)).to.deep.equal(expected);
      }
  });
});

describe("question import encodings (issue 15): UTF-16 without a BOM", () => {
  // Mostly Chinese: too few ASCII characters for the NUL-byte pattern, and GB18030 reads the
  // byte pairs as other Chinese characters (mojibake that looked Chinese enough to import "ok").
  const gift = [
    "::甲::驾驶员连续驾驶四小时后应当停车休息，休息时间不少于二十分钟。{T}",
    "",
    "::乙::道路运输从业人员应当遵守道路运输法规，文明服务，安全驾驶。{F}",
    "",
  ].join("\n");

  for (const order of ["utf-16le", "utf-16be"] as const) {
    it(`when a mostly-Chinese GIFT file is ${order} without a BOM, then it is read as ${order}, never as GB18030`, () => {
      const parsed = parseImportFile({ name: "x.gift", content: iconv.encode(gift, order) }, defaults);
      expect(parsed.fileErrors).to.deep.equal([]);
      expect(parsed.items.map((i) => [i.ref, i.outcome])).to.deep.equal([
        ["甲", "ok"],
        ["乙", "ok"],
      ]);
      expect(parsed.items[0]?.question?.stem).to.equal(
        "驾驶员连续驾驶四小时后应当停车休息，休息时间不少于二十分钟。",
      );
      const opened = openImportFile({ name: "x.gift", content: iconv.encode(gift, order) }, defaults);
      expect(opened.notes).to.deep.equal([`文件按 ${order.toUpperCase()} 编码读取`]);
    });
  }

  it("when a GBK file is read, then it is still GB18030 (real GBK never reads as UTF-16 text)", () => {
    const parsed = parseImportFile({ name: "x.gift", content: iconv.encode(gift, "gbk") }, defaults);
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(parsed.items[1]?.question?.stem).to.equal(
      "道路运输从业人员应当遵守道路运输法规，文明服务，安全驾驶。",
    );
    const opened = openImportFile({ name: "x.gift", content: iconv.encode(gift, "gbk") }, defaults);
    expect(opened.notes).to.deep.equal(["文件按 GB18030 编码读取"]);
  });
});
