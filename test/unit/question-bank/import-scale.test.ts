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
      // The element text collected is part of the file, each character once.
      expect(xmlWork.text).to.be.within(1, xml.length);
      return { chars: xmlWork.chars, text: xmlWork.text, length: xml.length };
    };
    const small = work(1000);
    const large = work(4000);
    expect(large.chars / small.chars).to.be.closeTo(large.length / small.length, 0.01);
    // Text is the file less its markup: the same share of a larger file (longer numbers shift it a little).
    expect(large.text / small.text).to.be.closeTo(large.length / small.length, 0.1);
  });

  it("when one question's text arrives in many pieces (CDATA sections), then each character is collected once", () => {
    const work = (n: number) => {
      reset(xmlWork);
      // A stem within the 2,000-character limit, in n sections of one character.
      const stem = "<![CDATA[检]]>".repeat(n);
      const xml = `<quiz><question type="truefalse"><name><text>CD-1</text></name><questiontext format="plain_text"><text>${stem}</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>`;
      const parsed = parseImportFile(
        { name: "x.xml", content: xml },
        { categories: ["01001"], chapter: "安全行车" },
      );
      expect(parsed.items[0]?.question?.stem).to.equal("检".repeat(n));
      expect(xmlWork.text).to.equal("CD-1truefalse".length + n);
      return xmlWork.text - "CD-1truefalse".length;
    };
    expect(work(2000) / work(500)).to.equal(4);
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
    // The decoder's check visits each character once; saxes is handed each once.
    expect(decodeWork.chars).to.equal(xml.length);
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
    // Two passes (finding the list's end, splitting it into elements), each character once in each.
    expect(small.chars).to.be.within(small.length, 2 * small.length);
    expect(large.chars / small.chars).to.be.closeTo(large.length / small.length, 0.01);
  });

  it("when a GIFT file grows fourfold, then each line is visited once, each character joined and read for escapes once, and line ends searched for at most twice", () => {
    const work = (n: number) => {
      reset(giftWork);
      reset(decodeWork);
      const gift = toGift(questions(n));
      expect(
        parseImportFile({ name: "x.gift", content: gift }, { categories: ["01001"] }).items,
      ).to.have.length(n);
      expect(giftWork.lines).to.equal(gift.split("\n").length);
      // Joining a block's lines and the escape pass over it: each at most once per character.
      expect(giftWork.chars).to.be.within(gift.length, 2 * gift.length);
      // textLines looks for LF and for CR: each character is passed over at most once by each.
      expect(decodeWork.lineScan).to.be.within(gift.length, 2 * gift.length + 2);
      return { lines: giftWork.lines, chars: giftWork.chars, scan: decodeWork.lineScan, length: gift.length };
    };
    const small = work(1000);
    const large = work(4000);
    const grown = large.length / small.length;
    expect(large.lines / small.lines).to.be.closeTo(4, 0.01);
    expect(large.chars / small.chars).to.be.closeTo(grown, 0.05);
    expect(large.scan / small.scan).to.be.closeTo(grown, 0.05);
  });

  it("when a CSV grows fourfold, then each row is read once and each character scanned once", () => {
    const work = (n: number) => {
      reset(csvWork);
      const csv = toCsv(questions(n));
      expect(parseImportFile({ name: "x.csv", content: csv }).items).to.have.length(n);
      // Header, n rows and the empty line after the last line end.
      expect(csvWork.rows).to.equal(n + 2);
      // The field loops visit each character of the n + 2 lines once, and one for each line's
      // end: n + 1 CRLFs count one each, and the empty last line one.
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
      const text = write(questions(8000));
      const bytes = Buffer.from(text);
      const parsed = parseImportFile({ name, content: bytes }, { categories: ["01001"] });
      expect(parsed.fileErrors).to.deep.equal([]);
      expect(parsed.items.filter((i) => i.outcome === "ok")).to.have.length(8000);
      expect(bytes.length).to.be.above(1_000_000);
      expect(decodeWork.longest).to.be.at.most(64 * 1024);
      expect(decodeWork.pieces).to.equal(Math.ceil(bytes.length / (64 * 1024)));
      expect(decodeWork.chars).to.equal(text.length);
    });
  }

  it("when HTML holds 320,000 spaces in a row, then each character is visited once and the run becomes one space", () => {
    // Smaller runs first: a loop that rescans the run fails here on its count, before the long run.
    for (const n of [1000, 4000]) {
      reset(htmlWork);
      expect(htmlToText(`<p>前${" ".repeat(n)}后</p>`).text).to.equal("前 后");
      expect(htmlWork.chars).to.equal(n + 2);
    }
    reset(htmlWork);
    const spaces = " ".repeat(320_000);
    const result = htmlToText(`<p>前${spaces}后</p>`);
    expect(result.text).to.equal("前 后");
    expect(htmlWork.chars).to.equal(320_002);
  });

  it("when HTML holds runs of named, numeric and unterminated entities, then the parser is handed each character once and each decoded character is visited once", () => {
    const work = (n: number) => {
      reset(htmlWork);
      const html = `<p>${"&ldquo;限速&rdquo;&#x4E2D;&hellip;&amp;&#20013; &lt;3.5t&sect;&&#x;&amp".repeat(n)}</p>`;
      const result = htmlToText(html);
      const unit = "“限速”中…&中 <3.5t§&&#x;&";
      expect(result.text).to.equal(unit.repeat(n));
      expect(htmlWork.parsed).to.equal(html.length);
      expect(htmlWork.chars).to.equal(result.text.length);
      return { texts: htmlWork.texts, chars: htmlWork.chars };
    };
    const small = work(2000);
    const large = work(8000);
    expect(large.chars / small.chars).to.be.closeTo(4, 0.01);
    expect(large.texts / small.texts).to.be.closeTo(4, 0.01);
  });

  it("when a GIFT question holds a long whitespace run, then it is read without rescanning", () => {
    reset(giftWork);
    reset(htmlWork);
    const gift = `::WS-1::超长空白${" \t".repeat(200_000)}题干。{T}\n`;
    const parsed = parseImportFile(
      { name: "x.gift", content: gift },
      { categories: ["01001"], chapter: "安全行车" },
    );
    expect(parsed.items[0]?.outcome).to.equal("ok");
    expect(parsed.items[0]?.question?.stem).to.equal("超长空白 题干。");
    expect(giftWork.lines).to.equal(2);
    // The whitespace loop visits the stem's characters once (the title, the answer and the braces are not its).
    expect(htmlWork.chars).to.equal("超长空白".length + 400_000 + "题干。".length);
  });
});
