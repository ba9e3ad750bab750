import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ImportFormat, type ImportReport } from "../contracts/question-import.js";
import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { openImportFile, type ImportFile } from "./import-readers.js";
import { createBatchWriter } from "./import-writer.js";
import type { ImportDefaults, ParsedItem } from "./parsed-item.js";
import { FileRefusal } from "./parsed-item.js";
import { createBankCore } from "./bank-core.js";
import { createBankInUse, type BankInUse } from "./bank-in-use.js";
import { createImportBankCheck, type ImportBankCheck } from "./import-in-use.js";
import { markStopped, stopMessage } from "./import-stop.js";
import { createRunAnswers, type RunAnswers } from "./import-run-answers.js";
import { SYSTEM_ACTOR, type Actor, type AuditPort, type PinnedBlueprintsPort } from "./ports.js";

export { detectFormat, parseImportFile, parseImportFileAsync, type ImportFile } from "./import-readers.js";

/** Progress of one import, reported per batch (the CLI prints it, the UI shows it). */
export interface ImportProgress {
  file: string;
  /** checking: reading and validating the whole file; writing: comparing with the bank and storing. */
  phase: "checking" | "writing";
  done: number;
  /** Items in the file (known once checking is over; 0 while checking). */
  total: number;
}

export interface ImportOptions {
  /** Report what would change; write nothing. */
  dryRun?: boolean;
  /** Import the valid items of a file even when some are invalid (default: all-or-nothing per file). */
  partial?: boolean;
  /**
   * Imported questions and blueprints become published (seeding, the import CLI: the system actor
   * only; a person's import with it is refused publish_not_allowed); otherwise drafts for review.
   */
  publish?: boolean;
  /** Categories/chapter for formats that carry none (Moodle XML, GIFT, CSV without those columns). */
  defaults?: ImportDefaults;
  actor?: Actor;
  /** Each written batch (and the blueprints) commits with its `question_bank.imported` entry. */
  audit?: AuditPort;
  onProgress?: (p: ImportProgress) => void;
  /** Questions written per transaction (default 500: each batch commits in well under a second). */
  batchSize?: number;
  /** Largest file accepted, in bytes (default IMPORT_MAX_BYTES). */
  maxBytes?: number;
  /**
   * The node's blueprints-in-use check (with the sessions' pinned versions): a published import
   * replacing a version a blueprint in use needs is refused per item `bank_in_use` (a dry run
   * reports the items it would refuse). Absent (a script's own database), the import builds one
   * from `pinnedBlueprints`, or one that knows only the current blueprints.
   */
  bankInUse?: BankInUse;
  /** The sessions' pinned blueprint versions, for an import run outside the node (scripts/bank-import.ts). */
  pinnedBlueprints?: PinnedBlueprintsPort;
}

/**
 * Imports question and blueprint files, each file on its own: a file that cannot be read is refused
 * with its reason and the others still import. Per file all-or-nothing (unless `partial`): the whole
 * file is read and checked first, and an invalid item rejects it before anything is written. Then it
 * is read again and written in batches, each batch one transaction (far below MongoDB's 60 s limit).
 * A batch refused or failing after others committed stops the file there: the report keeps what
 * the earlier batches wrote and says where and why it stopped (import-stop.ts), not "nothing".
 * Items match existing questions by `ref`: unchanged content (and image) is left alone, changed
 * content becomes a new version; a question's categories only grow (import-match.ts). So a re-run after an interrupted import finds the written batches
 * unchanged and completes the rest, without duplicates.
 */
export async function importQuestionBankFiles(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  files: ImportFile[],
  options: ImportOptions = {},
): Promise<ImportReport[]> {
  // Four-eyes: a person's import never publishes (the route refuses it first; this holds for
  // every other caller). Only the system actor's imports (seeding, the CLI) publish.
  if (options.publish && options.actor && options.actor.id !== SYSTEM_ACTOR.id)
    throw errors.forbidden(
      "导入不能直接发布：请导入为草稿，由起草人以外的审核人审核通过后发布",
      "publish_not_allowed",
    );
  const reports: ImportReport[] = [];
  // One check for the whole run: a dry run's predictions carry over from file to file, as the
  // writes they stand for would. (The bank core reads only `conn` and `logger` of its context.)
  const inUse =
    options.bankInUse ??
    createBankInUse(
      createBankCore(ctx as FeatureContext, {
        audit: options.audit,
        pinnedBlueprints: options.pinnedBlueprints,
      }),
    );
  const bankCheck = createImportBankCheck(ctx, inUse);
  const answers = createRunAnswers();
  for (const file of files) {
    try {
      reports.push(await importOneFile(ctx, file, options, bankCheck, answers));
    } catch (err) {
      // A fault of ours or of the database: this file is reported, the next one still runs.
      ctx.logger.error({ err, file: file.name }, "question import failed");
      reports.push(failedReport(file, options, err));
    }
  }
  return reports;
}

function emptyReport(file: ImportFile, format: ImportFormat, options: ImportOptions): ImportReport {
  return {
    file: file.name,
    format,
    dryRun: options.dryRun ?? false,
    rejected: false,
    counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, invalid: 0 },
    items: [],
    blueprints: [],
  };
}

function failedReport(file: ImportFile, options: ImportOptions, err: unknown): ImportReport {
  const report = emptyReport(file, file.format ?? "roadcert", options);
  // The refusal's own code when the report documents it (bank_insufficient, ref_taken…); any other
  // fault is one code, its particulars in the note and the log. (A question batch that fails after
  // others committed is reported by importOneFile itself: markStopped.)
  const { code, message } = stopMessage(err);
  report.rejected = true;
  report.counts.invalid = 1;
  report.items = [{ location: "文件", outcome: "invalid", code, notes: [message] }];
  return report;
}

async function importOneFile(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  file: ImportFile,
  options: ImportOptions,
  bankCheck: ImportBankCheck,
  answers: RunAnswers,
): Promise<ImportReport> {
  const opened = openImportFile(file, options.defaults, options.maxBytes);
  const report = emptyReport(file, opened.format, options);
  const refuse = (errorsList: string[]) => {
    report.rejected = true;
    report.items = errorsList.map((e) => ({
      location: "文件",
      outcome: "invalid",
      code: "file_refused",
      notes: [e],
    }));
    report.counts.invalid = errorsList.length;
    return report;
  };
  if (opened.fileErrors.length) return refuse(opened.fileErrors);

  // Pass 1: read and check the whole file; keep only the per-item reports.
  const progress = (phase: ImportProgress["phase"], done: number, total: number) =>
    options.onProgress?.({ file: file.name, phase, done, total });
  let total = 0;
  const fileNotes = opened.notes;
  // Items that were fine: when the file is refused they say why they were not written.
  const fine: number[] = [];
  // An item a later one showed wrong (the same question with another answer): refused here too.
  const refuseEarlier = (i: number, why: string) => {
    const r = report.items[i];
    if (!r || r.outcome === "invalid") return;
    r.outcome = "invalid";
    r.code = "repeated_question";
    r.notes.push(why);
    report.counts.invalid++;
  };
  try {
    for await (const item of opened.items(refuseEarlier)) {
      total++;
      const clash = answers.clash(file, item);
      // (The reader hands out location, ref and notes as copies of their own: refuseRepeatedRefs.)
      report.items.push({
        location: item.location,
        ...(item.ref ? { ref: item.ref } : {}),
        outcome: item.outcome === "invalid" || clash ? "invalid" : "skipped",
        ...(clash ? { code: "repeated_ref" as const } : item.code ? { code: item.code } : {}),
        notes: clash ? [...item.notes, clash] : [...item.notes],
      });
      if (item.outcome === "invalid" || clash) report.counts.invalid++;
      else if (item.outcome === "ok") fine.push(total - 1);
      if (total % 5000 === 0) progress("checking", total, 0);
    }
  } catch (err) {
    if (err instanceof FileRefusal) return refuse([err.message]);
    throw err;
  }
  if (fileNotes.length && report.items[0]) report.items[0].notes.unshift(...fileNotes);
  progress("checking", total, total);
  if (report.counts.invalid > 0 && !options.partial) {
    // All or nothing: the valid items are reported as skipped, saying so (a bare 跳过 read as a
    // fault of the item), the invalid ones with their reasons.
    for (const i of fine) {
      const r = report.items[i];
      if (!r || r.outcome === "invalid") continue;
      r.code = "file_rejected";
      r.notes.push(NOT_WRITTEN);
    }
    report.rejected = true;
    recount(report);
    return report;
  }

  // Pass 2: read again and compare/write batch by batch. The next batch is read while the database
  // stores the one before (at most one batch in flight, so memory stays one batch deep): reading
  // is the importer's own CPU and writing mostly the database's, and on two cores they overlap.
  // Batches still commit one after another, in file order, each only after the one before.
  const writer = createBatchWriter(ctx, file, opened.format, options, bankCheck);
  const batchSize = options.batchSize ?? 500;
  let batch: { index: number; item: ParsedItem }[] = [];
  let index = 0;
  let writing = Promise.resolve();
  // The batch whose write failed: the ones before it are committed and stay so (import-stop.ts).
  const stopped: { batch: { from: number; to: number } | null; err?: unknown } = { batch: null };
  // Items before this one are in batches whose write committed (or found nothing to write).
  let committedTo = 0;
  const flush = async () => {
    const ready = batch;
    const done = index;
    batch = [];
    await writing;
    const span = { from: ready[0]?.index ?? done, to: (ready.at(-1)?.index ?? done - 1) + 1 };
    writing = writer.write(ready, report).then(
      () => {
        committedTo = done;
        progress("writing", done, total);
      },
      (err: unknown) => {
        stopped.batch = span;
        stopped.err = err;
        throw err;
      },
    );
    // Awaited before the next batch or at the end; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  try {
    for await (const item of opened.items()) {
      const r = report.items[index];
      // An item pass 1 refused after it was read (refuseEarlier) stays refused.
      if (item.outcome === "ok" && item.question && r && r.outcome !== "invalid") batch.push({ index, item });
      else if (r && r.outcome !== "invalid") r.outcome = item.outcome === "invalid" ? "invalid" : "skipped";
      index++;
      if (batch.length >= batchSize) await flush();
      // Reading is synchronous: let the batch in flight take its next step (its reply has arrived).
      else if (index % READ_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (batch.length || index === 0) await flush();
    await writing;
  } catch (err) {
    // Reading failed (the second pass met what the first did not) while a batch may be in flight:
    // it commits or fails first, so the report says what is in the bank, not what was hoped.
    await writing.catch(() => undefined);
    if (!stopped.batch) {
      // No batch committed: nothing written, the file's one refusal says why.
      if (!committedTo) throw err;
      // The committed batches stay written; every item after them is not, for this reason.
      stopped.batch = { from: committedTo, to: report.items.length };
      stopped.err = err;
    }
    const why = stopped.err ?? err;
    ctx.logger.error(
      { err: why, file: file.name, stoppedAt: stopped.batch },
      "question import stopped partway",
    );
    markStopped(report, stopped.batch, new Set(fine), why);
    recount(report);
    return report;
  }
  report.blueprints = await writer.blueprints(opened.blueprints);
  recount(report);
  return report;
}

/** The note of a valid item in a file refused for its invalid ones. */
const NOT_WRITTEN = "本题无误；文件中有无效题目，整个文件未导入（改正后重新导入，或选择只导入有效题目）";

/** Items read between two turns of the event loop while a batch is being written. */
const READ_SLICE = 50;

function recount(report: ImportReport): void {
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, invalid: 0 };
  for (const r of report.items) counts[r.outcome]++;
  report.counts = counts;
}

/**
 * Where the shipped sample banks live: the repository's question-bank/ whether run from the
 * repository root, from source (tsx) or from the compiled dist/ tree.
 */
export function sampleBankDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve("question-bank"),
    path.resolve(here, "../../question-bank"),
    path.resolve(here, "../../../question-bank"),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, "schema"))) ?? candidates[0] ?? "question-bank";
}

/**
 * The sample banks shipped in question-bank/: every roadcert JSON file in it and its sub-folders
 * (e.g. blueprints/), except schema/, in a stable order (questions before blueprints).
 */
export async function readSampleBankFiles(dir = sampleBankDir()): Promise<ImportFile[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && child !== "schema") await walk(child);
      else if (e.isFile() && e.name.endsWith(".json")) found.push(child);
    }
  }
  await walk("");
  found.sort((a, b) => Number(a.includes("/")) - Number(b.includes("/")) || a.localeCompare(b));
  return Promise.all(
    found.map(async (name) => ({
      name,
      content: await readFile(path.join(dir, name), "utf8"),
      format: "roadcert" as const,
    })),
  );
}

/**
 * Seeds a node with the sample banks as published questions and blueprints. Idempotent: a second
 * run finds every item unchanged and writes nothing. Throws when a sample file is invalid.
 */
export async function seedSampleBanks(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  options: { dir?: string; audit?: AuditPort } = {},
): Promise<ImportReport[]> {
  const files = await readSampleBankFiles(options.dir);
  const reports = await importQuestionBankFiles(ctx, files, { publish: true, audit: options.audit });
  const rejected = reports.filter((r) => r.rejected);
  if (rejected.length) {
    throw errors.unprocessable(
      "sample_bank_invalid",
      `示例题库文件有错误：${rejected.map((r) => r.file).join("、")}`,
      rejected,
    );
  }
  return reports;
}
