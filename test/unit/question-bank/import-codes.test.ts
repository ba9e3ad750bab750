import { readFileSync } from "node:fs";
import { expect } from "chai";
import { IMPORT_ITEM_CODES, ImportItemCode } from "../../../server/contracts/question-import.js";
import { parseImportFile } from "../../../server/question-bank/index.js";
import { aQuestionInput } from "../../helpers/bank-builders.js";

const defaults = { categories: ["01001" as const], chapter: "安全行车" };

/** [ref or location, outcome, code] of every item, in file order. */
function outcomes(file: { name: string; content: string }) {
  return parseImportFile(file, defaults).items.map((i) => [i.ref ?? i.location, i.outcome, i.code]);
}

/** One Moodle question element; `image` is shown in the stem and carried in the question. */
function moodle(
  type: string,
  name: string,
  answers: string[],
  image?: { filename: string; data: Buffer },
): string {
  const xml = answers
    .map((t, i) => `<answer fraction="${i === 0 ? 100 : 0}"><text>${t}</text></answer>`)
    .join("");
  const shown = image ? `<img src="@@PLUGINFILE@@/${image.filename}" />` : "";
  const file = image
    ? `<file name="${image.filename}" path="/" encoding="base64">${image.data.toString("base64")}</file>`
    : "";
  return `<question type="${type}"><name><text>${name}</text></name>
    <questiontext format="html"><text><![CDATA[<p>${name} 的题干文字${shown}</p>]]></text>${file}</questiontext>${xml}</question>`;
}

/**
 * Every item an import skips or refuses carries a stable `code` beside its Chinese notes, so other
 * provinces' software can tell why without reading Chinese.
 */
describe("question import: a machine-readable code for every skipped or invalid item", () => {
  it("when a GIFT file holds a description, unsupported questions, five options, a duplicated option and an unclosed block, then each item carries its code and its note", () => {
    const gift = [
      "::G-DESC:: 以下各题为安全行车题目。",
      "::G-ESSAY:: 简述押运员职责。{}",
      "::G-MATCH:: 配对危险货物类别。{=第 1 类 -> 爆炸品 =第 2 类 -> 气体 =第 3 类 -> 易燃液体}",
      "::G-LOWER:: 车辆起步前应观察周围情况。{t}",
      "::G-FIVE:: 有五个选项的单选题。{=甲 ~乙 ~丙 ~丁 ~戊}",
      "::G-TWICE:: 两个选项相同的单选题。{=甲 ~甲 ~丙 ~丁}",
      "::G-OK:: 车辆起步前应观察周围情况。{T}",
      "::G-OPEN:: 这道题的答案区没有闭合。{=甲 ~乙 ~丙 ~丁",
    ].join("\n\n");
    expect(outcomes({ name: "q.gift", content: gift })).to.deep.equal([
      ["G-DESC", "skipped", "not_a_question"],
      ["G-ESSAY", "skipped", "unsupported_type"],
      ["G-MATCH", "skipped", "unsupported_type"],
      ["G-LOWER", "skipped", "unsupported_type"],
      ["G-FIVE", "skipped", "unsupported_option_count"],
      ["G-TWICE", "invalid", "invalid_item"],
      ["G-OK", "ok", undefined],
      ["G-OPEN", "invalid", "malformed_item"],
    ]);
    const notes = parseImportFile({ name: "q.gift", content: gift }, defaults).items.map((i) =>
      i.notes.join(""),
    );
    expect(notes[0]).to.contain("说明文字");
    expect(notes[2]).to.contain("配对题");
  });

  it("when a Moodle file holds matching, description, three options, a key-less question and an image that is no image, then each item carries its code", () => {
    const xml = [
      `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>`,
      moodle("matching", "M-MATCH", []),
      moodle("description", "M-DESC", []),
      moodle("multichoice", "M-THREE", ["甲", "乙", "丙"]),
      moodle("truefalse", "M-NOKEY", ["maybe", "false"]),
      moodle("multichoice", "M-OK", ["甲", "乙", "丙", "丁"]),
      moodle("multichoice", "M-IMG", ["甲", "乙", "丙", "丁"], {
        filename: "x.png",
        data: Buffer.from("这不是图片"),
      }),
      `</quiz>\n`,
    ].join("\n");
    expect(outcomes({ name: "q.xml", content: xml })).to.deep.equal([
      ["M-MATCH", "skipped", "unsupported_type"],
      ["M-DESC", "skipped", "not_a_question"],
      ["M-THREE", "skipped", "unsupported_option_count"],
      ["M-NOKEY", "invalid", "invalid_item"],
      ["M-OK", "ok", undefined],
      ["M-IMG", "invalid", "image_refused"],
    ]);
  });

  it("when a CSV row has the wrong number of columns, breaks the contract or repeats a ref, then each row carries its code", () => {
    const csv = [
      "ref,type,stem,A,B,C,D,answer",
      "C-OK,single,出车前应当检查什么,轮胎,座椅颜色,车身广告,音响,A",
      "C-SHORT,single,出车前应当检查什么",
      "C-KEY,single,出车前应当检查哪里,轮胎,座椅颜色,车身广告,音响,E",
      "C-OK,single,出车前还应当检查什么,灯光,座椅颜色,车身广告,音响,A",
    ].join("\n");
    expect(outcomes({ name: "q.csv", content: csv })).to.deep.equal([
      ["C-OK", "ok", undefined],
      ["第 3 行", "invalid", "malformed_item"],
      ["C-KEY", "invalid", "invalid_item"],
      ["C-OK", "invalid", "repeated_ref"],
    ]);
  });

  it("when a roadcert JSON question breaks the contract, then it carries invalid_item and the valid one no code", () => {
    const content = JSON.stringify({
      format: "roadcert-questions/1",
      title: "编码",
      questions: [aQuestionInput({ ref: "J-OK" }), aQuestionInput({ ref: "J-BAD", answer: ["E" as "A"] })],
    });
    expect(outcomes({ name: "q.json", content })).to.deep.equal([
      ["J-OK", "ok", undefined],
      ["J-BAD", "invalid", "invalid_item"],
    ]);
  });

  it("when the import's codes are listed, then each is described once, in Chinese, and the contract accepts exactly those", () => {
    const codes = Object.keys(IMPORT_ITEM_CODES);
    expect(codes).to.deep.equal(ImportItemCode.options);
    for (const [code, text] of Object.entries(IMPORT_ITEM_CODES))
      expect(text, code).to.match(/[\u4e00-\u9fff]/u);
  });

  it("when the import's writer or a blueprint's check throws an AppError, then the report documents its code (or the file would say only import_failed)", () => {
    const root = new URL("../../../", import.meta.url);
    const source = (file: string) => readFileSync(new URL(file, root), "utf8");
    const bankFills = source("server/question-bank/blueprints.ts");
    const inUse = source("server/question-bank/bank-in-use.ts");
    const regions = [
      source("server/question-bank/import-writer.ts"),
      // The writer's question_ref_renamed, which a dry run throws as the import does.
      source("server/question-bank/import-dry-run.ts"),
      source("server/question-bank/ref-claims.ts"),
      bankFills.slice(
        bankFills.indexOf("export function assertBankFills("),
        bankFills.indexOf("export function createBlueprints("),
      ),
      // The writer reports an item refused by the blueprints-in-use check with its code.
      inUse.slice(inUse.indexOf("export function bankInUse(")),
    ];
    const thrown = new Set<string>();
    for (const text of regions) {
      for (const m of text.matchAll(/errors\.(?:badRequest|conflict|unprocessable)\(\s*"([a-z0-9_]+)"/g))
        thrown.add(m[1]!);
      for (const m of text.matchAll(/new AppError\(\s*"([a-z0-9_]+)"/g)) thrown.add(m[1]!);
    }
    // (bank_insufficient, bank_in_use, question_changed_during_import, question_ref_renamed, ref_taken today.)
    expect(thrown.size).to.be.at.least(5);
    const listed = new Set<string>(ImportItemCode.options);
    expect([...thrown].filter((c) => !listed.has(c))).to.deep.equal([]);
  });
});
