import type { ClientSession, Connection } from "mongoose";
import { errors } from "../lib/errors.js";
import { LIVE_STATUSES, questionContentHash } from "./content-hash.js";
import { questionContentClaimModel, questionVersionModel } from "./question.model.js";

/** A question about to hold `contentHash` in `categories` (its version being written). */
export interface ContentClaim {
  questionId: string;
  contentHash: string;
  categories: readonly string[];
}

type Hashed = Parameters<typeof questionContentHash>[0] & { categories: readonly string[] };

/**
 * The claim of a change to a stored question (an examiner's edit, an import's update), from its
 * latest version `current` to `next`. Only what the change adds can make it another question's
 * copy: its content, or a category it adds. A copy stored before the check existed stays editable
 * in what it has (e.g. to tell the two apart), and content equal to one of the question's own
 * versions is no copy (claimContents leaves the question's own versions out).
 */
export function changeClaim(questionId: string, current: Hashed, next: Hashed): ContentClaim {
  const contentHash = questionContentHash(next);
  return {
    questionId,
    contentHash,
    categories:
      contentHash === questionContentHash(current)
        ? next.categories.filter((c) => !current.categories.includes(c))
        : next.categories,
  };
}

/** The live question that already holds a claim's content in one of its categories. */
export interface HeldBy {
  questionId: string;
  ref: string;
  categories: string[];
}

/**
 * A live question with the content serving one of `categories`: a copy for their candidates.
 * (A question of other categories only is another category's question, see import-existing tests.)
 */
export function heldIn<T extends { categories: readonly string[] }>(
  held: readonly T[] | undefined,
  categories: readonly string[],
): T | undefined {
  return held?.find((d) => d.categories.some((c) => categories.includes(c)));
}

/**
 * Claims each content in each of its categories inside the caller's transaction, then reads which
 * other live question holds it there; returns, per claim, that question or null. A check read
 * before the transaction (the import's lookup, an editor's form) lets two writers that both read
 * "free" each add a copy: here every writer of a content into a category writes the same claim
 * document (`question_content_claims`, `$inc`, so even an existing one is written), so two at
 * once meet as a write conflict, as `claimRefs` does for refs. The transaction that commits
 * first wins; the other's write conflicts with it (it changed after that one's snapshot, or is
 * still open), the driver retries that one, and its read on the fresh snapshot finds the winner's
 * question. Versions stored before claims existed have none and are found by the same read.
 *
 * `lookedUp`: the caller read the live versions with these contents before its transaction (the
 * import's lookup) and acts only on what that read did not find. A question committed since was
 * written by a claiming writer, whose claim this one then found in place; a content whose claims
 * were all created just now has had no writer since, so its read is left out (a batch of new
 * questions costs the claims' one round trip).
 *
 * Claims are never released, on purpose. A question retired, or whose content changes, leaves its
 * claims behind, and that is harmless: the answer is read from the live versions (a retired or
 * superseded version holds nothing), a stale claim only costs a later writer of that content the
 * read it would skip (`lookedUp`), and one small document per content and category ever written
 * grows as the versions collection does (versions are never deleted either). Releasing one would
 * not be simple: a question's content stays held by its published version while a draft changes
 * it, and by another question holding it in the category (copies stored before claims existed),
 * so the releasing transaction would have to read every live holder first; and its delete must
 * meet a writer claiming the content at once, or that writer, finding its claim created fresh,
 * would skip the read that finds a question committed since its lookup (`lookedUp`).
 */
export async function claimContents(
  conn: Connection,
  session: ClientSession,
  claims: readonly ContentClaim[],
  options: { lookedUp?: boolean } = {},
): Promise<(HeldBy | null)[]> {
  if (!claims.length) return [];
  const keyOf = (category: string, hash: string) => `${category}:${hash}`;
  const keys = [...new Set(claims.flatMap((c) => c.categories.map((cat) => keyOf(cat, c.contentHash))))];
  const at = new Date();
  const result = await questionContentClaimModel(conn).bulkWrite(
    keys.map((_id) => ({
      updateOne: { filter: { _id }, update: { $inc: { writes: 1 }, $set: { at } }, upsert: true },
    })),
    { session, ordered: false },
  );
  const inserted = new Set(Object.keys(result.upsertedIds).map((i) => keys[Number(i)]));
  const toRead = options.lookedUp
    ? claims.filter((c) => c.categories.some((cat) => !inserted.has(keyOf(cat, c.contentHash))))
    : claims;
  if (!toRead.length) return claims.map(() => null);
  const hashes = [...new Set(toRead.map((c) => c.contentHash))];
  const live = await questionVersionModel(conn)
    .find(
      { contentHash: { $in: hashes }, status: { $in: [...LIVE_STATUSES] } },
      { questionId: 1, ref: 1, categories: 1, contentHash: 1 },
    )
    .session(session)
    .batchSize(100_000)
    .lean<(HeldBy & { contentHash: string })[]>();
  return claims.map((c) => {
    const others = live.filter((d) => d.contentHash === c.contentHash && d.questionId !== c.questionId);
    const held = heldIn(others, c.categories);
    return held ? { questionId: held.questionId, ref: held.ref, categories: held.categories } : null;
  });
}

/**
 * For the editor: refuses `question_exists` (naming the other question's ref) when the version
 * being written would be a second copy of another live question in one of its categories. The
 * question's own versions are never another copy (editing back to an earlier version is fine).
 */
export async function assertNoOtherCopy(
  conn: Connection,
  session: ClientSession,
  claim: ContentClaim,
): Promise<void> {
  if (!claim.categories.length) return;
  const [held] = await claimContents(conn, session, [claim]);
  if (!held) return;
  throw errors.conflict(
    "question_exists",
    `题库中已有同一道题（题干和选项相同）：编号「${held.ref}」（从业类别 ${held.categories.join("、")}），` +
      "未保存；请修改该题，不要在题库中重复录入",
    { ref: held.ref },
  );
}
