import mongoose, { type ClientSession } from "mongoose";
import { AppError } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { ImportFormat, ImportReport } from "../contracts/question-import.js";
import type { FeatureContext } from "../feature.js";
import { createImageStore, imageHash } from "./image.store.js";
import type { ImportFile } from "./import-readers.js";
import { matchStored } from "./import-match.js";
import type { ParsedItem } from "./parsed-item.js";
import { SYSTEM_ACTOR, type AuditInput } from "./ports.js";
import { sameContent } from "./bank-core.js";
import { createBlueprintImport } from "./import-blueprints.js";
import { mayShrinkCells, type ImportBankCheck } from "./import-in-use.js";
import type { ImportOptions } from "./question-import.service.js";
import { questionVersionModel, type QuestionVersionDoc } from "./question.model.js";
import { claimRefs } from "./ref-claims.js";
import { LIVE_STATUSES, questionContentHash } from "./content-hash.js";
import { predictBatch, refRenamed, type Write } from "./import-dry-run.js";
import { toQuestionInput } from "./question.presenter.js";

type Lean = QuestionVersionDoc & { _id?: unknown };

/** Documents the lookup asks for in its one reply (a batch's refs with all their versions). */
const LOOKUP_BATCH = 100_000;

/**
 * Counts an import's database round trips (they must grow with batches, not items) and the refs it
 * looks up and the questions it writes (each once: a batch that looked up or wrote the batches before
 * it again would grow with the square of the file).
 */
export const importWork = { lookups: 0, transactions: 0, refsLookedUp: 0, written: 0 };

/**
 * Compares and writes one file's questions batch by batch. Each batch: one lookup of the refs it
 * holds, images stored first (GridFS is outside transactions; an orphaned image is harmless), then
 * one transaction for the batch's question writes and its audit entry (what the batch created and
 * updated), so a batch is stored with its entry or not at all. Comparing on every run is what
 * makes a re-run idempotent: what an earlier run wrote is found unchanged (and not audited again).
 * `bankCheck` is the run's `bank_in_use` check (import-in-use.ts), built once for all its files.
 */
export function createBatchWriter(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  file: ImportFile,
  format: ImportFormat,
  options: ImportOptions,
  bankCheck: ImportBankCheck,
) {
  const Questions = questionVersionModel(ctx.conn);
  const images = createImageStore(ctx.conn);
  const actor = options.actor ?? SYSTEM_ACTOR;
  const dryRun = options.dryRun ?? false;
  const status = options.publish ? "published" : "draft";
  const history = (comment: string) => [
    { at: new Date(), actorId: actor.id, actorName: actor.displayName, action: "imported", comment },
  ];
  const { _id: _defaultId, ...schemaDefaults } = Questions.applyDefaults({}) as Record<string, unknown>;
  let batches = 0;
  const auditActor = {
    id: actor.id,
    kind: actor.id === SYSTEM_ACTOR.id ? ("system" as const) : ("staff" as const),
    name: actor.displayName,
  };

  /**
   * Runs one batch's writes with its entry as one transaction (`audit.transaction` + `append`);
   * without an audit log (a script's own database) the entry goes to the log instead.
   */
  async function commit(
    details: () => Record<string, unknown>,
    work: (session: ClientSession) => Promise<void>,
  ) {
    // The details once the work has run: it may have refused items (bank_in_use).
    const entry = (): AuditInput => ({
      action: "question_bank.imported",
      actor: auditActor,
      target: { type: "import", id: file.name },
      details: { format, publish: Boolean(options.publish), ...details() },
    });
    const { audit } = options;
    if (!audit) {
      await ctx.conn.transaction(work);
      ctx.logger.info({ audit: entry() }, "question bank import");
      return;
    }
    await audit.transaction(async (session) => {
      await work(session);
      await audit.append(session, entry());
    });
  }

  async function write(batch: { index: number; item: ParsedItem }[], report: ImportReport): Promise<void> {
    if (!batch.length) return;
    importWork.lookups++;
    const refs = batch.map((b) => b.item.question?.ref ?? "");
    importWork.refsLookedUp += refs.length;
    // One round trip: without a batch size the driver takes 101 documents and then asks for the
    // rest (a getMore per batch of a re-run); a batch's versions fit one 16 MB reply.
    // The same round trip finds the live questions holding a batch item's content under any ref
    // (content-hash.ts): a new ref must not add a second copy of a question the bank holds.
    const hashes = batch.map((b) => (b.item.question ? questionContentHash(b.item.question) : ""));
    const found = await Questions.find({
      $or: [{ ref: { $in: refs } }, { contentHash: { $in: hashes }, status: { $in: [...LIVE_STATUSES] } }],
    })
      .batchSize(LOOKUP_BATCH)
      .lean<Lean[]>();
    const latest = new Map<string, Lean>();
    const published = new Map<string, Lean>();
    const wanted = new Set(refs);
    const live = new Map<string, Lean[]>();
    for (const doc of found) {
      if (doc.contentHash && LIVE.has(doc.status))
        live.set(doc.contentHash, [...(live.get(doc.contentHash) ?? []), doc]);
      if (!wanted.has(doc.ref)) continue;
      const seen = latest.get(doc.ref);
      if (!seen || seen.version < doc.version) latest.set(doc.ref, doc);
      if (doc.status === "published") published.set(doc.questionId, doc);
    }
    const knownHashes = await images.hashes(
      [...latest.values()].flatMap((d) => (d.imageId ? [d.imageId] : [])),
    );
    const writes: Write[] = [];
    for (const [at, { index, item }] of batch.entries()) {
      const r = report.items[index];
      if (!r || !item.question) continue;
      // (The image passed its size/type check while the file was read: parsed-item withImage.)
      let image = item.image;
      const current = latest.get(item.question.ref);
      // The same image bytes as the stored one is no change (re-importing a file with images is idempotent).
      if (image && current?.imageId && knownHashes.get(current.imageId) === imageHash(image.data))
        image = undefined;
      const stored = async () =>
        image && !dryRun ? await images.put(image.data, image.filename, actor.id) : undefined;
      if (!current) {
        const held = sameQuestionHeld(live.get(hashes[at] ?? ""), item.question.categories);
        if (held) {
          r.outcome = "skipped";
          r.code = "question_exists";
          r.notes.push(
            `题库中已有同一道题（题干和选项相同）：编号「${held.ref}」（从业类别 ${held.categories.join("、")}）；` +
              "以新编号导入会成为题库中的第二道题，本题未导入（要修改该题，请用其编号导入或在题库中编辑）",
          );
          continue;
        }
        r.outcome = "created";
        writes.push({ kind: "create", index, question: item.question, imageId: await stored() });
        continue;
      }
      const match = matchStored(toQuestionInput(current), item.question, item.weakRef ?? false);
      if (match.kind === "conflict") {
        r.outcome = "skipped";
        r.code = "ref_category_mismatch";
        r.notes.push(match.note);
        continue;
      }
      const q = match.question;
      if (
        sameContent(toQuestionInput(current), q) &&
        !image &&
        (!options.publish || current.status === "published")
      ) {
        r.outcome = "unchanged";
      } else if (current.status === "in_review" || current.status === "retired") {
        r.outcome = "skipped";
        r.code = current.status === "in_review" ? "question_in_review" : "question_retired";
        r.notes.push(
          current.status === "in_review" ? "同编号题目正在审核中，未覆盖" : "同编号题目已停用，未覆盖",
        );
      } else {
        r.outcome = "updated";
        r.notes.push(...match.notes);
        const imageId = await stored();
        writes.push({
          kind: current.status === "draft" ? "update_draft" : "new_version",
          index,
          question: q,
          current,
          imageId,
          mayShrink: mayShrinkCells(published.get(current.questionId), q),
        });
      }
    }
    if (dryRun) {
      // A dry run writes nothing, but says what the import would refuse: items bank_in_use, or
      // the batch question_ref_renamed (thrown, as the import throws it).
      markRefused(report, await predictBatch(Questions, bankCheck, writes, Boolean(options.publish)));
      return;
    }
    if (!writes.length) return;
    importWork.transactions++;
    importWork.written += writes.length;
    batches++;
    const created = writes.filter((w) => w.kind === "create").length;
    // Per attempt: a retried transaction checks (and refuses) afresh.
    let refused = new Map<number, string>();
    const batchNo = batches;
    await commit(
      () => ({
        batch: batchNo,
        created,
        updated: writes.length - created - refused.size,
        refused: refused.size,
      }),
      async (session) => {
        refused = new Map();
        await writeBatch(writes, session, refused);
      },
    ).catch((err: unknown) => {
      // The next version of a question the batch found by its ref exists already: the question
      // was renamed since (its newer versions carry another ref).
      if (!isDuplicateKey(err, "version")) throw err;
      throw refRenamed(writes);
    });
    markRefused(report, refused);
  }

  /**
   * The batch's question writes, inside its transaction. An item whose published version would
   * leave a blueprint in use short is refused into `refused` (its report index and why) before any
   * write of it, so nothing of it is written; the rest of the batch is, and checks after it see it.
   */
  async function writeBatch(
    writes: Write[],
    session: ClientSession,
    refused: Map<number, string>,
  ): Promise<void> {
    const refusalToPublish = bankCheck.inTransaction(session);
    const creates = writes.flatMap((w) =>
      w.kind === "create"
        ? [
            {
              questionId: new mongoose.Types.ObjectId().toHexString(),
              version: 1,
              status,
              ...w.question,
              contentHash: questionContentHash(w.question),
              ...(w.imageId ? { imageId: w.imageId } : {}),
              authorId: actor.id,
              authorName: actor.displayName,
              ...(options.publish ? { reviewerId: actor.id } : {}),
              history: history(file.name),
            },
          ]
        : [],
    );
    // Lean: hydrating and validating 500 mongoose documents per batch was a third of the
    // importer's CPU (profile in BENCHMARKS.md) for content zod has already checked; the
    // schema's defaults, timestamps and version key are applied as a hydrated insert would.
    // The defaults are the schema's, worked out once per writer (applyDefaults walked the
    // schema for every question, 1.4 of the importer's 25 CPU-s per 100,000); each document
    // gets its own _id, and the shared default arrays are only serialised, never changed.
    if (creates.length) {
      // Another import of the same new refs may have committed since this batch's lookup.
      await claimRefs(
        ctx.conn,
        session,
        creates.map((c) => ({ ref: c.ref, questionId: c.questionId })),
      );
      const at = new Date();
      await Questions.insertMany(
        creates.map((doc) => ({
          _id: new mongoose.Types.ObjectId(),
          ...schemaDefaults,
          ...doc,
          __v: 0,
          createdAt: at,
          updatedAt: at,
        })),
        { session, lean: true },
      );
    }
    for (const w of writes) {
      if (w.kind === "create") continue;
      if (options.publish && w.mayShrink) {
        const why = await refusalToPublish(w.current.questionId, w.question);
        if (why) {
          refused.set(w.index, why);
          continue;
        }
      }
      if (w.kind === "new_version") {
        // Still the version the comparison read, in the status it had: a question retired (or
        // changed) since must get no new version, published or draft, after its retirement. A
        // write rather than a read, so a retire still in flight conflicts with this transaction
        // (one of the two is retried and sees the other) instead of both committing.
        const held = await Questions.updateOne(
          { questionId: w.current.questionId, version: w.current.version, status: w.current.status },
          { $set: { updatedAt: new Date() } },
          { session },
        );
        if (held.matchedCount !== 1) throw changedDuringImport(w.question.ref);
      }
      // Publishing this version replaces the one candidates are drawn from: one published
      // version per question (two were counted twice and exported under one ref).
      if (options.publish) {
        await Questions.updateMany(
          { questionId: w.current.questionId, status: "published" },
          { $set: { status: "superseded" } },
          { session },
        );
      }
      if (w.kind === "update_draft") {
        // Still the draft the comparison read: a reviewer may have sent it for review or
        // published it since, and rewriting it then would put unreviewed content in its place.
        const updated = await Questions.updateOne(
          { questionId: w.current.questionId, version: w.current.version, status: "draft" },
          {
            $set: {
              ...w.question,
              contentHash: questionContentHash(w.question),
              ...(w.imageId ? { imageId: w.imageId } : {}),
              status,
            },
            $push: { history: { $each: history(file.name) } },
          },
          { session },
        );
        if (updated.matchedCount !== 1) throw changedDuringImport(w.question.ref);
      } else {
        await Questions.create(
          [
            {
              questionId: w.current.questionId,
              version: w.current.version + 1,
              status,
              ...w.question,
              imageId: w.imageId ?? w.current.imageId ?? undefined,
              authorId: actor.id,
              authorName: actor.displayName,
              quarantined: w.current.quarantined,
              history: history(`${file.name}：基于第 ${w.current.version} 版`),
            },
          ],
          { session },
        );
      }
    }
  }

  const blueprints = createBlueprintImport(ctx, options, commit, bankCheck.eligibleUnderGuard);

  return { write, blueprints };
}

/** A question the batch compared was changed, sent for review or retired before the batch wrote. */
function changedDuringImport(ref: string): AppError {
  return new AppError(
    "question_changed_during_import",
    409,
    `题目 ${ref} 在导入期间被他人修改、送审或停用，本批未写入；请重新导入（已写入的批次保留，不会重复）`,
    { ref },
  );
}

const LIVE = new Set<string>(LIVE_STATUSES);

/** A live question with the item's content that serves one of its categories (a copy for their candidates). */
function sameQuestionHeld(held: Lean[] | undefined, categories: readonly string[]): Lean | undefined {
  return held?.find((d) => d.categories.some((c) => categories.includes(c)));
}

/** Reports the items a batch refused `bank_in_use` (their report index and why) as skipped. */
function markRefused(report: ImportReport, refused: Map<number, string>): void {
  for (const [index, message] of refused) {
    const r = report.items[index];
    if (!r) continue;
    r.outcome = "skipped";
    r.code = "bank_in_use";
    r.notes.push(message);
  }
}
