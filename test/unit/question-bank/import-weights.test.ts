import { expect } from "chai";
import { parseGift } from "../../../server/question-bank/gift.parser.js";
import { parseMoodleXml } from "../../../server/question-bank/moodle-xml.parser.js";
import type { ParsedItem } from "../../../server/question-bank/parsed-item.js";

/**
 * Multiple-answer weights and Moodle XML's <single> and fraction as Moodle reads them: Moodle
 * refuses right answers whose weights do not add up to 100% (fractionsaddwrong), reads
 * <single>yes</single> as (int)"yes" = 0 (multiple answers), and a fraction only as a decimal.
 */
const defaults = { categories: ["01001" as const], chapter: "第一章" };

function only(items: ParsedItem[]): ParsedItem {
  expect(items).to.have.length(1);
  return items[0] as ParsedItem;
}
const gift = (answers: string) => only(parseGift(`::g:: 驾驶员连续驾驶时间 {${answers}}`, defaults).items);
function xml(fractions: string[], single = "<single>false</single>"): ParsedItem {
  const answers = fractions
    .map((f, i) => `<answer fraction="${f}"><text>${"甲乙丙丁"[i]}方案</text></answer>`)
    .join("");
  const src =
    `<quiz><question type="multichoice"><name><text>m</text></name><questiontext format="html">` +
    `<text>驾驶员连续驾驶时间</text></questiontext>${single}${answers}</question></quiz>`;
  const parsed = parseMoodleXml(src, defaults);
  expect(parsed.fileErrors).to.deep.equal([]);
  return only(parsed.items);
}

describe("question import: multiple-answer weights and Moodle XML's <single> and fraction", () => {
  it("when Moodle XML multiple-answer fractions add up to 200% or 150%, then the item is refused naming the total", () => {
    for (const fs of [
      ["100", "100", "0", "0"],
      ["100", "50", "-100", "-100"],
      ["10", "10", "0", "0"],
    ]) {
      const item = xml(fs);
      expect(item.outcome, fs.join()).to.equal("invalid");
      expect(item.notes.join()).to.contain("合计").and.to.contain("100%");
    }
  });

  it("when GIFT multiple-answer weights add up to 150%, then the item is refused", () => {
    const item = gift("~%100%甲 ~%50%乙 ~%-100%丙 ~%-100%丁");
    expect(item.outcome).to.equal("invalid");
    expect(item.notes.join()).to.contain("150%");
    expect(gift("~%10%甲 ~%10%乙 ~丙 ~丁").outcome).to.equal("invalid");
  });

  it("when weights add up to 100% within Moodle's rounding (3 × 33.33333%), then the item imports", () => {
    const g = gift("~%33.33333%甲 ~%33.33333%乙 ~%33.33333%丙 ~%-100%丁");
    expect(g.outcome, g.notes.join()).to.equal("ok");
    expect(g.question?.answer).to.deep.equal(["A", "B", "C"]);
    const x = xml(["50", "50", "-100", "0"]);
    expect(x.outcome, x.notes.join()).to.equal("ok");
    expect(x.question?.answer).to.deep.equal(["A", "B"]);
  });

  it("when <single> is yes, no or anything but true/false/1/0, then the item is refused", () => {
    for (const word of ["yes", "no", "Y", ""]) {
      const item = xml(["100", "0", "0", "0"], `<single>${word}</single>`);
      expect(item.outcome, word).to.equal("invalid");
      expect(item.notes.join()).to.contain("<single>");
    }
    expect(xml(["100", "0", "0", "0"], "<single>1</single>").question?.type).to.equal("single");
    expect(xml(["50", "50", "0", "0"], "<single>0</single>").question?.type).to.equal("multiple");
    expect(xml(["100", "0", "0", "0"], "").question?.type).to.equal("single");
  });

  it("when a fraction is written 0x64, 1e2 or blank, then the item is refused, not read as 100 or 0", () => {
    for (const f of ["0x64", "1e2", " ", "100%", "Infinity"]) {
      const item = xml([f, "0", "0", "0"], "<single>true</single>");
      expect(item.outcome, f).to.equal("invalid");
      expect(item.notes.join()).to.contain("fraction");
    }
    expect(xml(["100.0000000", "0.0", "-0", "0"], "<single>true</single>").question?.answer).to.deep.equal([
      "A",
    ]);
  });
});
