import { expect } from "chai";
import { parseGift } from "../../../server/question-bank/gift.parser.js";
import { parseMoodleXml } from "../../../server/question-bank/moodle-xml.parser.js";
import { formatToText } from "../../../server/question-bank/html-text.js";
import type { ParsedItem } from "../../../server/question-bank/parsed-item.js";

/**
 * Text an HTML reading would swallow ("correct or refuse, never silently wrong"): a `<` in a formula
 * opens a tag in HTML, so the words after it vanished and the question imported ok without them.
 */
const defaults = { categories: ["01001" as const], chapter: "第一章" };

function only(items: ParsedItem[]): ParsedItem {
  expect(items).to.have.length(1);
  return items[0] as ParsedItem;
}
const gift = (src: string) => only(parseGift(src, defaults).items);

const four = (texts = ["甲方案", "乙方案", "丙方案", "丁方案"], fractions = ["100", "0", "0", "0"]) =>
  texts.map((t, i) => `<answer fraction="${fractions[i]}"><text>${t}</text></answer>`).join("");
function xml(stem: string, answers = four(), extra = ""): ParsedItem {
  const src =
    `<?xml version="1.0" encoding="UTF-8"?><quiz><question type="multichoice"><name><text>Q1</text></name>` +
    `<questiontext format="html">${stem}</questiontext>${extra}${answers}</question></quiz>`;
  const parsed = parseMoodleXml(src, defaults);
  expect(parsed.fileErrors).to.deep.equal([]);
  return only(parsed.items);
}

describe("question import: text an HTML reading would lose is refused", () => {
  it("when a GIFT stem (default format, HTML) holds v<v0, then the item is refused naming &lt; and [plain]", () => {
    const item = gift("::g1:: 当车速v<v0时，驾驶员应当 {=减速 ~加速 ~鸣笛 ~停车}");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("&lt;").and.to.contain("[plain]").and.to.contain("<v0时");
  });

  it("when a GIFT option holds x<y, then the item is refused naming the option", () => {
    const item = gift("::g3:: 选择正确项 {=x<y 时减速 ~乙 ~丙 ~丁}");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("选项 A").and.to.contain("&lt;");
  });

  it("when a GIFT stem holds L<B时，速度>60 (a tag name no HTML element has), then the item is refused", () => {
    const item = gift("::g4:: 车长L<B时，速度>60 应当 {=甲 ~乙 ~丙 ~丁}");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("<B时，速度>");
  });

  it("when a GIFT stem holds a stray closing tag or an unclosed inline tag, then the item is refused", () => {
    expect(gift("::g5:: 甲</x>乙 应当 {=甲 ~乙 ~丙 ~丁}").outcome).to.equal("invalid");
    expect(gift("::g6:: 选<A>项 应当 {=甲 ~乙 ~丙 ~丁}").outcome).to.equal("invalid");
  });

  it("when the same text is written [plain] or with &lt;, then it imports with every word", () => {
    const plain = gift("::g7::[plain] 当车速v<v0时，驾驶员应当 {=减速 ~加速 ~鸣笛 ~停车}");
    expect(plain.outcome).to.equal("ok");
    expect(plain.question?.stem).to.equal("当车速v<v0时，驾驶员应当");
    const escaped = gift("::g8:: 当车速v&lt;v0时，驾驶员应当 {=减速 ~加速 ~鸣笛 ~停车}");
    expect(escaped.outcome).to.equal("ok");
    expect(escaped.question?.stem).to.equal("当车速v<v0时，驾驶员应当");
  });

  it("when real HTML (paragraphs, bold, Word's <o:p> and <st1:place>, comments, <= and <-5) is read, then it still imports", () => {
    const item = gift(
      "::g9::[html]<p>载重<=5吨且温度<-5℃时，<b>驾驶员</b><o:p>&nbsp;</o:p><!-- x -->应当<st1:place w:st='on'>在北京</st1:place></p><p>怎样？<br/></p> {=甲 ~乙 ~丙 ~丁}",
    );
    expect(item.outcome, item.notes.join()).to.equal("ok");
    expect(item.question?.stem).to.equal("载重<=5吨且温度<-5℃时，驾驶员 应当在北京\n怎样？");
  });

  it("when a Moodle XML stem holds v&lt;v0 (HTML format), then the item is refused naming &amp;lt; and plain_text", () => {
    const item = xml("<text>当车速v&lt;v0时，驾驶员应当</text>");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("&amp;lt;").and.to.contain("plain_text");
  });

  it("when a Moodle XML <text> holds an element (<b>) outside CDATA, then the item is refused naming it", () => {
    const stem = xml("<text>驾驶员应当<b>每隔4小时</b>休息一次</text>");
    expect(stem.outcome).to.equal("invalid");
    expect(stem.notes.join()).to.contain("<b>").and.to.contain("CDATA");
    const option = xml(
      "<text>驾驶员应当休息一次</text>",
      four(["每<b>4</b>小时", "每5小时", "每6小时", "每8小时"]),
    );
    expect(option.outcome).to.equal("invalid");
    expect(option.notes.join()).to.contain("选项 A").and.to.contain("<b>");
  });

  it("when the same bold is in CDATA, then it imports as its text", () => {
    const item = xml("<text><![CDATA[驾驶员应当<b>每隔4小时</b>休息一次]]></text>");
    expect(item.outcome).to.equal("ok");
    expect(item.question?.stem).to.equal("驾驶员应当每隔4小时休息一次");
  });

  it("when a table's cells are read, then each cell ends with a separator instead of running into the next", () => {
    const text = formatToText(
      "<table><tr><td>轴数</td><td>限重</td></tr><tr><td>2</td><td>18</td></tr></table>",
      "html",
    );
    expect(text.text).to.equal("轴数 | 限重\n2 | 18");
    const item = xml(
      "<text><![CDATA[<table><tr><th>轴数</th><th>限重</th></tr><tr><td>2</td><td>18</td></tr></table><p>四轴货车限重多少吨？</p>]]></text>",
    );
    expect(item.question?.stem).to.equal("轴数 | 限重\n2 | 18\n四轴货车限重多少吨？");
  });

  it("when superscripts and subscripts are read, then they are written with ^ and _ and noted", () => {
    expect(formatToText("10<sup>3</sup> 与 CO<sub>2</sub> 与 x<sup>n+1</sup>", "html").text).to.equal(
      "10^3 与 CO_2 与 x^(n+1)",
    );
    const item = xml("<text><![CDATA[<p>排放 CO<sub>2</sub> 浓度 10<sup>3</sup> 以上</p>]]></text>");
    expect(item.outcome).to.equal("ok");
    expect(item.question?.stem).to.equal("排放 CO_2 浓度 10^3 以上");
    expect(item.notes.join()).to.contain("上标");
  });
});
