import type { CategoryCode } from "../contracts/categories.js";
import type { QuestionInput } from "../contracts/question-bank.js";
import { sameContent } from "./bank-core.js";

/** What an imported question becomes when the bank already holds a question under its ref. */
export type StoredMatch =
  /** Write (or find unchanged) `question`: the incoming content with the stored categories kept. */
  | { kind: "merge"; question: QuestionInput; notes: string[] }
  /** Leave the stored question alone: the ref is no proof that the two are one question. */
  | { kind: "conflict"; note: string };

/**
 * Matches an imported question with the stored question of the same ref.
 *
 * Categories only grow on import. Passenger and freight drivers share chapters (shared/DOMAIN.md),
 * so the same question is imported once per category, often from files that name only their own
 * category; replacing the stored categories with the file's took the question out of the other
 * category's pool (and could leave that category's published blueprint unfillable). Removing a
 * category is an examiner's edit, never a side effect of importing another category's file.
 *
 * A weak ref (`ParsedItem.weakRef`: a digest of type, stem and options, or a GIFT/Moodle name such
 * as "Q1") only says the two look alike. When the file's item also brings a category the stored
 * question lacks while the stored question serves one the file does not name, and their content
 * differs (another answer key, chapter, explanation…, or another stem under a repeated name), the
 * two may be different questions of different categories: writing the file's content would change
 * what the other category's candidates are asked, so the item is refused with its reason instead.
 * With the same content it is the same question serving one more category. When one side's
 * categories include the other's, the file knows every category the question serves, so a
 * changed answer key is a correction of that question (as for one category).
 */
export function matchStored(stored: QuestionInput, incoming: QuestionInput, weakRef: boolean): StoredMatch {
  const had = new Set<CategoryCode>(stored.categories);
  const named = new Set<CategoryCode>(incoming.categories);
  const added = incoming.categories.filter((c) => !had.has(c));
  const kept = stored.categories.filter((c) => !named.has(c));
  const question: QuestionInput = { ...incoming, categories: [...stored.categories, ...added] };
  const sameOtherwise = sameContent({ ...stored, categories: [] }, { ...incoming, categories: [] });
  if (weakRef && !sameOtherwise && added.length > 0 && kept.length > 0) {
    return {
      kind: "conflict",
      note:
        `题库中编号「${stored.ref}」的题目属于从业类别 ${stored.categories.join("、")}，内容与本题不同；` +
        "编号相同但从业类别不同，未覆盖：请在文件中写明题目编号（或改用不同的题目名称）后再导入",
    };
  }
  const notes = [
    ...(added.length ? [`增加从业类别 ${added.join("、")}`] : []),
    ...(kept.length ? [`题库中该题还属于从业类别 ${kept.join("、")}，导入只增不减，予以保留`] : []),
  ];
  return { kind: "merge", question, notes };
}
