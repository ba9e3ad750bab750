import type { Ack } from "@contracts/errors.js";
import type { CandidateAttemptDto, SaveAckDto } from "@contracts/exams.js";
import type { JournalEntry } from "./answer-journal.js";
import { emitWithAck } from "@/shared/socket.js";
import { missingSeqFiller, type ShownFlag } from "./save-retry.js";

/** How long a save waits for its ack before it counts as failed (and is retried). */
export const SAVE_TIMEOUT_MS = 8000;

type Choice = ("A" | "B" | "C" | "D" | "T" | "F")[];

/** Emits one journalled save as `attempt:answer` / `attempt:flag` with its seq. */
export function emitSave(entry: JournalEntry): Promise<Ack<SaveAckDto>> {
  const { attemptId, seq, index } = entry;
  return entry.kind === "answer"
    ? emitWithAck(
        "attempt:answer",
        { attemptId, seq, index, choice: entry.choice as Choice },
        { timeoutMs: SAVE_TIMEOUT_MS },
      )
    : emitWithAck(
        "attempt:flag",
        { attemptId, seq, index, flagged: entry.flagged },
        { timeoutMs: SAVE_TIMEOUT_MS },
      );
}

/**
 * Fills seqs the server misses but no journal holds (another browser on this seat sent them and
 * died) with harmless repeats of what the server stores under later seqs, or of the flags as the
 * page shows them (`missingSeqFiller`), so submit cannot wait on them forever. Stops at the first
 * unanswered one.
 */
export async function fillMissingSeqs(
  a: CandidateAttemptDto,
  shown: readonly ShownFlag[],
  missing: readonly number[],
  held: ReadonlySet<number>,
): Promise<void> {
  for (const seq of missing) {
    if (held.has(seq)) continue;
    const ack = await emitSave({ ...missingSeqFiller(a.answers, shown, seq), attemptId: a.attemptId, at: 0 });
    if (!ack.ok && ack.error.code === "ack_timeout") return;
  }
}
