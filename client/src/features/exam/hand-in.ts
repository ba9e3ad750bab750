import type { Ack } from "@contracts/errors.js";
import type { useAnswerSaves } from "./answer-saves.js";

/** Rounds of "send what is left, then hand in" before the page shows the server's refusal. */
export const HAND_IN_ROUNDS = 3;

/** What the hand-in needs of the page: its journal's saves and the socket's `attempt:submit`. */
export interface HandInDeps<T> {
  /** Highest seq handed out (the journal's `lastSeq`), read when `attempt:submit` is sent. */
  lastSeq(): number;
  /** The page's saves: the journal is settled before `attempt:submit` names its last seq. */
  saves: Pick<ReturnType<typeof useAnswerSaves>, "settlePending">;
  /** Sends again the seqs the server says it misses (journal entries, then fillers). */
  replayMissing(missing: number[]): Promise<void>;
  /** `attempt:submit` with the last seq the page numbered. */
  submit(lastSeq: number): Promise<Ack<T>>;
}

/**
 * A hand-in's answer, with the questions whose newest answer the page could not get confirmed
 * before it named its last seq (empty when every save was acknowledged). The server stays the
 * judge of what counts: once it closed the attempt, the page names what its closing state lacks.
 */
export type HandInResult<T> = Ack<T> & { unconfirmed: number[] };

/** Why the page hands nothing in while its socket is down (the dialog says so before, too). */
export const HAND_IN_OFFLINE = {
  code: "offline",
  // Says nothing of where the answers wait: the journal may hold them in memory only (the dialog
  // says which, from the journal's durable flag).
  message: "网络连接中断，恢复连接后才能交卷。未保存的作答将在恢复连接后自动保存",
};

/**
 * 交卷: settles what the journal holds (`settlePending`: saves numbered anew meanwhile included),
 * then `attempt:submit` with the last seq, so the server grades only once every save up to it
 * arrived. `saves_pending` (the server still misses seqs) sends those and tries again, at most
 * `HAND_IN_ROUNDS` times. A save the page could not confirm is not taken as delivered: the result
 * names its question, and when the connection is gone no `attempt:submit` is sent at all (it
 * would wait in socket.io's buffer until its timeout, for the candidate a hand-in hanging for
 * 20 s; the dialog already says hand-in needs the connection).
 */
export async function handIn<T>(deps: HandInDeps<T>): Promise<HandInResult<T>> {
  let last: Ack<T> = { ok: false, error: { code: "saves_pending", message: "作答尚未全部保存" } };
  let unconfirmed: number[] = [];
  for (let round = 0; round < HAND_IN_ROUNDS; round++) {
    // Settled first, the renumbered saves included: the last seq is read after them.
    const settled = await deps.saves.settlePending();
    unconfirmed = settled.settled ? [] : settled.unconfirmed;
    if (!settled.settled && settled.error.code === "offline")
      return { ok: false, error: HAND_IN_OFFLINE, unconfirmed };
    last = await deps.submit(deps.lastSeq());
    if (last.ok || last.error.code !== "saves_pending") return { ...last, unconfirmed };
    await deps.replayMissing(missingOf(last.error.details));
  }
  return { ...last, unconfirmed };
}

/** The seqs a `saves_pending` refusal names (bounded by the server: at most 1,000). */
function missingOf(details: unknown): number[] {
  const missing = (details as { missing?: unknown } | undefined)?.missing;
  return Array.isArray(missing)
    ? missing.filter((n): n is number => Number.isInteger(n) && n > 0).slice(0, 1000)
    : [];
}
