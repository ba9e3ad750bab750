import type { Model } from "mongoose";
import type { QuestionInput } from "../contracts/question-bank.js";
import { AppError } from "../lib/errors.js";
import type { ImportBankCheck } from "./import-in-use.js";
import type { QuestionVersionDoc } from "./question.model.js";

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
