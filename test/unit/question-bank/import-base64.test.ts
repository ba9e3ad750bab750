import { expect } from "chai";
import { parseImportFile } from "../../../server/question-bank/index.js";

// A 1x1 PNG as canonical base64, and the same with what Buffer.from(…, "base64") silently skips.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const DAMAGED = `${PNG.slice(0, 20)}*${PNG.slice(20)}`;
const defaults = { categories: ["01001" as const], chapter: "安全行车" };

const gift = (ref: string, base64: string) =>
  `::${ref}::[html]图中标志<img src="data:image/png;base64,${base64}">表示前方施工。{T}\n`;
const moodle = (ref: string, base64: string) => `
  <question type="truefalse">
    <name><text>${ref}</text></name>
    <questiontext format="html"><text><![CDATA[<p>图中标志表示前方施工 <img src="@@PLUGINFILE@@/${ref}.png"> 应减速。</p>]]></text>
      <file name="${ref}.png" path="/" encoding="base64">${base64}</file></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>`;

describe("question import: images carried as base64 inside the file (the shared strict decoder)", () => {
  it("when a GIFT stem's data: URI is not canonical base64, then that question is refused saying so and a clean one keeps its image", () => {
    const { items } = parseImportFile({ name: "x.gift", content: gift("B-OK", PNG) + "\n" + gift("B-BAD", DAMAGED) }, defaults);
    expect(items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["B-OK", "ok"],
      ["B-BAD", "invalid"],
    ]);
    expect(items[0]?.image?.data.equals(Buffer.from(PNG, "base64"))).to.equal(true);
    expect(items[1]?.notes.join()).to.contain("不是标准 base64 编码");
  });

  it("when a Moodle XML <file> is not canonical base64, then that question is refused naming the file; line-wrapped base64 still imports", () => {
    const wrapped = PNG.replace(/(.{40})/g, "$1\n        ");
    const content = `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>${moodle("X-OK", wrapped)}${moodle("X-BAD", DAMAGED)}\n</quiz>\n`;
    const { items } = parseImportFile({ name: "x.xml", content }, defaults);
    expect(items.map((i) => [i.ref, i.outcome])).to.deep.equal([
      ["X-OK", "ok"],
      ["X-BAD", "invalid"],
    ]);
    expect(items[0]?.image?.data.equals(Buffer.from(PNG, "base64"))).to.equal(true);
    expect(items[1]?.notes.join()).to.contain("X-BAD.png").and.to.contain("不是标准 base64 编码");
  });
});
