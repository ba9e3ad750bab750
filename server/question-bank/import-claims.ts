import type { ClientSession, Connection } from "mongoose";
import type { ImportReport } from "../contracts/question-import.js";
import { changeClaim, claimContents, heldIn, type ContentClaim } from "./content-claims.js";
import type { Write } from "./import-dry-run.js";
import type { ImportBankCheck } from "./import-in-use.js";

/** A question holding a content: a live version the batch looked up, or a dry run's planned item. */
interface Holder {
  questionId?: string;
  ref: string;
  categories: readonly string[];
}

/** An item a batch writes, as it claims its content (writeBatch): its report index and ref. */
export type BatchClaim = ContentClaim & { index: number; ref: string; create: boolean };

/** A dry run's item that would write its content (import-in-use.ts plannedContents). */
export interface PlannedContent {
  index: number;
  hash: string;
  ref: string;
  categories: string[];
}

/**
 * The question an item would become a second copy of in one of the categories it claims (a new
 * question's every category; an update's as `changeClaim` says): a live version of another
 * question the batch's lookup found with its content (the item's own versions are no copy), or in
 * a dry run an earlier item of the run, under another ref, that would have written it.
 */
export function copyHeld(
  claim: ContentClaim,
  ref: string,
  live: readonly Holder[] | undefined,
  planned: readonly Holder[] | undefined,
): Holder | undefined {
  if (!claim.categories.length) return undefined;
  return (
    heldIn(
      live?.filter((d) => d.questionId !== claim.questionId),
      claim.categories,
    ) ??
    heldIn(
      planned?.filter((d) => d.ref !== ref),
      claim.categories,
    )
  );
}

/** What an import's report says of an item that would be a second copy of `held` (question_exists). */
export function copyNote(held: { ref: string; categories: readonly string[] }, update: boolean): string {
  const same = `题库中已有同一道题（题干和选项相同）：编号「${held.ref}」（从业类别 ${held.categories.join("、")}）；`;
  return update
    ? same +
        "按本题修改后两题相同，会成为题库中的第二道题，本题未导入（要修改该题，请用其编号导入或在题库中编辑）"
    : same + "以新编号导入会成为题库中的第二道题，本题未导入（要修改该题，请用其编号导入或在题库中编辑）";
}

/** Skips a report item as a second copy of `held`. */
export function skipAsCopy(
  r: ImportReport["items"][number],
  held: { ref: string; categories: readonly string[] },
  update: boolean,
): void {
  r.outcome = "skipped";
  r.code = "question_exists";
  r.notes.push(copyNote(held, update));
}

/**
 * A dry run's items that the import would write, remembered for the run's later batches and files
 * once the batch's prediction stands (the import would find them stored); `refused`: the items the
 * prediction refused, which write nothing.
 */
export function rememberPlanned(
  bankCheck: ImportBankCheck,
  planned: readonly PlannedContent[],
  refused: ReadonlyMap<number, string>,
): void {
  for (const p of planned) {
    if (refused.has(p.index)) continue;
    bankCheck.plannedContents.set(p.hash, [...(bankCheck.plannedContents.get(p.hash) ?? []), p]);
  }
}

/**
 * The claims of a batch's writes: each new question's content in its categories, and each update's
 * as an examiner's edit claims (`changeClaim`: only a changed content or an added category).
 */
export function batchClaims(
  creates: readonly (ContentClaim & { index: number; ref: string })[],
  writes: readonly Write[],
): BatchClaim[] {
  const updates = writes.flatMap((w) =>
    w.kind === "create"
      ? []
      : [
          {
            index: w.index,
            ref: w.question.ref,
            create: false,
            ...changeClaim(w.current.questionId, w.current, w.question),
          },
        ],
  );
  return [
    ...creates.map((c) => ({
      index: c.index,
      ref: c.ref,
      create: true,
      questionId: c.questionId,
      contentHash: c.contentHash,
      categories: c.categories,
    })),
    ...updates.filter((u) => u.categories.length),
  ];
}

/**
 * Claims a batch's contents inside its transaction (content-claims.ts) and puts each item another
 * writer has made a copy of since the batch's lookup into `exists` (its report index and why), so
 * the batch writes nothing of it. Two writers of one content at once meet at its claim.
 */
export async function refuseCopies(
  conn: Connection,
  session: ClientSession,
  claims: readonly BatchClaim[],
  exists: Map<number, string>,
): Promise<void> {
  const held = await claimContents(conn, session, claims, { lookedUp: true });
  for (const [i, c] of claims.entries()) {
    const other = held[i];
    // Under a new item's own ref it is the same new question written by another import at once:
    // the ref's claim refuses that batch (ref_taken), as before content was claimed.
    if (!other || (c.create && other.ref === c.ref)) continue;
    exists.set(c.index, copyNote(other, !c.create));
  }
}

/** Reports the items a batch refused `code` (their report index and why) as skipped. */
export function markRefused(
  report: ImportReport,
  refused: Map<number, string>,
  code: "bank_in_use" | "question_exists" = "bank_in_use",
): void {
  for (const [index, message] of refused) {
    const r = report.items[index];
    if (!r) continue;
    r.outcome = "skipped";
    r.code = code;
    r.notes.push(message);
  }
}
