/**
 * `npm run bench:import [-- --sizes 10000,100000 --formats gift,csv --import-budget-s 120 --line-file FILE]`:
 * for each format and size, generates that many questions, writes the file in that format, then in
 * a fresh child process parses it (parseMs: decoding and reading every item) and imports it into an
 * empty database (importMs: checking, comparing and writing in batches). Prints one JSON line per
 * run `{format, questions, parseMs, importMs, peakRssMB, …}` and appends it to BENCHMARKS.md (to
 * `--line-file` instead when given) with the machine's load average, since this machine is shared.
 *
 * Each measurement runs in its own process so peakRssMB is that run's own peak (generation happens
 * in yet another process and is not counted). With the MongoDB stand-in (no MONGODB_URI) an import
 * may stop at `--import-budget-s`; the line then says how many questions were written in that time
 * (`imported`) and importMs is null: a re-run of the same file would complete it.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { benchChildren } from "./child-set.js";
import { z } from "zod";
import { appendLine, benchCommandLine, count } from "./bench/bench-args.js";
import type { QuestionInput } from "../server/contracts/question-bank.js";

const execFileAsync = promisify(execFile);
const FORMATS = ["gift", "csv", "moodle_xml", "xlsx", "roadcert"] as const;
type Format = (typeof FORMATS)[number];
const EXT: Record<Format, string> = {
  gift: "gift",
  csv: "csv",
  moodle_xml: "xml",
  xlsx: "xlsx",
  roadcert: "json",
};

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Deterministic questions of all three types with CJK text, as a province's bank holds them. */
function generate(n: number): QuestionInput[] {
  const types = ["single", "multiple", "true_false"] as const;
  return Array.from({ length: n }, (_, i) => {
    const type = types[i % 3] ?? "single";
    return {
      ref: `BENCH-${i}`,
      type,
      stem: `第 ${i} 题：连续驾驶 4 小时后，驾驶员至少应停车休息多少分钟？（出车前须检查“四漏”）`,
      options:
        type === "true_false"
          ? []
          : (["A", "B", "C", "D"] as const).map((key, k) => ({
              key,
              text: `选项 ${key}：${k * 10 + 5} 分钟`,
            })),
      answer: type === "true_false" ? ["T"] : type === "single" ? ["B"] : ["A", "C"],
      explanation: i % 2 ? "连续驾驶 4 小时须停车休息不少于 20 分钟。" : "",
      chapter: ["安全行车", "应急处置和紧急救护", "货运知识"][i % 3] ?? "安全行车",
      categories: ["01001", "02001"],
      difficulty: (i % 5) + 1,
      tags: i % 4 ? [] : ["疲劳驾驶"],
      source: "",
    };
  });
}

async function writeFileFor(format: Format, n: number, file: string): Promise<void> {
  const { toCsv } = await import("../server/question-bank/csv.parser.js");
  const { toGift, toMoodleXml, toXlsx } = await import("../server/question-bank/question-export.js");
  const qs = generate(n);
  const content =
    format === "gift"
      ? toGift(qs)
      : format === "csv"
        ? toCsv(qs)
        : format === "moodle_xml"
          ? toMoodleXml(qs)
          : format === "xlsx"
            ? await toXlsx(qs)
            : JSON.stringify({ format: "roadcert-questions/1", title: "bench", questions: qs });
  await writeFile(file, content);
}

/** The measuring child: parse, then import into `uri`, then report its own peak memory. */
async function measure(format: Format, n: number, file: string, uri: string, budgetS: number): Promise<void> {
  const { openImportFile, importQuestionBankFiles } = await import("../server/question-bank/index.js");
  const { connectMongo } = await import("../server/lib/mongo.js");
  const { createLogger } = await import("../server/lib/logger.js");
  const content = await readFile(file);
  const defaults = { categories: ["01001" as const] };
  let t = performance.now();
  const opened = openImportFile({ name: path.basename(file), content }, defaults);
  let ok = 0;
  for await (const item of opened.items()) if (item.outcome === "ok") ok++;
  const parseMs = Math.round(performance.now() - t);
  if (ok !== n) throw new Error(`parsed ${ok} of ${n} questions`);
  const conn = await connectMongo(uri, { dbName: `bench_import_${format}_${n}_${Date.now()}` });
  const logger = createLogger({ level: "silent", name: "bench-import" });
  let written = 0;
  let stopped = false;
  t = performance.now();
  const deadline = t + budgetS * 1000;
  const [report] = await importQuestionBankFiles({ conn, logger }, [{ name: path.basename(file), content }], {
    defaults,
    onProgress: (p) => {
      if (p.phase !== "writing") return;
      written = p.done;
      if (performance.now() > deadline && p.done < p.total) {
        stopped = true;
        throw new Error("import budget used up");
      }
    },
  });
  const importMs = stopped ? null : Math.round(performance.now() - t);
  if (!stopped && report?.counts.created !== n) throw new Error(`imported ${report?.counts.created} of ${n}`);
  await conn.dropDatabase().catch(() => undefined);
  await conn.close();
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ parseMs, importMs, imported: stopped ? written : n, peakRssMB }));
}

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, "..");
  if (process.argv.includes("--generate")) {
    await writeFileFor(option("format") as Format, Number(option("n")), option("file") ?? "");
    return;
  }
  if (process.argv.includes("--measure")) {
    await measure(
      option("format") as Format,
      Number(option("n")),
      option("file") ?? "",
      option("uri") ?? "",
      Number(option("budget") ?? 1e9),
    );
    return;
  }
  const { values, lineFile } = benchCommandLine(
    "bench:import",
    {
      sizes: { type: "string", default: "10000,100000" },
      formats: { type: "string", default: FORMATS.join(",") },
      "import-budget-s": { type: "string" },
    },
    z.object({
      sizes: z.string().transform((text, ctx) => {
        const sizes = text.split(",").map((n) => count(1).safeParse(n).data);
        if (sizes.every((n) => n !== undefined)) return sizes as number[];
        ctx.issues.push({ code: "custom", input: text, message: "expected whole numbers of at least 1" });
        return z.NEVER;
      }),
      formats: z
        .string()
        .transform((t) => t.split(","))
        .check((ctx) => {
          const unknown = ctx.value.filter((f) => !(FORMATS as readonly string[]).includes(f));
          if (unknown.length > 0)
            ctx.issues.push({
              code: "custom",
              input: ctx.value,
              message: `unknown ${unknown.join(", ")} (known: ${FORMATS.join(", ")})`,
            });
        })
        .transform((list) => list as Format[]),
      "import-budget-s": count(1).optional(),
    }),
  );
  const { sizes, formats } = values;
  const { loadConfig } = await import("../server/config.js");
  const { resolveDatabase } = await import("@roadcert/mongo-standin");
  const external = (() => {
    try {
      return loadConfig().mongo.uri ?? null;
    } catch {
      return process.env.MONGODB_URI ?? null;
    }
  })();
  // Each generate and measure step runs as a child (tsx and the node under it): it stops with
  // this process, however it ends, rather than running on against a database gone.
  const children = benchChildren("bench:import");
  const run = (file: string, args: string[], options: { maxBuffer: number }) => {
    const running = execFileAsync(file, args, options);
    children.track(running.child, { scope: "tree" });
    return running;
  };
  const db = await resolveDatabase(external);
  const budgetS = values["import-budget-s"] ?? (db.kind === "standin" ? 180 : 1e9);
  const dir = path.join(tmpdir(), "roadcert-bench-import");
  await mkdir(dir, { recursive: true });
  const tsx = path.join(root, "node_modules/.bin/tsx");
  const self = fileURLToPath(import.meta.url);
  try {
    for (const n of sizes) {
      for (const format of formats) {
        const file = path.join(dir, `${format}-${n}.${EXT[format]}`);
        await run(tsx, [self, "--generate", `--format=${format}`, `--n=${n}`, `--file=${file}`], {
          maxBuffer: 1 << 20,
        });
        const load1 = loadavg()[0] ?? 0;
        const { stdout } = await run(
          tsx,
          [
            self,
            "--measure",
            `--format=${format}`,
            `--n=${n}`,
            `--file=${file}`,
            `--uri=${db.uri}`,
            `--budget=${budgetS}`,
          ],
          { maxBuffer: 1 << 20 },
        );
        const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
        const line = JSON.stringify({
          bench: "import",
          format,
          questions: n,
          ...result,
          database: db.kind,
          ...(result.importMs === null ? { importBudgetS: budgetS } : {}),
          loadAvg1m: Math.round(Math.max(load1, loadavg()[0] ?? 0) * 10) / 10,
          cpus: (await import("node:os")).cpus().length,
          at: new Date().toISOString(),
        });
        console.log(line);
        await appendLine(lineFile, line);
      }
    }
  } finally {
    await db.stop();
  }
}

await main();
