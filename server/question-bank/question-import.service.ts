import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import mongoose from "mongoose";
import type {
  BlueprintInput,
  ImportFormat,
  ImportItemReport,
  ImportReport,
  QuestionInput,
} from "../contracts/question-bank.js";
import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { blueprintModel, type BlueprintDoc } from "./blueprint.model.js";
import { parseCsv } from "./csv.parser.js";
import { parseGift } from "./gift.parser.js";
import { checkImage, createImageStore } from "./image.store.js";
import { parseMoodleXml } from "./moodle-xml.parser.js";
import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import { parseRoadcertJson } from "./roadcert.parser.js";
import { SYSTEM_ACTOR, type Actor, type AuditPort } from "./ports.js";
import { sameContent } from "./question-bank.service.js";
import { questionVersionModel, type QuestionVersionDoc } from "./question.model.js";
import { toBlueprint, toQuestionInput } from "./question.presenter.js";

/** One file handed to the importer. */
export interface ImportFile {
  name: string;
  content: string | Buffer;
  /** Detected from the extension (.json, .csv, .xml, .gift/.txt) when absent. */
  format?: ImportFormat;
}

export interface ImportOptions {
  /** Report what would change; write nothing. */
  dryRun?: boolean;
  /** Import the valid items of a file even when some are invalid (default: all-or-nothing per file). */
  partial?: boolean;
  /** Imported questions and blueprints become published (seeding, the import CLI); otherwise drafts for review. */
  publish?: boolean;
  /** Categories/chapter for formats that carry none (Moodle XML, GIFT, CSV without those columns). */
  defaults?: ImportDefaults;
  actor?: Actor;
  audit?: AuditPort;
}

/** Picks the parser from the file name, else from the content. */
export function detectFormat(name: string, text: string): ImportFormat {
  const ext = path.extname(name).toLowerCase();
  if (ext === ".json") return "roadcert";
  if (ext === ".csv") return "csv";
  if (ext === ".xml") return "moodle_xml";
  if (ext === ".gift" || ext === ".txt") return "gift";
  const head = text.trimStart();
  if (head.startsWith("{")) return "roadcert";
  if (head.startsWith("<")) return "moodle_xml";
  return /^\s*(::|\/\/|\$CATEGORY)/m.test(head) ? "gift" : "csv";
}

/** Runs the parser of one format (pure; also used by `scripts/bank-validate.ts`). */
export function parseImportFile(file: ImportFile, defaults: ImportDefaults = {}): ParsedFile {
  const text = typeof file.content === "string" ? file.content : file.content.toString("utf8");
  const format = file.format ?? detectFormat(file.name, text);
  switch (format) {
    case "roadcert":
      // roadcert files carry their own categories and chapters: no defaults apply.
      return parseRoadcertJson(text);
    case "csv":
      return parseCsv(text, defaults);
    case "moodle_xml":
      return parseMoodleXml(text, defaults);
    case "gift":
      return parseGift(text, defaults);
  }
}

type Lean = QuestionVersionDoc & { _id?: unknown };

interface Plan {
  item: ParsedItem;
  report: ImportItemReport;
  write?:
    | { kind: "create"; question: QuestionInput }
    | { kind: "update_draft"; question: QuestionInput; current: Lean }
    | { kind: "new_version"; question: QuestionInput; current: Lean };
}

/**
 * Imports question and blueprint files. Per file all-or-nothing (unless `partial`): an invalid item
 * rejects the whole file and nothing of it is written. Items are matched to existing questions by
 * `ref`: unchanged content is left alone (so re-importing is idempotent), changed content becomes a
 * new version. Constructs a format has but roadcert cannot hold are reported per item.
 */
export async function importQuestionBankFiles(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  files: ImportFile[],
  options: ImportOptions = {},
): Promise<ImportReport[]> {
  const Questions = questionVersionModel(ctx.conn);
  const Blueprints = blueprintModel(ctx.conn);
  const images = createImageStore(ctx.conn);
  const actor = options.actor ?? SYSTEM_ACTOR;
  const dryRun = options.dryRun ?? false;
  const reports: ImportReport[] = [];

  for (const file of files) {
    const parsed = parseImportFile(file, options.defaults);
    const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, invalid: 0 };
    const report: ImportReport = {
      file: file.name,
      format: parsed.format,
      dryRun,
      rejected: false,
      counts,
      items: [],
      blueprints: [],
    };
    reports.push(report);
    if (parsed.fileErrors.length) {
      report.rejected = true;
      report.items = parsed.fileErrors.map((e) => ({ location: "文件", outcome: "invalid", notes: [e] }));
      counts.invalid = parsed.fileErrors.length;
      continue;
    }

    const plans: Plan[] = [];
    for (const item of parsed.items) {
      const report: ImportItemReport = {
        location: item.location,
        ...(item.ref ? { ref: item.ref } : {}),
        outcome: "skipped",
        notes: [...item.notes],
      };
      if (item.outcome !== "ok" || !item.question) {
        report.outcome = item.outcome === "invalid" ? "invalid" : "skipped";
        plans.push({ item, report });
        continue;
      }
      if (item.image) {
        try {
          checkImage(item.image.data);
        } catch (err) {
          report.notes.push(
            `图片 ${item.image.filename} 未导入：${err instanceof Error ? err.message : String(err)}`,
          );
          item.image = undefined;
        }
      }
      const q = item.question;
      const current = await Questions.findOne({ ref: q.ref }).sort({ version: -1 }).lean<Lean>();
      if (!current) {
        report.outcome = "created";
        plans.push({ item, report, write: { kind: "create", question: q } });
      } else if (
        sameContent(toQuestionInput(current), q) &&
        !item.image &&
        (!options.publish || current.status === "published")
      ) {
        report.outcome = "unchanged";
        plans.push({ item, report });
      } else if (current.status === "in_review" || current.status === "retired") {
        report.outcome = "skipped";
        report.notes.push(
          current.status === "in_review" ? "同编号题目正在审核中，未覆盖" : "同编号题目已停用，未覆盖",
        );
        plans.push({ item, report });
      } else {
        report.outcome = "updated";
        plans.push({
          item,
          report,
          write:
            current.status === "draft"
              ? { kind: "update_draft", question: q, current }
              : { kind: "new_version", question: q, current },
        });
      }
    }

    const blueprintPlans: {
      input: BlueprintInput;
      outcome: "created" | "unchanged" | "updated";
      version: number;
      blueprintId: string;
    }[] = [];
    for (const bp of parsed.blueprints) {
      const blueprintId = `bp-${bp.categoryCode}`;
      const last = await Blueprints.findOne({ blueprintId }).sort({ version: -1 }).lean<BlueprintDoc>();
      const same =
        last &&
        JSON.stringify(stripId(toBlueprint(last))) ===
          JSON.stringify(stripId({ ...bp, id: "", version: 0 })) &&
        (!options.publish || last.status === "published");
      blueprintPlans.push({
        input: bp,
        blueprintId,
        outcome: !last ? "created" : same ? "unchanged" : "updated",
        version: same && last ? last.version : (last?.version ?? 0) + 1,
      });
    }

    report.items = plans.map((p) => p.report);
    for (const p of plans) counts[p.report.outcome]++;
    report.blueprints = blueprintPlans.map((b) => ({
      categoryCode: b.input.categoryCode,
      outcome: b.outcome,
      version: b.version,
    }));
    if (counts.invalid > 0 && !options.partial) {
      report.rejected = true;
      continue;
    }
    if (dryRun) continue;

    const status = options.publish ? "published" : "draft";
    const at = new Date();
    const history = (action: string, comment?: string) => [
      { at, actorId: actor.id, actorName: actor.displayName, action, ...(comment ? { comment } : {}) },
    ];
    // Images go to GridFS first: GridFS writes are not part of the transaction, and an orphaned image is harmless.
    const imageIds = new Map<ParsedItem, string>();
    for (const p of plans)
      if (p.write && p.item.image)
        imageIds.set(p.item, await images.put(p.item.image.data, p.item.image.filename, actor.id));

    await ctx.conn.transaction(async (session) => {
      for (const p of plans) {
        const w = p.write;
        if (!w) continue;
        const imageId = imageIds.get(p.item);
        const content = { ...w.question, ...(imageId ? { imageId } : {}) };
        if (w.kind === "create") {
          await Questions.create(
            [
              {
                questionId: new mongoose.Types.ObjectId().toHexString(),
                version: 1,
                status,
                ...content,
                authorId: actor.id,
                authorName: actor.displayName,
                ...(options.publish ? { reviewerId: actor.id } : {}),
                history: history("imported", file.name),
              },
            ],
            { session },
          );
        } else if (w.kind === "update_draft") {
          await Questions.updateOne(
            { questionId: w.current.questionId, version: w.current.version },
            { $set: { ...content, status }, $push: { history: { $each: history("imported", file.name) } } },
            { session },
          );
        } else {
          if (options.publish) {
            await Questions.updateMany(
              { questionId: w.current.questionId, status: "published" },
              { $set: { status: "superseded" } },
              { session },
            );
          }
          await Questions.create(
            [
              {
                questionId: w.current.questionId,
                version: w.current.version + 1,
                status,
                ...content,
                imageId: imageId ?? w.current.imageId ?? undefined,
                authorId: actor.id,
                authorName: actor.displayName,
                quarantined: w.current.quarantined,
                history: history("imported", `${file.name}：基于第 ${w.current.version} 版`),
              },
            ],
            { session },
          );
        }
      }
      for (const b of blueprintPlans) {
        if (b.outcome === "unchanged") continue;
        await Blueprints.create(
          [
            {
              blueprintId: b.blueprintId,
              version: b.version,
              status: options.publish ? "published" : "draft",
              ...b.input,
              createdBy: actor.id,
              ...(options.publish ? { publishedAt: at } : {}),
            },
          ],
          { session },
        );
      }
    });
    const audit = {
      action: "question_bank.imported",
      actor: {
        id: actor.id,
        kind: actor.id === SYSTEM_ACTOR.id ? ("system" as const) : ("staff" as const),
        name: actor.displayName,
      },
      target: { type: "import", id: file.name },
      details: {
        format: parsed.format,
        counts,
        blueprints: report.blueprints,
        publish: Boolean(options.publish),
      },
    };
    if (options.audit) await options.audit.record(audit);
    else if (
      counts.created + counts.updated + blueprintPlans.filter((b) => b.outcome !== "unchanged").length >
      0
    )
      ctx.logger.info({ audit }, "question bank import");
  }
  return reports;
}

function stripId(b: BlueprintInput & { id: string; version: number }) {
  const { id: _id, version: _version, ...rest } = b;
  return { ...rest, difficultyMix: rest.difficultyMix ?? null, accommodations: rest.accommodations };
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
