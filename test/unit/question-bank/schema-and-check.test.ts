import { readFileSync } from "node:fs";
import { expect } from "chai";
import { checkBankFiles, roadcertJsonSchemas, schemaFileText } from "../../../server/question-bank/index.js";

const tf = (ref: string, chapter = "安全行车") => ({
  ref,
  type: "true_false",
  stem: `判断题 ${ref}。`,
  answer: ["T"],
  chapter,
  categories: ["01001"],
});
const questionFile = (questions: unknown[]) =>
  JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });
const blueprintFile = (count: number) =>
  JSON.stringify({
    format: "roadcert-blueprint/1",
    blueprint: {
      categoryCode: "01001",
      title: "方案",
      minutes: 60,
      passMark: 2,
      points: { true_false: 1, single: 1, multiple: 1 },
      cells: [{ type: "true_false", chapter: "安全行车", count }],
    },
  });

describe("question bank: JSON Schema and bank check", () => {
  it("when the committed JSON Schemas are compared with the zod contract, then they are identical (regenerate with bank:validate -- --write-schema)", () => {
    for (const [name, schema] of Object.entries(roadcertJsonSchemas())) {
      const committed = readFileSync(
        new URL(`../../../question-bank/schema/${name}`, import.meta.url),
        "utf8",
      );
      expect(committed, name).to.equal(schemaFileText(schema));
    }
  });

  it("when the schema describes a question, then the types, option keys and answer keys are enumerated", () => {
    const schema = roadcertJsonSchemas()["roadcert-questions.schema.json"] as {
      properties: {
        questions: { items: { properties: Record<string, { enum?: string[] }>; required: string[] } };
      };
    };
    const item = schema.properties.questions.items;
    expect(item.properties.type?.enum).to.deep.equal(["true_false", "single", "multiple"]);
    expect(item.required).to.include.members(["ref", "type", "stem", "answer", "chapter", "categories"]);
  });

  it("when the files are consistent and the blueprint can be met, then no problem is reported and counts are per type × chapter", () => {
    const check = checkBankFiles([
      { name: "q.json", content: questionFile([tf("A-1"), tf("A-2"), tf("A-3")]) },
      { name: "blueprints/01001.json", content: blueprintFile(3) },
    ]);
    expect(check.problems).to.deep.equal([]);
    expect(check.categories[0]).to.deep.include({
      categoryCode: "01001",
      total: 3,
      counts: [{ type: "true_false", chapter: "安全行车", count: 3 }],
    });
    expect(check.categories[0]?.blueprints[0]).to.deep.include({ feasible: true, assembled: true });
  });

  it("when refs repeat across files or the blueprint asks for more than the bank has, then each is a problem", () => {
    const check = checkBankFiles([
      { name: "a.json", content: questionFile([tf("A-1"), tf("A-2")]) },
      { name: "b.json", content: questionFile([tf("A-1")]) },
      { name: "blueprints/01001.json", content: blueprintFile(5) },
    ]);
    expect(check.problems.some((p) => p.includes("A-1") && p.includes("a.json"))).to.equal(true);
    expect(check.problems.some((p) => p.includes("需 5 题") && p.includes("仅有 2 题"))).to.equal(true);
  });

  it("when a category has questions but no blueprint, or an item breaks the contract, then both are problems", () => {
    const check = checkBankFiles([
      { name: "a.json", content: questionFile([tf("A-1"), { ...tf("A-2"), answer: ["A"] }]) },
    ]);
    expect(check.problems.some((p) => p.includes("没有组卷方案"))).to.equal(true);
    expect(check.problems.some((p) => p.includes("questions[1]") && p.includes("T 或 F"))).to.equal(true);
  });
});
