/**
 * `npm run bank:import -- <file>… [options]`: imports question/blueprint files into a node's database.
 *
 *   --uri=mongodb://…     the node's database (default: MONGODB_URI from the node configuration)
 *   --db=name             database name (default: the one in the URI)
 *   --dry-run             report what would change; write nothing
 *   --partial             import the valid items of a file even when some are invalid
 *   --draft               import as drafts for review instead of published
 *   --categories=01001,02001  --chapter=安全行车  --difficulty=3
 *                         defaults for formats without them (Moodle XML, GIFT, CSV)
 * (`--name value` works as well as `--name=value`; an unknown or malformed option is refused, exit 2.)
 *
 * Formats: roadcert JSON (.json), CSV (.csv), Moodle XML (.xml), GIFT (.gift/.txt), Excel (.xlsx).
 * Prints progress on stderr and a report per file and item; a file that cannot be read or imported
 * is reported and the others still run; exits 1 when any file was rejected.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { readCommandLineOrExit } from "./command-line.js";
import { createAuditService } from "../server/audit/index.js";
import { loadConfig } from "../server/config.js";
import { createLogger } from "../server/lib/logger.js";
import { connectMongo, redactUri } from "../server/lib/mongo.js";
import {
  backfillContentHashes,
  detectFormat,
  importQuestionBankFiles,
  importStop,
  stopSummary,
  type ImportFile,
  type ImportProgress,
} from "../server/question-bank/index.js";
import { ImportDefaultsBody, type ImportReport } from "../server/contracts/question-import.js";
import { createPinnedBlueprints } from "../server/scheduling/index.js";
import { wholeNumber } from "../server/contracts/validation.js";

const OUTCOME: Record<string, string> = {
  created: "新增",
  updated: "更新",
  unchanged: "未变",
  skipped: "跳过",
  invalid: "无效",
};

const USAGE =
  "用法：npm run bank:import -- <文件>… [--uri=mongodb://…] [--db=名称] [--dry-run] [--partial] [--draft] [--categories=01001,02001] [--chapter=章节] [--difficulty=1-5]";

/**
 * The command line, checked before anything is read or written: an option that is misspelt
 * (`--dryrun`) or unknown was taken for nothing, so a dry run asked for became a real import, and
 * `--difficulty=abc` or a bad category code reached the importer (NaN) or ended in a stack trace.
 * Both `--name=value` and `--name value` are read, as the other commands read them.
 */
function readCommandLine(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      uri: { type: "string" },
      db: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      partial: { type: "boolean", default: false },
      draft: { type: "boolean", default: false },
      categories: { type: "string" },
      chapter: { type: "string" },
      difficulty: { type: "string" },
    },
  });
  // Decimal digits only: Number() read `--difficulty=0x3` as 3.
  const difficulty = wholeNumber(1, 5, "须为 1–5 的整数").optional().safeParse(values.difficulty);
  const defaults = ImportDefaultsBody.safeParse({
    categories: values.categories?.split(",").map((c) => c.trim()),
    chapter: values.chapter,
    difficulty: difficulty.data,
  });
  const bad = [
    ...(difficulty.error?.issues.map((i) => `--difficulty：${i.message}`) ?? []),
    ...(defaults.error?.issues.map((i) => `--${String(i.path[0])}：${i.message}`) ?? []),
  ];
  if (bad.length || !defaults.success) throw new Error(bad.join("；"));
  return { paths: positionals, values, defaults: defaults.data };
}

async function main(): Promise<number> {
  const { paths, values, defaults } = readCommandLineOrExit(USAGE, () =>
    readCommandLine(process.argv.slice(2)),
  );
  if (!paths.length) {
    console.error(USAGE);
    return 2;
  }
  let uri = values.uri;
  if (!uri) {
    try {
      uri = loadConfig().mongo.uri ?? undefined;
    } catch {
      uri = undefined;
    }
  }
  if (!uri) {
    console.error("请用 --uri=mongodb://… 指定节点数据库（或设置 MONGODB_URI）");
    return 2;
  }
  // A file that cannot be read is reported like any refused file; the others still import.
  const unreadable: ImportReport[] = [];
  const files: ImportFile[] = [];
  for (const p of paths) {
    try {
      files.push({ name: path.basename(p), content: await readFile(p) });
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "文件不存在" : "无法读取文件";
      unreadable.push({
        file: path.basename(p),
        // From the name alone (a missing .csv was reported as roadcert JSON).
        format: detectFormat(path.basename(p), Buffer.alloc(0)),
        dryRun: values["dry-run"],
        rejected: true,
        counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, invalid: 1 },
        items: [{ location: "文件", outcome: "invalid", code: "file_unreadable", notes: [`${why}：${p}`] }],
        blueprints: [],
      });
    }
  }
  const onProgress = (p: ImportProgress) => {
    const what = p.phase === "checking" ? "检查" : "写入";
    process.stderr.write(`  ${p.file}：${what} ${p.done}${p.total ? ` / ${p.total}` : ""}\n`);
  };
  const logger = createLogger({ level: "warn", name: "bank-import" });
  const conn = await connectMongo(uri, { dbName: values.db });
  try {
    // The node's own audit log: each written batch (and the blueprints) commits with its
    // question_bank.imported entry, as an import through the node's page does. Published questions
    // and blueprints written here are what candidates are examined on; without the log they would
    // leave no trace but a log line below the CLI's log level.
    const audit = createAuditService(conn);
    // As the node does at its start: versions written before content hashes existed get theirs,
    // so a new ref repeating one of them is refused question_exists (a dry run too; the hash is
    // derived from content already stored and changes nothing a reader sees).
    await backfillContentHashes(conn);
    const imported = await importQuestionBankFiles({ conn, logger }, files, {
      audit,
      onProgress,
      dryRun: values["dry-run"],
      partial: values.partial,
      publish: !values.draft,
      defaults,
      // As through the node's page: a question a session's pinned blueprint needs is not replaced
      // by a version that leaves its cell short (bank_in_use).
      pinnedBlueprints: createPinnedBlueprints(conn),
    });
    const reports = [...unreadable, ...imported];
    console.log(`数据库：${redactUri(uri)}${values.db ? ` / ${values.db}` : ""}`);
    for (const r of reports) {
      const c = r.counts;
      // A stopped import wrote its earlier batches: it says how many and where it stopped, never
      // "nothing imported" while they are in the bank.
      const stop = importStop(r);
      const head = r.dryRun
        ? "（试运行，未写入）"
        : stop && !r.rejected
          ? "⚠ 部分导入"
          : r.rejected
            ? stop
              ? "✗ 导入中断，未写入"
              : "✗ 整个文件未导入"
            : "✓ 已导入";
      console.log(
        `\n${r.file}（${r.format}）${head}：新增 ${c.created}，更新 ${c.updated}，未变 ${c.unchanged}，跳过 ${c.skipped}，无效 ${c.invalid}`,
      );
      if (stop) console.log(`  ${stopSummary(r, stop)}`);
      for (const b of r.blueprints)
        console.log(`  组卷方案 ${b.categoryCode} 第 ${b.version} 版：${OUTCOME[b.outcome] ?? b.outcome}`);
      for (const item of r.items) {
        if (item.outcome === "unchanged" || (item.outcome === "created" && !item.notes.length)) continue;
        console.log(
          `  ${OUTCOME[item.outcome] ?? item.outcome} ${item.location}${item.notes.length ? `：${item.notes.join("；")}` : ""}`,
        );
      }
    }
    return reports.some((r) => r.rejected || importStop(r)) ? 1 : 0;
  } finally {
    await conn.close();
  }
}

process.exitCode = await main().catch((err: unknown) => {
  // Database unreachable, bad URI…: one line for the operator, not a stack trace.
  console.error(`导入未能运行：${err instanceof Error ? err.message : String(err)}`);
  return 2;
});
