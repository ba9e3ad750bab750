import type { Ref } from "vue";
import type { CandidateAttemptDto } from "@contracts/exams.js";
import { emitWithAck } from "@/shared/socket.js";
import type { JournalEntry } from "./answer-journal.js";
import type { useAttemptJournal } from "./use-attempt-journal.js";

/** What one sync pass needs of the exam store (`useExamStore`). */
interface SyncPassDeps {
  /** The attempt shown, as last read from the server (null before the first read). */
  attempt: () => CandidateAttemptDto | null;
  /** Why the attempt could not be read: set by a failed read, cleared by one that succeeds. */
  loadError: Ref<{ code: string; message: string } | null>;
  journal: Pick<ReturnType<typeof useAttemptJournal>, "follow" | "replay" | "settleClosed" | "saves">;
  /** Takes the server's full state (the store's `applyAttempt`). */
  applyAttempt: (dto: CandidateAttemptDto) => void;
  /** Shows the journal's unacknowledged changes over the server's state (`useAnswerSlots`). */
  overlayPending: (pending: readonly JournalEntry[], takeSeq: boolean) => void;
}

/**
 * One sync pass of the candidate's attempt, the step the resync loop (`useResyncLoop`) repeats:
 * read the attempt, follow its journal, replay what the journal still holds (and the seqs the
 * server misses), then read it again, so the screen ends up equal to the server plus the
 * candidate's newer, not yet acknowledged changes. Kept apart from the store, which only wires it
 * to the page's state: the protocol is the store's longest step and needs nothing else of it.
 */
export function syncPass(deps: SyncPassDeps): () => Promise<void> {
  const { journal, loadError, applyAttempt, overlayPending } = deps;
  return async function syncOnce(): Promise<void> {
    const shown = deps.attempt();
    const first = await emitWithAck("attempt:sync", shown ? { attemptId: shown.attemptId } : {}, {
      timeoutMs: 15_000,
    });
    if (!first.ok) {
      if (!deps.attempt() || first.error.code !== "ack_timeout") loadError.value = first.error;
      return;
    }
    loadError.value = null;
    const j = await journal.follow(first.data.attemptId, first.data.lastSeq);
    applyAttempt(first.data);
    // Re-apply local changes still in the journal over the server's older state.
    overlayPending(j.pending(), true);
    if (first.data.status === "submitted" || first.data.status === "voided") {
      await journal.settleClosed(first.data.status);
      return;
    }
    if (first.data.status !== "in_progress" && first.data.status !== "submitting") return;
    if (j.pending().length === 0 && first.data.missingSeqs.length === 0) return;
    await journal.replay(first.data.missingSeqs);
    const second = await emitWithAck(
      "attempt:sync",
      { attemptId: first.data.attemptId },
      { timeoutMs: 15_000 },
    );
    if (second.ok) {
      applyAttempt(second.data);
      overlayPending(j.pending(), false);
    }
    journal.saves.countPending();
  };
}
