import { expect } from "chai";
import { QuestionInput } from "../../../server/contracts/question-bank.js";
import { AppError } from "../../../server/lib/errors.js";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import { parseGift } from "../../../server/question-bank/gift.parser.js";
import { parseImportFile, parseImportFileAsync } from "../../../server/question-bank/import-readers.js";
import { parseMoodleXml } from "../../../server/question-bank/moodle-xml.parser.js";
import { toGift, toMoodleXml, toXlsx } from "../../../server/question-bank/question-export.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

/** What an export wrote must import as the same question, or the export must refuse. */
const defaults = { categories: ["01001" as const], chapter: "默认" };

const textByKey = (q: { options: { key: string; text: string }[] } | undefined) =>
  Object.fromEntries((q?.options ?? []).map((o) => [o.key, o.text]));

describe("question export and import: the same question back, or a refusal", () => {
  it("when a GIFT or Moodle XML category path escapes a slash as //, then the chapter keeps the slash", () => {
    const g = parseGift(
      "$CATEGORY: $course$/top/安全//应急\n\n::g:: 驾驶员连续驾驶时间 {=甲 ~乙 ~丙 ~丁}",
      defaults,
    );
    expect(g.items[0]?.question?.chapter).to.equal("安全/应急");
    const x = parseMoodleXml(
      `<quiz><question type="category"><category><text>$course$/top/法规/安全//应急</text></category></question>` +
        `<question type="truefalse"><name><text>t</text></name><questiontext format="html"><text>车辆可以超载运输吗</text></questiontext>` +
        `<answer fraction="0"><text>true</text></answer><answer fraction="100"><text>false</text></answer></question></quiz>`,
      defaults,
    );
    expect(x.items[0]?.question?.chapter).to.equal("安全/应急");
  });

  it("when a chapter holds a slash, then GIFT and Moodle XML exports write it as // and import it back whole", () => {
    const qs = [aQuestionInput({ chapter: "安全/应急" })];
    expect(toGift(qs)).to.contain("$course$/top/安全//应急");
    expect(toMoodleXml(qs)).to.contain("$course$/top/安全//应急");
    for (const [name, content] of [
      ["x.gift", toGift(qs)],
      ["x.xml", toMoodleXml(qs)],
    ] as const)
      expect(
        parseImportFile({ name, content: Buffer.from(content) }, defaults).items[0]?.question?.chapter,
        name,
      ).to.equal("安全/应急");
  });

  it("when options are held out of key order, then GIFT and Moodle XML exports keep each text with its key and the key right", () => {
    const qs = [
      aQuestionInput({
        type: "multiple",
        options: [
          { key: "B", text: "乙" },
          { key: "A", text: "甲" },
          { key: "C", text: "丙" },
          { key: "D", text: "丁" },
        ],
        answer: ["C", "A"],
      }),
    ];
    for (const [name, content] of [
      ["x.gift", toGift(qs)],
      ["x.xml", toMoodleXml(qs)],
    ] as const) {
      const item = parseImportFile({ name, content: Buffer.from(content) }, defaults).items[0];
      expect(item?.outcome, name).to.equal("ok");
      expect(textByKey(item?.question), name).to.deep.equal({ A: "甲", B: "乙", C: "丙", D: "丁" });
      expect([...(item?.question?.answer ?? [])].sort(), name).to.deep.equal(["A", "C"]);
    }
  });

  it("when a stem holds a carriage return, then GIFT and Moodle XML exports bring back one line break, not two", () => {
    const qs = [aQuestionInput({ stem: "换行\r\n回车的题干", explanation: "一\r二" })];
    const gift = parseImportFile({ name: "x.gift", content: Buffer.from(toGift(qs)) }, defaults).items[0];
    expect(gift?.question?.stem).to.equal("换行\n回车的题干");
    expect(gift?.question?.explanation).to.equal("一\n二");
    const xml = parseImportFile({ name: "x.xml", content: Buffer.from(toMoodleXml(qs)) }, defaults).items[0];
    expect(xml?.question?.stem).to.equal("换行\r\n回车的题干");
    expect(xml?.question?.explanation).to.equal("一\r二");
  });

  it("when a tag holds a list separator (; ； |), then the CSV and XLSX exports refuse naming the question and tag", async () => {
    const qs = [aQuestionInput({ ref: "PF-7", tags: ["安全;应急", "t2"] })];
    expect(() => toCsv(qs))
      .to.throw(AppError)
      .with.property("message")
      .that.contains("PF-7")
      .and.contains("安全;应急");
    let refused: unknown;
    await toXlsx(qs).catch((err: unknown) => (refused = err));
    expect(refused).to.be.instanceOf(AppError);
  });

  it("when a question is written with a tag holding a list separator, then it is refused where it comes in (editor, JSON import), so no export meets one", () => {
    for (const tag of ["安全;应急", "安全；应急", "安全|应急"]) {
      const parsed = QuestionInput.safeParse(aQuestionInput({ tags: [tag] }));
      expect(parsed.success, tag).to.equal(false);
      expect(parsed.error?.issues[0]?.message).to.equal("标签不能含有 |、; 或 ；");
    }
    expect(QuestionInput.safeParse(aQuestionInput({ tags: ["安全", "应急 处置"] })).success).to.equal(true);
  });

  it("when tags hold no separator, then CSV and XLSX bring them back as they were", async () => {
    const qs = [aQuestionInput({ tags: ["安全", "应急 处置"] })];
    const csv = parseImportFile({ name: "x.csv", content: Buffer.from(toCsv(qs)) }, defaults).items[0];
    expect(csv?.question?.tags).to.deep.equal(["安全", "应急 处置"]);
    const xlsx = (await parseImportFileAsync({ name: "x.xlsx", content: await toXlsx(qs) }, defaults))
      .items[0];
    expect(xlsx?.question?.tags).to.deep.equal(["安全", "应急 处置"]);
  });
});
