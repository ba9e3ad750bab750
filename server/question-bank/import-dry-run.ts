import type { Model } from "mongoose";
import type { QuestionInput } from "../contracts/question-bank.js";
import { AppError } from "../lib/errors.js";
import type { ImportBankCheck } from "./import-in-use.js";
import type { QuestionVersionDoc } from "./question.model.js";
import { questionContentHash } from "./content-hash.js";
import { imageHash } from "./image.store.js";

type Lean = QuestionVersionDoc & { _id?: unknown };

/**
 * One item a batch would write. `index` is the item's place in the report. `mayShrink`: publishing
 * it replaces a published version it may take out of a blueprint's cell (see `mayShrinkCells`), so
 * it is checked first.
 */
export type Write =
  | { kind: "create"; index: number; question: QuestionInput; imageId?: string }
  | {
      kind: "update_draft" | "new_version";
      index: number;
      question: QuestionInput;
      current: Lean;
      imageId?: string;
      mayShrink: boolean;
    };

/**
 * The batch's refusal when a question it would give a next version has one already: the question
 * was renamed since (its newer versions carry another ref). Re-running would fail the same way for
 * ever; it says which refs and why.
 */
export function refRenamed(writes: readonly Write[]): AppError {
  const refs = writes.flatMap((w) => (w.kind === "new_version" ? [w.question.ref] : [])).slice(0, 5);
  return new AppError(
    "question_ref_renamed",
    409,
    `本批未写入：编号 ${refs.join("、")} 中有题目已有更新的版本（编号可能已在题库中更改）；请按题库中的现编号修改文件后再导入`,
    { refs },
  );
}

type Drawn = Pick<
  Lean,
  "questionId" | "version" | "status" | "type" | "chapter" | "categories" | "quarantined"
>;

/**
 * What a dry run of one batch predicts, as the import's transaction would decide it (writeBatch):
 * the items it would refuse `bank_in_use` (their report index and why, only when publishing), or
 * the batch's `question_ref_renamed` refusal, thrown as the import throws it.
 *
 * The import reads a question's published version and writes its next version by `questionId`,
 * not by the ref the batch looked up: a renamed question's published version may carry an older
 * ref than the file's (so the lookup by ref misses it), or the file may name the older ref while a
 * later version carries another (so the version it would write exists). So the dry run reads the
 * batch's stored questions by id too, one round trip, and only when the batch would write one.
 */
export async function predictBatch(
  Questions: Model<QuestionVersionDoc>,
  bankCheck: ImportBankCheck,
  writes: readonly Write[],
  publish: boolean,
): Promise<Map<number, string>> {
  const ids = [...new Set(writes.flatMap((w) => (w.kind === "create" ? [] : [w.current.questionId])))];
  const published = new Map<string, Drawn>();
  const newest = new Map<string, number>();
  if (ids.length) {
    const versions = await Questions.find(
      { questionId: { $in: ids } },
      { questionId: 1, version: 1, status: 1, type: 1, chapter: 1, categories: 1, quarantined: 1 },
    )
      .batchSize(100_000)
      .lean<Drawn[]>();
    for (const v of versions) {
      if (v.status === "published") published.set(v.questionId, v);
      newest.set(v.questionId, Math.max(newest.get(v.questionId) ?? 0, v.version));
    }
  }
  for (const w of writes) {
    // A version an earlier batch or file of this dry run planned (never stored): the one the
    // import would find published by then, and the newest it would have written.
    if (w.kind === "create" || !isPlanned(w.current)) continue;
    const id = w.current.questionId;
    if (w.current.status === "published") published.set(id, w.current);
    newest.set(id, Math.max(newest.get(id) ?? 0, w.current.version));
  }
  const refused = publish ? await predictRefusals(bankCheck, writes, published) : new Map<number, string>();
  // The import checks an item, then writes it: an item it refused writes no version to collide.
  const collides = writes.some(
    (w) =>
      w.kind === "new_version" &&
      !refused.has(w.index) &&
      (newest.get(w.current.questionId) ?? 0) > w.current.version,
  );
  if (collides) throw refRenamed(writes);
  return refused;
}

/**
 * A dry run's `bank_in_use`: the same check as `writeBatch`'s, in the order it writes (the batch's
 * new questions first), each item it would write counted against the later ones (the run's check
 * remembers them across batches and files). `published`: each question's published version.
 */
async function predictRefusals(
  bankCheck: ImportBankCheck,
  writes: readonly Write[],
  published: Map<string, Drawn>,
) {
  const refused = new Map<number, string>();
  const check = bankCheck.dryRun();
  for (const w of writes) if (w.kind === "create") check.wouldWrite(null, w.question);
  for (const w of writes) {
    if (w.kind === "create") continue;
    const drawn = published.get(w.current.questionId);
    const before = drawn && !drawn.quarantined ? drawn : null;
    const why = w.mayShrink ? await check.refusal(before, w.question) : null;
    if (why) refused.set(w.index, why);
    // The new version inherits the question's quarantine (writeBatch), and is drawn only without it.
    else check.wouldWrite(before, w.current.quarantined ? null : w.question);
  }
  return refused;
}

/** A dry run's versions, never stored: they stand for what the import would have written. */
const PLANNED = new WeakSet<object>();

/** Whether `doc` is a version a dry run planned rather than one the bank holds. */
export function isPlanned(doc: object): boolean {
  return PLANNED.has(doc);
}

/**
 * The version the import would leave for `write` (new questions under a stand-in id, `planned:`
 * and their ref), in `status`, with the schema's `defaults` filling what a stored one carries.
 */
function plannedVersion(write: Write, status: string, defaults: Record<string, unknown>): Lean {
  const base =
    write.kind === "create"
      ? { ...defaults, questionId: `planned:${write.question.ref}`, version: 1, quarantined: false }
      : {
          ...write.current,
          version: write.kind === "new_version" ? write.current.version + 1 : write.current.version,
        };
  if (write.imageId) Object.assign(base, { imageId: write.imageId });
  const doc = { ...base, ...write.question, status, contentHash: questionContentHash(write.question) };
  PLANNED.add(doc);
  return doc as Lean;
}

/**
 * Remembers, for the dry run's later batches and files, the versions its batch would write (all
 * but the `refused` items), by ref: the import would find them stored, so a later item with the
 * same ref is unchanged or an update there, never a second new question (bankCheck.plannedRefs).
 */
export function rememberVersions(
  bankCheck: ImportBankCheck,
  writes: readonly Write[],
  refused: ReadonlyMap<number, string>,
  status: string,
  defaults: Record<string, unknown>,
): void {
  for (const w of writes)
    if (!refused.has(w.index)) bankCheck.plannedRefs.set(w.question.ref, plannedVersion(w, status, defaults));
}

/**
 * A dry run's batch lookup with the run's planned versions of its `refs` laid over what the bank
 * holds (`latest` by ref, `published` by question id), as the import would find them.
 */
export function overlayPlanned(
  bankCheck: ImportBankCheck,
  refs: readonly string[],
  latest: Map<string, Lean>,
  published: Map<string, Lean>,
): void {
  for (const ref of refs) {
    const doc = bankCheck.plannedRefs.get(ref);
    if (!doc) continue;
    latest.set(ref, doc);
    if (doc.status === "published") published.set(doc.questionId, doc);
  }
}

/** Stands for an image a dry run would store (its content hash), so a later item with it is no change. */
const PLANNED_IMAGE = "planned-image:";

/** The id a dry run's write carries for an image the import would store. */
export function plannedImageId(data: Buffer): string {
  return PLANNED_IMAGE + imageHash(data);
}

/** `known` (stored images' hashes by id) with those of the planned images among `docs`' images. */
export function withPlannedImages(known: Map<string, string>, docs: Iterable<Lean>): Map<string, string> {
  for (const d of docs)
    if (d.imageId?.startsWith(PLANNED_IMAGE)) known.set(d.imageId, d.imageId.slice(PLANNED_IMAGE.length));
  return known;
}
