import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parseImportFile } from "../../../server/question-bank/index.js";
import type { ParsedItem } from "../../../server/question-bank/parsed-item.js";

const fixture = (name: string) => ({
  name,
  content: readFileSync(new URL(`../../fixtures/question-bank/${name}`, import.meta.url)),
});
const byRef = (items: ParsedItem[], ref: string) => {
  const item = items.find((i) => i.ref === ref);
  if (!item) throw new Error(`no item ${ref}`);
  return item;
};

describe("question bank: Moodle XML import", () => {
  const parsed = parseImportFile(fixture("moodle-sample.xml"), { categories: ["01001", "02001"] });

  it("when a single-answer multichoice is read, then HTML becomes text, the category path gives the chapter and feedback becomes the explanation", () => {
    const item = byRef(parsed.items, "MX-SINGLE-1");
    expect(item.outcome).to.equal("ok");
    expect(item.question).to.deep.include({
      type: "single",
      stem: "连续驾驶 4 小时后，驾驶员至少应停车休息多久？",
      answer: ["B"],
      chapter: "安全行车",
      categories: ["01001", "02001"],
      explanation: "连续驾驶 4 小时须停车休息不少于 20 分钟。",
      tags: ["疲劳驾驶", "休息"],
    });
    expect(item.notes.join()).to.contain("feedback").and.to.contain("penalty");
  });

  it("when a multiple-answer multichoice has fractions, then positive fractions are the key and partial credit is reported", () => {
    const item = byRef(parsed.items, "MX-MULTI-1");
    expect(item.question).to.deep.include({ type: "multiple", answer: ["A", "B"] });
    expect(item.notes.join()).to.contain("按比例给分");
    expect(item.image?.filename).to.equal("leak.png");
    expect(item.image?.data.subarray(1, 4).toString("latin1")).to.equal("PNG");
  });

  it("when true/false questions are read, then the key is T or F and a later category changes the chapter", () => {
    expect(byRef(parsed.items, "MX-TF-1").question).to.deep.include({
      type: "true_false",
      answer: ["T"],
      chapter: "安全行车",
    });
    expect(byRef(parsed.items, "MX-TF-2").question).to.deep.include({
      type: "true_false",
      answer: ["F"],
      chapter: "应急处置和紧急救护",
    });
  });

  it("when the file holds unsupported types, then each is reported as skipped with its reason, not dropped silently", () => {
    const skipped = parsed.items.filter((i) => i.outcome === "skipped");
    expect(skipped.map((i) => i.ref)).to.deep.equal(["MX-SHORT", "MX-MATCH", "MX-ESSAY", "MX-THREE"]);
    expect(byRef(parsed.items, "MX-SHORT").notes[0]).to.contain("shortanswer");
    expect(byRef(parsed.items, "MX-MATCH").notes[0]).to.contain("matching");
    expect(byRef(parsed.items, "MX-THREE").notes[0]).to.contain("四个选项");
    expect(byRef(parsed.items, "MX-SHORT").location).to.match(/^第 \d+ 行/);
  });

  it("when a question has no correct answer or no chapter, then it is invalid with the field named", () => {
    const bad = parseImportFile(fixture("moodle-bad-key.xml"), {
      categories: ["01001"],
      chapter: "安全行车",
    });
    expect(byRef(bad.items, "MX-OK").outcome).to.equal("ok");
    const noKey = byRef(bad.items, "MX-NOKEY");
    expect(noKey.outcome).to.equal("invalid");
    expect(noKey.notes.join()).to.contain("答案");
    const noChapter = parseImportFile(fixture("moodle-bad-key.xml"), { categories: ["01001"] });
    expect(byRef(noChapter.items, "MX-OK").notes.join()).to.contain("章节");
  });

  it("when the XML is malformed, then the file is refused with the line of the error", () => {
    const bad = parseImportFile(fixture("moodle-malformed.xml"));
    expect(bad.items).to.have.length(0);
    expect(bad.fileErrors[0]).to.match(/^第 \d+ 行：XML 格式错误/);
  });
});

describe("question bank: imports read names an object inherits as the text they are", () => {
  it("when a Moodle question's type or a CSV cell is constructor or toString, then it is named as written, not as Object's function", () => {
    const xml = `<?xml version="1.0"?><quiz><question type="constructor"><name><text>MX-PROTO</text></name>
      <questiontext format="html"><text>题干</text></questiontext></question></quiz>`;
    const moodle = parseImportFile(
      { name: "proto.xml", content: Buffer.from(xml) },
      { categories: ["01001"] },
    );
    expect(byRef(moodle.items, "MX-PROTO").notes.join()).to.contain("题型 constructor roadcert 不支持");
    const csv =
      "ref,type,stem,A,B,answer,categories,chapter\nCSV-PROTO,判断,驾驶员连续驾驶不得超过四小时,,,toString,01001,安全\n";
    const row = byRef(parseImportFile({ name: "proto.csv", content: Buffer.from(csv) }).items, "CSV-PROTO");
    expect(row.outcome).to.equal("invalid");
    expect(row.notes.join()).to.contain("答案").and.not.contain("function");
  });
});

describe("question bank: GIFT import", () => {
  const parsed = parseImportFile(fixture("gift-sample.gift"), { categories: ["01001"] });

  it("when true/false answers use T, TRUE or FALSE, then they map to T/F and answer feedback is reported as dropped", () => {
    expect(byRef(parsed.items, "GIFT-TF-1").question).to.deep.include({
      type: "true_false",
      answer: ["T"],
      chapter: "安全行车",
    });
    const tf2 = byRef(parsed.items, "GIFT-TF-2");
    expect(tf2.question).to.deep.include({ answer: ["F"] });
    expect(tf2.notes.join()).to.contain("反馈");
  });

  it("when a multiple-choice block spans lines with general feedback, then options, key and explanation are kept", () => {
    expect(byRef(parsed.items, "GIFT-SINGLE-1").question).to.deep.include({
      type: "single",
      options: [
        { key: "A", text: "30 日" },
        { key: "B", text: "10 日" },
        { key: "C", text: "3 日" },
        { key: "D", text: "当天" },
      ],
      answer: ["A"],
      explanation: "有效期届满 30 日前到原发证机关办理换证。",
    });
  });

  it("when weights mark several answers, then it becomes a multiple question and html markup becomes text", () => {
    const item = byRef(parsed.items, "GIFT-MULTI-1");
    expect(item.question).to.deep.include({
      type: "multiple",
      answer: ["A", "B"],
      stem: "出车前检查应注意哪些泄漏？",
    });
    expect(item.notes.join()).to.contain("HTML");
  });

  it("when the answer block sits inside the sentence, then the blank is shown as （　　） and a later $CATEGORY sets the chapter", () => {
    const item = byRef(parsed.items, "GIFT-MISSING-1");
    expect(item.question).to.deep.include({
      stem: "怀疑伤员脊柱受伤时，（　　）伤员。",
      chapter: "应急处置和紧急救护",
    });
  });

  it("when special characters are escaped, then they appear literally", () => {
    expect(byRef(parsed.items, "GIFT-ESCAPE-1").question?.stem).to.equal(
      "比例 1:1 的说法中，符号 = 与 ~ 须转义，本题答案为正确。",
    );
  });

  it("when short answer, matching, numerical, essay, five options or plain description appear, then each is skipped with a reason", () => {
    const skipped = parsed.items.filter((i) => i.outcome === "skipped");
    expect(skipped).to.have.length(6);
    expect(byRef(parsed.items, "GIFT-SHORT").notes[0]).to.contain("short answer");
    expect(byRef(parsed.items, "GIFT-MATCH").notes[0]).to.contain("matching");
    expect(byRef(parsed.items, "GIFT-NUM").notes[0]).to.contain("numerical");
    expect(byRef(parsed.items, "GIFT-ESSAY").notes[0]).to.contain("essay");
    expect(byRef(parsed.items, "GIFT-FIVE").notes[0]).to.contain("四个选项");
    expect(skipped.some((i) => i.notes[0]?.includes("description"))).to.equal(true);
  });

  it("when a block is unclosed, then that item is invalid and located by line", () => {
    const bad = parseImportFile(fixture("gift-broken.gift"), { categories: ["01001"], chapter: "安全行车" });
    expect(bad.items.map((i) => i.outcome)).to.deep.equal(["ok", "invalid"]);
    expect(bad.items[1]?.location).to.match(/^第 3 行/);
  });
});

describe("question bank: CSV and roadcert JSON import", () => {
  it("when a CSV uses Chinese type names, quoted commas, doubled quotes and line breaks, then every row parses", () => {
    const parsed = parseImportFile(fixture("questions-sample.csv"));
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["ok", "ok", "ok"]);
    expect(byRef(parsed.items, "CSV-TF-1").question).to.deep.include({
      type: "true_false",
      answer: ["T"],
      categories: ["01001", "02001"],
      difficulty: 2,
    });
    expect(byRef(parsed.items, "CSV-SINGLE-1").question?.explanation).to.equal(
      "须休息不少于 20 分钟，\n再继续驾驶。",
    );
    expect(byRef(parsed.items, "CSV-MULTI-1").question).to.deep.include({
      stem: '出车前检查包括哪些"四漏"？',
      answer: ["A", "B", "C", "D"],
    });
    // Rows as Excel shows them: the quoted two-line explanation above is one row.
    expect(byRef(parsed.items, "CSV-MULTI-1").location).to.equal("第 4 行");
  });

  it("when a CSV answer key does not fit the question type, then the row is invalid and says why", () => {
    const parsed = parseImportFile(fixture("questions-bad.csv"));
    expect(byRef(parsed.items, "CSV-BADKEY")).to.deep.include({ outcome: "invalid", location: "第 3 行" });
    expect(byRef(parsed.items, "CSV-TWOKEYS").notes.join()).to.contain("单选题须恰有一个答案");
  });

  it("when a CSV header names unknown columns, then the file is refused", () => {
    const parsed = parseImportFile({
      name: "x.csv",
      content: "ref,type,stem,answer,colour\n1,single,题干题干,A,红\n",
    });
    expect(parsed.fileErrors[0]).to.contain("colour");
  });

  it("when a CSV header has a blank column, then rows with nothing under it are read and a row with something under it is invalid", () => {
    const defaults = { chapter: "安全行车", categories: ["01001" as const] };
    const parsed = parseImportFile(
      {
        name: "x.csv",
        // Excel leaves a trailing comma on every line for a formatted empty column.
        content: "ref,type,stem,,answer,\nQ1,判断,驾驶员须持证上岗,,T,\nQ2,判断,驾驶员须持证上岗吗,备注,T,\n",
      },
      defaults,
    );
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(byRef(parsed.items, "Q1").outcome).to.equal("ok");
    const q2 = parsed.items.find((i) => i.location === "第 3 行");
    expect(q2).to.deep.include({ outcome: "invalid" });
    expect(q2?.notes).to.deep.equal(["D 列有内容，但该列没有表头：请填写列名或删除该列"]);
  });

  it("when a roadcert file has a bad item and a duplicate ref, then both are reported by index and ref", () => {
    const good = {
      ref: "R-1",
      type: "true_false",
      stem: "判断题题干。",
      answer: ["T"],
      chapter: "安全行车",
      categories: ["01001"],
    };
    const content = JSON.stringify({
      format: "roadcert-questions/1",
      title: "测试",
      questions: [good, { ...good, ref: "R-2", type: "multiple", answer: ["A"], options: [] }, good],
    });
    const parsed = parseImportFile({ name: "t.json", content });
    expect(parsed.items.map((i) => i.outcome)).to.deep.equal(["ok", "invalid", "invalid"]);
    expect(parsed.items[1]?.location).to.equal("questions[1]（R-2）");
    expect(parsed.items[2]?.notes.join()).to.contain("重复");
  });

  it("when an option of a roadcert question carries a field the format does not define, then that question is invalid with the field named", () => {
    const question = {
      ref: "O-1",
      type: "single",
      stem: "单选题题干。",
      options: [
        { key: "A", text: "甲" },
        { key: "B", text: "乙", image: "b.png" },
      ],
      answer: ["A"],
      chapter: "安全行车",
      categories: ["01001"],
    };
    const content = JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions: [question] });
    const [item] = parseImportFile({ name: "o.json", content }).items;
    // The option's picture used to vanish and the question import as "ok" without it.
    expect(item?.outcome).to.equal("invalid");
    expect(item?.notes.join("；")).to.contain("image");
  });

  it("when a roadcert file's question list is malformed or doubled, then the file is refused, never read in part", () => {
    const good =
      '{"ref":"J-1","type":"true_false","stem":"判断题题干。","answer":["T"],"chapter":"安全行车","categories":["01001"]}';
    const file = (questions: string, extra = "") => ({
      name: "j.json",
      content: `{"format":"roadcert-questions/1","title":"t",${extra}"questions":${questions}}`,
    });
    const refusal = (f: { name: string; content: string }) => parseImportFile(f).fileErrors.join("；");
    expect(refusal(file(`[${good},]`))).to.match(/^不是合法的 JSON：questions\[1\]/);
    expect(refusal(file(`[${good}, {"ref": "J-2",}]`))).to.match(/^不是合法的 JSON：questions\[1\]/);
    expect(refusal(file(`[${good}]`, `"questions":[${good}],`))).to.contain("questions 出现了两次");
    expect(refusal(file(`[${good}]`, `"title":`))).to.contain("不是合法的 JSON");
    expect(refusal(file("[ ]"))).to.contain("questions：须为非空数组");
    expect(refusal(file('{"0": 1}'))).to.contain("questions：须为非空数组");
    // Strings holding brackets, quotes, commas and escapes do not split a question; an escaped key still counts.
    const stem = '题干 ], [ {"a": "}\\"，, \\u0041';
    const tricky = JSON.stringify({ ...(JSON.parse(good) as object), stem });
    const parsed = parseImportFile({
      name: "j.json",
      content: `{ "format" : "roadcert-questions/1", "title": "t", "questi\\u006fns" : [\n ${tricky} \n] }`,
    });
    expect(parsed.fileErrors).to.deep.equal([]);
    expect(parsed.items.map((i) => [i.outcome, i.question?.stem])).to.deep.equal([["ok", stem]]);
  });

  it("when a roadcert blueprint file is read, then the blueprint is returned with defaults filled", () => {
    const content = JSON.stringify({
      format: "roadcert-blueprint/1",
      blueprint: {
        categoryCode: "01001",
        title: "方案",
        minutes: 60,
        passMark: 4,
        points: { true_false: 1, single: 1, multiple: 1 },
        cells: [{ type: "single", chapter: "安全行车", count: 5 }],
      },
    });
    const parsed = parseImportFile({ name: "bp.json", content });
    expect(parsed.blueprints[0]).to.deep.include({
      multipleScoring: "all_or_nothing",
      retake: { freeRetakes: 1, waitDays: 30 },
    });
  });
});

describe("question bank: export", () => {
  it("when questions are exported as CSV, then importing that CSV gives the same questions back", async () => {
    const { toCsv } = await import("../../../server/question-bank/csv.parser.js");
    const source = parseImportFile(fixture("questions-sample.csv")).items.map((i) => i.question);
    const questions = source.filter((q): q is NonNullable<typeof q> => q !== undefined);
    const again = parseImportFile({ name: "export.csv", content: toCsv(questions) });
    expect(again.items.map((i) => i.outcome)).to.deep.equal(["ok", "ok", "ok"]);
    expect(again.items.map((i) => i.question)).to.deep.equal(questions);
  });
});
