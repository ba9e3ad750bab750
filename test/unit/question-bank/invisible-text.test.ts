import { expect } from "chai";
import { QuestionInput } from "../../../server/contracts/question-bank.js";
import { INVISIBLE_REFUSED } from "../../../server/contracts/validation.js";
import { parseImportFile } from "../../../server/question-bank/index.js";

/**
 * Question text a candidate reads holds no character a reader cannot see: "20\u200B分钟" beside
 * "20分钟" showed two identical options of which one scored, and a copy differing by one
 * zero-width space passed as another question. Private-use characters show differently on every
 * machine (and the GIFT reader used some for its escapes). Refused in every field, on every path.
 */
describe("question contract: invisible and private-use characters", () => {
  const question = (overrides: Record<string, unknown> = {}) => ({
    ref: "ZW-1",
    type: "single",
    stem: "连续驾驶4小时后至少休息多久？",
    options: ["20分钟", "10分钟", "30分钟", "40分钟"].map((text, i) => ({ key: "ABCD"[i], text })),
    answer: ["A"],
    explanation: "连续驾驶不得超过4小时。",
    chapter: "安全行车",
    categories: ["01001"],
    tags: ["休息"],
    ...overrides,
  });
  const problems = (overrides: Record<string, unknown>) =>
    (QuestionInput.safeParse(question(overrides)).error?.issues ?? []).map((i) => [
      i.path.join("."),
      i.message,
    ]);
  const options = (second: string) =>
    ["20分钟", second, "30分钟", "40分钟"].map((text, i) => ({ key: "ABCD"[i], text }));

  for (const [name, ch] of [
    ["zero-width space U+200B", "\u200B"],
    ["zero-width non-joiner U+200C", "\u200C"],
    ["zero-width joiner U+200D", "\u200D"],
    ["word joiner U+2060", "\u2060"],
    ["byte order mark U+FEFF", "\uFEFF"],
    ["soft hyphen U+00AD", "\u00AD"],
  ] as const) {
    it(`when an option holds a ${name}, then the question is refused naming the option`, () => {
      expect(problems({ options: options(`20${ch}分钟`) })).to.deep.include([
        "options.1.text",
        INVISIBLE_REFUSED,
      ]);
    });
  }

  it("when the stem, explanation, chapter or a tag holds a zero-width space, then each is refused by name", () => {
    const found = problems({
      stem: "连续驾驶4小时后\u200B至少休息多久？",
      explanation: "不得\u200B超过4小时。",
      chapter: "安全\u200B行车",
      tags: ["休\u200B息"],
    });
    expect(found).to.deep.include(["stem", INVISIBLE_REFUSED]);
    expect(found).to.deep.include(["explanation", INVISIBLE_REFUSED]);
    expect(found).to.deep.include(["chapter", INVISIBLE_REFUSED]);
    expect(found).to.deep.include(["tags.0", INVISIBLE_REFUSED]);
  });

  it("when a stem or explanation runs over several lines, then its line breaks and tabs are text and pass", () => {
    expect(
      problems({ stem: "如图所示：\n该标志表示什么？", explanation: "第一，\t减速；\r\n第二，停车。" }),
    ).to.deep.equal([]);
  });

  it("when an option holds a private-use character, then the question is refused naming the option", () => {
    const found = problems({ options: options("20\uE000分钟") });
    expect(found.map(([path]) => path)).to.deep.equal(["options.1.text"]);
    expect(found[0]?.[1]).to.contain("U+E000");
  });

  it("when a bidirectional control is in the stem, then it is still refused with its own reason, once", () => {
    const found = problems({ stem: "连续驾驶\u202E4小时后至少休息多久？" });
    expect(found).to.have.length(1);
    expect(found[0]?.[1]).to.contain("U+202E");
  });
});

describe("question import: invisible and private-use characters in every format", () => {
  const row = "PF-ZW,单选,连续驾驶4小时后至少休息多久？,20分钟,20\u200B分钟,30分钟,40分钟,B,安全行车,01001";

  it("when a CSV option differs from another only by a zero-width space, then the item is invalid naming the option", () => {
    const parsed = parseImportFile({
      name: "zw.csv",
      content: `ref,type,stem,A,B,C,D,answer,chapter,categories\n${row}`,
    });
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["invalid"]);
    expect(parsed.items[0]?.notes.join("\n")).to.contain(INVISIBLE_REFUSED).and.contain("选项");
  });

  it("when a GIFT question holds a literal U+E000 (the reader's escape for ~), then it is refused, never read as ~", () => {
    const gift = "::PUA-1:: 连续驾驶4小时后至少休息多久？ {=20分钟 ~10\uE000分钟 ~30分钟 ~40分钟}\n";
    const parsed = parseImportFile(
      { name: "pua.gift", content: gift },
      { categories: ["01001"], chapter: "安全行车" },
    );
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["invalid"]);
    expect(parsed.items[0]?.notes.join("\n")).to.contain("U+E000");
    expect(JSON.stringify(parsed.items[0])).not.to.contain("10~分钟");
  });

  it("when a GIFT category holds a literal private-use character, then its questions are refused for their chapter", () => {
    const gift =
      "$CATEGORY: $course$/安全\uE005行车\n\n::PUA-2:: 连续驾驶4小时后至少休息多久？ {=20分钟 ~10分钟 ~30分钟 ~40分钟}\n";
    const parsed = parseImportFile({ name: "pua-cat.gift", content: gift }, { categories: ["01001"] });
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["invalid"]);
    expect(parsed.items[0]?.notes.join("\n")).to.contain("章节");
  });

  it("when GIFT text escapes ~ and : with a backslash, then they still read as ~ and :", () => {
    const gift = "::ESC-1:: 标志\\: 限速 {=20\\~30 分钟 ~10分钟 ~30分钟 ~40分钟}\n";
    const parsed = parseImportFile(
      { name: "esc.gift", content: gift },
      { categories: ["01001"], chapter: "安全行车" },
    );
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["ok"]);
    expect(parsed.items[0]?.question?.stem).to.equal("标志: 限速");
    expect(parsed.items[0]?.question?.options[0]?.text).to.equal("20~30 分钟");
  });
});
