import type { SavedAnswerDto } from "@contracts/exams.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { backoffMs } from "../../shared/backoff.js";

/**
 * Codes after which the page does not resend on its timer: the server refused the save for good
 * (`validation_failed`, `question_out_of_range`: dropped; `saves_exhausted`: the proctor decides),
 * or another path resends it (`attempt_closed` / `attempt_paused`: the resync, or the push a held
 * attempt waits for, see `onSaveRefused`; `offline`: the reconnect; `seq_conflict`: numbered anew
 * and sent at once). Anything else (`ack_timeout`, `internal_error`, a code this page does not
 * know) is a server that may accept it next time.
 */
const NOT_RETRIED = new Set([
  "validation_failed",
  "question_out_of_range",
  "invalid_choice",
  "saves_exhausted",
  "attempt_closed",
  "attempt_paused",
  "offline",
  "seq_conflict",
]);

/** Whether a save refused with `code` stays due for a timed retry while the socket is connected. */
export function retriesSave(code: string): boolean {
  return !NOT_RETRIED.has(code);
}

/**
 * Delay before the `failures`-th retry (1-based) of the journal's unacknowledged saves: 1 s, 2 s,
 * 4 s … capped at 15 s. Never later than the deadline (`msToDeadline`, null when there is none):
 * what is left must reach the server inside its grace after the deadline. Past the deadline the
 * backoff holds too: a whole room reaches its deadline at once, and during a database outage the
 * server cannot close the attempts either, so retrying every second would flood it.
 */
export function saveRetryDelayMs(failures: number, msToDeadline: number | null): number {
  const backoff = backoffMs(failures);
  if (msToDeadline !== null && msToDeadline > 0) return Math.min(backoff, msToDeadline);
  return backoff;
}

/**
 * The questions whose newest journalled answer the server never stored (`savedSeqOf` = the seq
 * the server holds for a question's answer), in question order. Flags do not count: they do not
 * score. Read once the attempt is closed, before the journal is cleared, so the page can say
 * which answers did not count instead of dropping them silently.
 */
export function unsavedAnswerIndexes(
  pending: readonly { kind: "answer" | "flag"; seq: number; index: number }[],
  savedSeqOf: (index: number) => number,
): number[] {
  const lost = new Set<number>();
  for (const e of pending) if (e.kind === "answer" && e.seq > savedSeqOf(e.index)) lost.add(e.index);
  return [...lost].sort((a, b) => a - b);
}

/** A save that fills a seq the server misses: sent as `attempt:answer` or `attempt:flag`. */
export type Filler =
  | { kind: "answer"; seq: number; index: number; choice: string[] }
  | { kind: "flag"; seq: number; index: number; flagged: boolean };

/** A question's review flag (标记) as the page shows it: the newest state it knows, and its seq. */
export interface ShownFlag {
  index: number;
  flagged: boolean;
  /** Seq of that state: the server's, or the page's own change (acknowledged or still pending). */
  flagSeq: number;
}

/**
 * The filler of `seq`, a seq the server misses that no journal holds: a repeat of an answer the
 * server stores under a later seq (`stored`, the page's last read), so it is acknowledged and never
 * applied (stored seqs only grow, so an older read still tells). A repeat of an answer stored
 * under an older seq could be applied: sent under `seq`, it went over the candidate's newer answer
 * whenever the later seqs were flags, or were this page's saves stored after the read.
 *
 * Otherwise the filler is a flag, which never changes an answer (flags do not score) but may be
 * applied: it restates the newest flag state the page knows (`shown`, the read merged with the
 * page's own changes by seq) of the question changed last. Taken from the read alone, a flag the
 * candidate set after the read went back to the read's state under `seq` (标记 flipped back)
 * whenever no flag was stored above `seq`. Above `seq`, the restatement is a repeat, never applied.
 */
export function missingSeqFiller(
  stored: readonly SavedAnswerDto[],
  shown: readonly ShownFlag[],
  seq: number,
): Filler {
  const answer = stored.find((x) => x.seq > seq);
  if (answer) return { kind: "answer", seq, index: answer.index, choice: answer.choice };
  const newest = new Map<number, ShownFlag>();
  for (const x of [...stored, ...shown]) {
    const known = newest.get(x.index);
    if (!known || x.flagSeq >= known.flagSeq)
      newest.set(x.index, { index: x.index, flagged: x.flagged, flagSeq: x.flagSeq });
  }
  let last: ShownFlag | undefined;
  for (const f of newest.values())
    if (!last || f.flagSeq > last.flagSeq || (f.flagSeq === last.flagSeq && f.index < last.index)) last = f;
  return { kind: "flag", seq, index: last?.index ?? 0, flagged: last?.flagged ?? false };
}
