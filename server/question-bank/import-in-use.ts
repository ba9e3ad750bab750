import type { ClientSession } from "mongoose";
import type { QuestionInput } from "../contracts/question-bank.js";
import type { FeatureContext } from "../feature.js";
import { AppError } from "../lib/errors.js";
import { createBankCore, type Lean } from "./bank-core.js";
import { createBankInUse, type BankInUse } from "./bank-in-use.js";
import type { AuditPort, PinnedBlueprintsPort } from "./ports.js";

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

/**
 * The import's side of bank-in-use.ts: a published import replaces a question's published version
 * as an approval does, and must not leave a blueprint in use short either.
 */
export function createImportBankCheck(
  ctx: Pick<FeatureContext, "conn" | "logger">,
  bankInUse: BankInUse | undefined,
  audit: AuditPort | undefined,
  pinnedBlueprints?: PinnedBlueprintsPort,
) {
  // Without the node's check (a script's own database), the sessions' pinned versions count when
  // the script gives them, else only the current blueprints. (The bank core reads only `conn` and
  // `logger` of its context.)
  const core = createBankCore(ctx as FeatureContext, { audit, pinnedBlueprints });
  const inUse = bankInUse ?? createBankInUse(core);
  const { Questions } = core;

  /**
   * Inside the batch's transaction, before any write of the question: why publishing `question`
   * would leave a blueprint in use short (the `bank_in_use` refusal's message), or null. Only a
   * published version the new one does not keep in its cell can shrink one; it is read again here,
   * on the transaction's snapshot.
   */
  async function refusalToPublish(
    questionId: string,
    question: QuestionInput,
    session: ClientSession,
  ): Promise<string | null> {
    const before = await Questions.findOne(
      { questionId, status: "published", quarantined: { $ne: true } },
      { type: 1, chapter: 1, categories: 1 },
    )
      .session(session)
      .lean<Cell>();
    if (!before || !mayShrinkCells(before, question)) return null;
    try {
      // As a retirement: the new version is in none of the cells checked (its type or chapter
      // differs; an import's categories only grow, import-match.ts).
      await inUse.assertStillFills({ questionId, afterVersion: null, verb: IMPORT_VERB }, session);
      return null;
    } catch (err) {
      if (err instanceof AppError && err.code === "bank_in_use") return err.message;
      throw err;
    }
  }

  return { inUse, refusalToPublish };
}
