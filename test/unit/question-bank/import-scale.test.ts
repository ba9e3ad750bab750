import { expect } from "chai";
import type { QuestionInput } from "../../../server/contracts/question-bank.js";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import { csvWork } from "../../../server/lib/csv.js";
import { giftWork } from "../../../server/question-bank/gift.parser.js";
import { htmlToText, htmlWork } from "../../../server/question-bank/html-text.js";
import { openImportFile, parseImportFile } from "../../../server/question-bank/import-readers.js";
import { xmlWork } from "../../../server/question-bank/moodle-xml.parser.js";
import { toGift, toMoodleXml } from "../../../server/question-bank/question-export.js";
import { jsonWork } from "../../../server/question-bank/roadcert.parser.js";
import { decodeWork } from "../../../server/lib/text-decode.js";

// Issue 15, scale: linear behaviour shown by counting the work each reader does, never by timing.
function questions(n: number): QuestionInput[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: `S-${i}`,
    type: "single" as const,
    stem: `第 ${i} 题：连续驾驶 4 小时后至少休息多久？`,
    options: (["A", "B", "C", "D"] as const).map((key, k) => ({ key, text: `${k * 10 + 5} 分钟` })),
    answer: ["B" as const],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001" as const],
    difficulty: 3,
    tags: [],
    source: "",
  }));
}
const reset = (o: Record<string, number>) => {
  for (const k of Object.keys(o)) o[k] = 0;
};

describe("question import scale (issue 15): work grows linearly with the input", () => {
  it("when a Moodle XML file grows fourfold, then the parser reads each character once and line numbers stay right", () => {
    const work = (n: number) => {
      reset(xmlWork);
      const xml = toMoodleXml(questions(n));
      const parsed = parseImportFile({ name: "x.xml", content: xml }, { categories: ["01001"] });
      expect(parsed.items).to.have.length(n);
      const lastLine = xml.slice(0, xml.lastIndexOf('<question type="multichoice"')).split("\n").length;
      expect(parsed.items[n - 1]?.location).to.match(new RegExp(`^第 ${lastLine} 行`));
      expect(xmlWork.chars).to.equal(xml.length);
      return { chars: xmlWork.chars, length: xml.length };
    };
    const small = work(1000);
    const large = work(4000);
    expect(large.chars / small.chars).to.be.closeTo(large.length / small.length, 0.01);
  });

  it("when a Moodle XML file arrives as bytes, then it is decoded and read 64 KB at a time, never held as one string", () => {
    reset(decodeWork);
    reset(xmlWork);
    const xml = toMoodleXml(questions(3000));
    const bytes = Buffer.from(xml);
    const parsed = parseImportFile({ name: "x.xml", content: bytes }, { categories: ["01001"] });
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(parsed.items.filter((i) => i.outcome === "ok")).to.have.length(3000);
    expect(bytes.length).to.be.above(1_000_000);
    expect(decodeWork.longest).to.be.at.most(64 * 1024);
    expect(decodeWork.pieces).to.equal(Math.ceil(bytes.length / (64 * 1024)));
    expect(xmlWork.chars).to.equal(xml.length);
  });

  it("when a roadcert JSON file grows fourfold, then each question is parsed only when reached and each character scanned once per pass", () => {
    const work = (n: number) => {
      reset(jsonWork);
      const content = JSON.stringify({ format: "roadcert-questions/1", title: "t", questions: questions(n) });
      const opened = openImportFile({ name: "x.json", content });
      const items = opened.syncItems?.()[Symbol.iterator]();
      expect(items?.next().value?.outcome).to.equal("ok");
      // Opening scanned the file once; the first item parsed one question, not the file's n.
      expect(jsonWork.questions).to.equal(1);
      let count = 1;
      while (!items?.next().done) count++;
      expect(count).to.equal(n);
      return { chars: jsonWork.chars, length: content.length };
    };
    const small = work(1000);
    const large = work(4000);
    expect(small.chars).to.be.below(2 * small.length);
    expect(large.chars / small.chars).to.be.closeTo(large.length / small.length, 0.01);
  });

  it("when a GIFT file grows fourfold, then each line is visited once", () => {
    const work = (n: number) => {
      reset(giftWork);
      const gift = toGift(questions(n));
      expect(
        parseImportFile({ name: "x.gift", content: gift }, { categories: ["01001"] }).items,
      ).to.have.length(n);
      expect(giftWork.lines).to.equal(gift.split("\n").length);
      return giftWork.lines;
    };
    expect(work(4000) / work(1000)).to.be.closeTo(4, 0.01);
  });

  it("when a CSV grows fourfold, then each row is read once and each character scanned once", () => {
    const work = (n: number) => {
      reset(csvWork);
      const csv = toCsv(questions(n));
      expect(parseImportFile({ name: "x.csv", content: csv }).items).to.have.length(n);
      // Header, n rows and the empty line after the last line end.
      expect(csvWork.rows).to.equal(n + 2);
      // Each of the n + 2 lines once, with one for its line end: n + 1 CRLFs count one each.
      expect(csvWork.chars).to.equal(csv.length - (n + 1) + 1);
      return { chars: csvWork.chars, length: csv.length };
    };
    const small = work(1000);
    const large = work(4000);
    expect(large.chars / small.chars).to.be.closeTo(large.length / small.length, 0.01);
  });

  for (const [name, write] of [
    ["x.gift", toGift],
    ["x.csv", toCsv],
  ] as const) {
    it(`when a ${name.slice(2).toUpperCase()} file arrives as bytes, then it is decoded and read 64 KB at a time, never held as one string`, () => {
      reset(decodeWork);
      const bytes = Buffer.from(write(questions(8000)));
      const parsed = parseImportFile({ name, content: bytes }, { categories: ["01001"] });
      expect(parsed.fileErrors).to.deep.equal([]);
      expect(parsed.items.filter((i) => i.outcome === "ok")).to.have.length(8000);
      expect(bytes.length).to.be.above(1_000_000);
      expect(decodeWork.longest).to.be.at.most(64 * 1024);
      expect(decodeWork.pieces).to.equal(Math.ceil(bytes.length / (64 * 1024)));
    });
  }

  it("when HTML holds 320,000 spaces in a row, then each character is visited once and the run becomes one space", () => {
    reset(htmlWork);
    const spaces = " ".repeat(320_000);
    const result = htmlToText(`<p>前${spaces}后</p>`);
    expect(result.text).to.equal("前 后");
    expect(htmlWork.chars).to.equal(320_002);
  });

  it("when a GIFT question holds a long whitespace run, then it is read without rescanning", () => {
    reset(giftWork);
    const gift = `::WS-1::超长空白${" \t".repeat(200_000)}题干。{T}\n`;
    const parsed = parseImportFile(
      { name: "x.gift", content: gift },
      { categories: ["01001"], chapter: "安全行车" },
    );
    expect(parsed.items[0]?.outcome).to.equal("ok");
    expect(parsed.items[0]?.question?.stem).to.equal("超长空白 题干。");
    expect(giftWork.lines).to.equal(2);
  });
});
