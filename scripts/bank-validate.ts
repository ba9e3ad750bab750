/**
 * `npm run bank:validate [-- --dir=DIR] [--write-schema]`: checks every file in question-bank/ (or DIR) against the
 * roadcert contract and the blueprints, prints per category the question counts per type × chapter
 * and whether each default blueprint assembles, and checks that question-bank/schema/ matches the
 * contract. Exits non-zero on any problem. `--write-schema` regenerates the JSON Schemas first.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { readCommandLineOrExit } from "./command-line.js";
import {
  checkBankFiles,
  readSampleBankFiles,
  roadcertJsonSchemas,
  schemaFileText,
} from "../server/question-bank/index.js";

const TYPE_LABEL: Record<string, string> = { true_false: "判断", single: "单选", multiple: "多选" };

async function main(): Promise<number> {
  // Read strictly: a misspelt option (`--dirr=…`, `--write-schemas`) used to be skipped without a
  // word, and the run checked the default folder or left the schemas as they were.
  const { values } = readCommandLineOrExit(
    "用法：npm run bank:validate [-- --dir=题库目录] [--write-schema]",
    () =>
      parseArgs({
        options: { dir: { type: "string" }, "write-schema": { type: "boolean", default: false } },
      }),
  );
  const root = path.resolve(values.dir ?? "question-bank");
  const schemaDir = path.join(root, "schema");
  const problems: string[] = [];

  const schemas = roadcertJsonSchemas();
  if (values["write-schema"]) {
    await mkdir(schemaDir, { recursive: true });
    for (const [name, schema] of Object.entries(schemas))
      await writeFile(path.join(schemaDir, name), schemaFileText(schema));
    console.log(`已生成 JSON Schema：${Object.keys(schemas).join("、")}`);
  }
  for (const [name, schema] of Object.entries(schemas)) {
    const committed = await readFile(path.join(schemaDir, name), "utf8").catch(() => null);
    if (committed !== schemaFileText(schema))
      problems.push(`schema/${name} 与合约不一致或缺失：运行 npm run bank:validate -- --write-schema`);
  }

  const files = await readSampleBankFiles(root);
  if (!files.length) problems.push(`${root} 中没有题库文件`);
  const check = checkBankFiles(files);
  problems.push(...check.problems);

  console.log(`题库目录：${path.relative(process.cwd(), root) || "."}（${files.length} 个文件）\n`);
  for (const c of check.categories) {
    console.log(`■ ${c.categoryCode} ${c.name}：共 ${c.total} 题（按已发布计）`);
    const chapters = [...new Set(c.counts.map((r) => r.chapter))];
    console.log(`    ${"章节".padEnd(10, "　")}  判断  单选  多选`);
    for (const ch of chapters) {
      const n = (t: string) =>
        String(c.counts.find((r) => r.chapter === ch && r.type === t)?.count ?? 0).padStart(4);
      console.log(`    ${ch.padEnd(10, "　")}  ${n("true_false")}  ${n("single")}  ${n("multiple")}`);
    }
    if (!c.blueprints.length) console.log("    组卷方案：无");
    for (const b of c.blueprints) {
      const verdict = b.assembled
        ? "可以组卷"
        : `不能组卷（${b.shortfalls.map((s) => `${s.chapter}/${TYPE_LABEL[s.type]} 缺 ${s.needed - s.available}`).join("，") || "见下方问题"}）`;
      console.log(`    组卷方案 ${b.file}「${b.title}」${b.questions} 题：${verdict}`);
    }
    console.log("");
  }
  if (problems.length) {
    console.error(`发现 ${problems.length} 个问题：`);
    for (const p of problems) console.error(`  ✗ ${p}`);
    return 1;
  }
  console.log("✓ 题库校验通过");
  return 0;
}

process.exitCode = await main();
