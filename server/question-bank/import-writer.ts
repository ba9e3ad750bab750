import mongoose, { type ClientSession } from "mongoose";
import { AppError } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { ImportFormat, ImportReport } from "../contracts/question-import.js";
import type { FeatureContext } from "../feature.js";
import { createImageStore, imageHash } from "./image.store.js";
import type { ImportFile } from "./import-readers.js";
import { matchStored } from "./import-match.js";
import type { ParsedItem } from "./parsed-item.js";
import { SYSTEM_ACTOR } from "./ports.js";
import { sameContent } from "./bank-core.js";
import { createBlueprintImport } from "./import-blueprints.js";
import { createImportCommit } from "./import-commit.js";
import { mayShrinkCells, type ImportBankCheck } from "./import-in-use.js";
import type { ImportOptions } from "./question-import.service.js";
import { questionVersionModel, type QuestionVersionDoc } from "./question.model.js";
import { claimRefs } from "./ref-claims.js";
import { changeClaim, type ContentClaim } from "./content-claims.js";
import {
  batchClaims,
  copyHeld,
  markRefused,
  refuseCopies,
  rememberPlanned,
  skipAsCopy,
  type PlannedContent,
} from "./import-claims.js";
import { LIVE_STATUSES, questionContentHash } from "./content-hash.js";
import { predictBatch, refRenamed, type Write } from "./import-dry-run.js";
import { overlayPlanned, plannedImageId, rememberVersions, withPlannedImages } from "./import-dry-run.js";
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
  const commit = createImportCommit(ctx, file, format, options);

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
    if (dryRun) overlayPlanned(bankCheck, refs, latest, published);
    const knownHashes = withPlannedImages(
      await images.hashes([...latest.values()].flatMap((d) => (d.imageId ? [d.imageId] : []))),
      latest.values(),
    );
    const writes: Write[] = [];
    // A dry run's new and updated questions: the import would have written them (rememberPlanned).
    const planned: PlannedContent[] = [];
    // An item that would read as another question of one of its categories (import-claims.ts).
    const copyOf = (claim: ContentClaim, ref: string) =>
      copyHeld(
        claim,
        ref,
        live.get(claim.contentHash),
        dryRun ? bankCheck.plannedContents.get(claim.contentHash) : undefined,
      );
    for (const [at, { index, item }] of batch.entries()) {
      const r = report.items[index];
      if (!r || !item.question) continue;
      // (The image passed its size/type check while the file was read: parsed-item withImage.)
      let image = item.image;
      const current = latest.get(item.question.ref);
      // The same image bytes as the stored one is no change (re-importing a file with images is idempotent).
      if (image && current?.imageId && knownHashes.get(current.imageId) === imageHash(image.data))
        image = undefined;
      const put = async (data: Buffer, name: string) =>
        dryRun ? plannedImageId(data) : await images.put(data, name, actor.id);
      const stored = async () => (image ? await put(image.data, image.filename) : undefined);
      if (!current) {
        const hash = hashes[at] ?? "";
        const { ref, categories } = item.question;
        const held = copyOf({ questionId: "", contentHash: hash, categories }, ref);
        if (held) {
          skipAsCopy(r, held, false);
          continue;
        }
        if (dryRun) planned.push({ index, hash, ref, categories: [...categories] });
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
        // An update must not make the question read as another one either, as an edit must not.
        const held = copyOf(changeClaim(current.questionId, current, q), q.ref);
        if (held) {
          skipAsCopy(r, held, true);
          continue;
        }
        if (dryRun) planned.push({ index, hash: hashes[at] ?? "", ref: q.ref, categories: q.categories });
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
      const refused = await predictBatch(Questions, bankCheck, writes, Boolean(options.publish));
      markRefused(report, refused);
      rememberPlanned(bankCheck, planned, refused);
      rememberVersions(bankCheck, writes, refused, status, schemaDefaults);
      return;
    }
    if (!writes.length) return;
    importWork.transactions++;
    importWork.written += writes.length;
    batches++;
    const creates = new Set(writes.flatMap((w) => (w.kind === "create" ? [w.index] : [])));
    // Per attempt: a retried transaction checks (and refuses) afresh.
    let refused = new Map<number, string>();
    let exists = new Map<number, string>();
    const batchNo = batches;
    await commit(
      () => {
        const existsNew = [...exists.keys()].filter((i) => creates.has(i)).length;
        return {
          batch: batchNo,
          created: creates.size - existsNew,
          updated: writes.length - creates.size - refused.size - (exists.size - existsNew),
          refused: refused.size,
          ...(exists.size ? { exists: exists.size } : {}),
        };
      },
      async (session) => {
        refused = new Map();
        exists = new Map();
        await writeBatch(writes, session, refused, exists);
      },
    ).catch((err: unknown) => {
      // The next version of a question the batch found by its ref exists already: the question
      // was renamed since (its newer versions carry another ref).
      if (!isDuplicateKey(err, "version")) throw err;
      throw refRenamed(writes);
    });
    markRefused(report, refused);
    markRefused(report, exists, "question_exists");
  }

  /**
   * The batch's question writes, inside its transaction. An item whose published version would
   * leave a blueprint in use short is refused into `refused` (its report index and why) before any
   * write of it, so nothing of it is written; the rest of the batch is, and checks after it see it.
   * An item another writer has made a copy of since the batch's lookup (a question of its category
   * with its content, another ref) is refused into `exists` the same way (import-claims.ts).
   */
  async function writeBatch(
    writes: Write[],
    session: ClientSession,
    refused: Map<number, string>,
    exists: Map<number, string>,
  ): Promise<void> {
    const refusalToPublish = bankCheck.inTransaction(session);
    const planned = writes.flatMap((w) =>
      w.kind === "create"
        ? [
            {
              index: w.index,
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
    // Another import (or an examiner) may have written the same question under another ref since
    // the batch's lookup: claimed here, in the transaction, so two at once cannot both write it.
    await refuseCopies(ctx.conn, session, batchClaims(planned, writes), exists);
    const creates = planned.flatMap(({ index, ...doc }) => (exists.has(index) ? [] : [doc]));
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
      if (w.kind === "create" || exists.has(w.index)) continue;
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

  const blueprints = createBlueprintImport(ctx, options, commit, bankCheck);

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
