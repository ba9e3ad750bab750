import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { z } from "zod";

/**
 * JSON-schema paths of arrays without maxItems and free strings without maxLength. A nullable
 * string is `type: ["string", "null"]`, so the type is read as a list.
 */
function unbounded(schema: unknown, at: string, out: string[]): void {
  if (!schema || typeof schema !== "object") return;
  const s = schema as Record<string, unknown>;
  const types: unknown[] = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes("array") && s.maxItems === undefined && !Array.isArray(s.prefixItems)) out.push(`${at} (array)`);
  const fixed = s.enum !== undefined || s.const !== undefined || s.pattern !== undefined || s.format !== undefined;
  if (types.includes("string") && s.maxLength === undefined && !fixed) out.push(`${at} (string)`);
  // A record (a map of free keys) must publish how many entries it takes, unless its keys are an enum.
  const isRecord = typeof s.additionalProperties === "object" || s.propertyNames !== undefined;
  const keys = (s.propertyNames ?? {}) as Record<string, unknown>;
  const keysFixed = keys.enum !== undefined || keys.const !== undefined;
  if (types.includes("object") && isRecord && !keysFixed && s.maxProperties === undefined) out.push(`${at} (record)`);
  for (const [k, v] of Object.entries(s)) unbounded(v, `${at}.${k}`, out);
}

describe("every contract bounds its arrays and strings", () => {
  it("when every exported zod schema in server/contracts is walked (inputs, DTOs and the hub's interface alike), then none has an unbounded array or string", async () => {
    const dir = path.resolve("server/contracts");
    const problems: string[] = [];
    let checked = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (!(value instanceof z.ZodType)) continue;
        checked++;
        unbounded(z.toJSONSchema(value, { unrepresentable: "any", io: "input" }), `${file}:${name}`, problems);
      }
    }
    expect(checked).to.be.greaterThan(40);
    expect(problems).to.deep.equal([]);
  });

  it("when a schema has a nullable string or array without a maximum, then the walk names it", () => {
    const problems: string[] = [];
    const loose = z.object({
      note: z.string().nullable(),
      list: z.array(z.string().max(5)).nullable(),
      map: z.record(z.string().max(5), z.number()),
    });
    unbounded(z.toJSONSchema(loose, { io: "input" }), "loose", problems);
    expect(problems).to.deep.equal([
      "loose.properties.note (string)",
      "loose.properties.list.anyOf.0 (array)",
      "loose.properties.map (record)",
    ]);
  });

  it("when a blueprint approves 10,000 accommodations, then the contract refuses it", async () => {
    const { BlueprintInput } = await import("../../../server/contracts/question-bank.js");
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`a${i}`, 10]));
    const shape = BlueprintInput.safeParse({ accommodations: many });
    expect(shape.success).to.equal(false);
    expect(shape.error?.issues.some((i) => i.path.join(".") === "accommodations")).to.equal(true);
  });

  it("when a blueprint's points or pass mark have more than two decimals, then the contract refuses them; two decimals pass", async () => {
    const { BlueprintInput } = await import("../../../server/contracts/question-bank.js");
    const blueprint = (points: number, passMark: number) => ({
      categoryCode: "01001",
      title: "分值测试",
      minutes: 60,
      passMark,
      points: { true_false: points, single: points, multiple: points },
      cells: [{ type: "single", chapter: "安全行车", count: 100 }],
    });
    const refused = BlueprintInput.safeParse(blueprint(0.333, 30));
    expect(refused.error?.issues.map((i) => [i.path.join("."), i.message])).to.deep.include([
      "points.single",
      "分值最多保留两位小数",
    ]);
    const passMark = BlueprintInput.safeParse(blueprint(0.5, 30.125));
    expect(passMark.error?.issues.map((i) => i.path.join("."))).to.deep.equal(["passMark"]);
    expect(BlueprintInput.safeParse(blueprint(0.25, 20.5)).success).to.equal(true);
  });

  it("when a question update carries 100,000 categories, then the contract refuses it", async () => {
    const { QuestionInput } = await import("../../../server/contracts/question-bank.js");
    const result = QuestionInput.safeParse({
      ref: "BIG-1",
      type: "single",
      stem: "题干足够长吗？",
      options: [
        { key: "A", text: "是" },
        { key: "B", text: "否" },
      ],
      answer: ["A"],
      chapter: "安全行车",
      categories: Array.from({ length: 100_000 }, () => "01001"),
    });
    expect(result.success).to.equal(false);
  });
});
