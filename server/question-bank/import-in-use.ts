import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { QuestionInput } from "../contracts/question-bank.js";
import type { FeatureContext } from "../feature.js";
import type { Lean } from "./bank-core.js";
import { bankInUse, type BankInUse, type DrawnCells, type FillCheck } from "./bank-in-use.js";
import { questionVersionModel } from "./question.model.js";

/** The act a `bank_in_use` refusal of an imported item names ("不能…：…后，"). */
const IMPORT_VERB = "导入发布新版本（题型或章节有变）";

type Cell = Pick<Lean, "type" | "chapter" | "categories">;

/**
 * Whether replacing `published` by `next` can take the question out of a cell: its type or
 * chapter changes, or it leaves a category. Unknown (no published version among the refs looked
 * up: none, or one under an older ref) counts as may, and is read again in the transaction.
 */
export function mayShrinkCells(published: Cell | undefined, next: QuestionInput): boolean {
  if (!published) return true;
  return (
    published.type !== next.type ||
    published.chapter !== next.chapter ||
    !published.categories.every((c) => (next.categories as string[]).includes(c))
  );
}

/** One item's refusal: why publishing it would leave a blueprint in use short, or null. */
export type PublishRefusal = (questionId: string, question: QuestionInput) => Promise<string | null>;

/**
 * The import's side of bank-in-use.ts: a published import replaces a question's published version
 * as an approval does, and must not leave a blueprint in use short either. Built once per import
 * run, on the node's check (or the one the run built).
 */
export function createImportBankCheck(ctx: Pick<FeatureContext, "conn">, inUse: BankInUse) {
  const Questions = questionVersionModel(ctx.conn);
  const message = (check: FillCheck, before: DrawnCells | null, next: QuestionInput) =>
    check
      .shortsOf({ before, after: next })
      .then((shorts) => (shorts.length ? bankInUse(IMPORT_VERB, shorts).message : null));
  let dryRun: FillCheck | undefined;

  return {
    /**
     * A dry run's new questions by content hash, for the whole run (every file): the import would
     * have written them, so a later item with the same content under another ref is question_exists
     * there as it is in the import (import-writer.ts).
     */
    plannedContents: new Map<string, { ref: string; categories: string[] }[]>(),

    /**
     * A dry run's questions by ref as the import would have left them (import-dry-run.ts
     * plannedVersion), for the whole run: a later file's item with the same ref is compared with
     * it as the import compares it with the stored one, and a dry run's blueprints count the
     * published ones (import-blueprints.ts).
     */
    plannedRefs: new Map<string, Lean>(),

    /** A published blueprint's fill check (import-blueprints.ts). */
    eligibleUnderGuard: (code: CategoryCode, session: ClientSession) =>
      inUse.eligibleUnderGuard(code, session),

    /**
     * Inside a batch's transaction `session` (one per attempt: a retry checks afresh), before any
     * write of the question. Only a published version the new one does not keep in its cell can
     * shrink one; it is read once, here, on the transaction's snapshot. The batch writes each
     * accepted item before the next check, which so sees it.
     */
    inTransaction(session: ClientSession): PublishRefusal {
      const check = inUse.fillCheck(session, { pending: false });
      return async (questionId, question) => {
        const before = await Questions.findOne(
          { questionId, status: "published", quarantined: { $ne: true } },
          { type: 1, chapter: 1, categories: 1 },
        )
          .session(session)
          .lean<Cell>();
        if (!before || !mayShrinkCells(before, question)) return null;
        return message(check, before, question);
      };
    },

    /**
     * The same check for a dry run, which writes nothing: one for the whole run (every file), so
     * the items it would write (`wouldWrite`) count against the later ones as the import's writes
     * would. `before` is the published version the run looked up (null: none drawn now).
     */
    dryRun() {
      const check = (dryRun ??= inUse.fillCheck(null, { pending: true }));
      return {
        refusal: (before: DrawnCells | null, question: QuestionInput) => message(check, before, question),
        wouldWrite: (before: DrawnCells | null, after: DrawnCells | null) => check.record({ before, after }),
      };
    },
  };
}
export type ImportBankCheck = ReturnType<typeof createImportBankCheck>;
