import { ref } from "vue";
import type { Ack } from "@contracts/errors.js";
import type { SaveAckDto } from "@contracts/exams.js";
import type { AnswerJournal, JournalDraft, JournalEntry } from "./answer-journal.js";
import type { AnswerSlot } from "./answer-slots.js";
import { retriesSave } from "./save-retry.js";

/**
 * Passes the hand-in gives saves numbered anew before it names its last seq: each pass answers
 * one renumbering, and only another page taking seq after seq of this page's needs a second.
 */
const SETTLE_PASSES = 5;

/** How saves reach the server (the socket on the page, a fake server in the tests). */
export interface SaveTransport {
  /** Whether a save sent now can reach the server; one sent offline waits for the reconnect's replay. */
  connected(): boolean;
  /** Sends one journalled save and resolves with its ack (never rejects: `ack_timeout` instead). */
  emit(entry: JournalEntry): Promise<Ack<SaveAckDto>>;
}

/** What the page does besides the journal and the slots when a save is answered. */
export interface SaveOutcomes {
  /** The server holds this save or a newer one of its question; the ack carries the clock. */
  stored(entry: JournalEntry, ack: SaveAckDto): void;
  /** The server refused the save; the journal already keeps or drops it as the code says. */
  refused(entry: JournalEntry, error: { code: string; message: string }): void;
  /**
   * The server keeps a later save of another page for this question than the one shown (acked
   * without applying): the page asks for the attempt again, or it showed its own answer as saved.
   */
  overtaken(entry: JournalEntry): void;
}

/**
 * The candidate's saves: every change is journalled with its seq before it is sent, and leaves
 * the journal only when the server settled it. A save the server refuses `seq_conflict` (another
 * page of the seat took its seq) is numbered anew after the server's last seq, unless a newer
 * change of the same question exists: that one wins anyway.
 */
export function useAnswerSaves(deps: {
  transport: SaveTransport;
  journal: () => AnswerJournal | null;
  slot: (index: number) => AnswerSlot;
  outcomes: SaveOutcomes;
}) {
  /** Unacknowledged journal entries (drives "n 条作答待同步"). */
  const pendingCount = ref(0);
  /** Sends that `change` started and nobody awaits, by seq: the hand-in waits for them. */
  const sending = new Map<number, Promise<Ack<SaveAckDto>>>();

  function countPending(): void {
    pendingCount.value = deps.journal()?.pending().length ?? 0;
  }

  /** Sends one journalled save; it stays in the journal unless the server settled it. */
  async function send(entry: JournalEntry): Promise<Ack<SaveAckDto>> {
    const journal = deps.journal();
    if (!deps.transport.connected()) return { ok: false, error: { code: "offline", message: "网络已断开" } };
    const ack = await deps.transport.emit(entry);
    if (ack.ok) {
      // The sheet may show another attempt by now (signed out meanwhile): its slots are not this one's.
      if (deps.journal()?.attemptId === entry.attemptId) {
        const s = deps.slot(entry.index);
        const shownSeq = entry.kind === "answer" ? s.choiceSeq : s.flagSeq;
        if (entry.kind === "answer") s.savedSeq = Math.max(s.savedSeq, ack.data.savedSeq);
        else s.flagSavedSeq = Math.max(s.flagSavedSeq, ack.data.savedSeq);
        // Stored under a later seq than any change this page shows: not this page's save.
        if (!ack.data.applied && ack.data.savedSeq > shownSeq) deps.outcomes.overtaken(entry);
      }
      deps.outcomes.stored(entry, ack.data);
      await journal?.acknowledge(entry.seq);
    } else {
      if (ack.error.code === "validation_failed" || ack.error.code === "question_out_of_range") {
        // A save the server can never accept would block submit forever if replayed; drop it.
        await journal?.acknowledge(entry.seq);
      } else if (ack.error.code === "seq_conflict") {
        await renumber(entry, ack.error.details);
      }
      deps.outcomes.refused(entry, ack.error);
    }
    countPending();
    return ack;
  }

  /**
   * The server holds another save under this entry's seq (another page of the seat numbered its
   * own alike): shown as saved, the page's answer would not be the one graded. The change is
   * numbered again after the server's last seq (the refusal names it), shown and sent, unless the
   * question already has a newer change (this page's, pending or stored, or one the server stored
   * under a later seq): that one is the answer, and sending the old one under a fresh seq would
   * store it over the newer. Decided and numbered in one step, with no wait in between: a change
   * made while waiting took its seq first, and the older answer then won.
   */
  async function renumber(entry: JournalEntry, details: unknown): Promise<void> {
    const journal = deps.journal();
    // Settled already: the same save was sent twice (a replay crossed it) and numbered anew once.
    if (!journal || journal.attemptId !== entry.attemptId || !journal.holds(entry.seq)) return;
    const lastSeq = (details as { lastSeq?: unknown } | undefined)?.lastSeq;
    const caughtUp = typeof lastSeq === "number" ? journal.catchUp(lastSeq) : Promise.resolve();
    const s = deps.slot(entry.index);
    const newer =
      (entry.kind === "answer" ? s.choiceSeq : s.flagSeq) > entry.seq ||
      journal.pending().some((e) => e.kind === entry.kind && e.index === entry.index && e.seq > entry.seq);
    // Journalled anew before the old entry leaves, so a reload in between still has the change.
    if (!newer) change(draftOf(entry));
    await Promise.all([caughtUp, journal.acknowledge(entry.seq)]);
  }

  /**
   * A change of the candidate's, or one numbered anew: on screen and numbered at once (so any later
   * change gets a later seq), sent once the journal holds it.
   */
  function change(draft: JournalDraft): void {
    const journal = deps.journal();
    if (!journal) return;
    const { entry, stored } = journal.record(draft);
    const s = deps.slot(entry.index);
    if (entry.kind === "answer") {
      s.choice = [...entry.choice];
      s.choiceSeq = entry.seq;
    } else {
      s.flagged = entry.flagged;
      s.flagSeq = entry.seq;
    }
    countPending();
    const sent = stored.then(() => send(entry));
    sending.set(entry.seq, sent);
    void sent.then(() => {
      if (sending.get(entry.seq) === sent) sending.delete(entry.seq);
    });
  }

  /**
   * Resends every journalled save in seq order, one at a time, so the server sees them in order.
   * False when a failure ended the pass (the rest would fail alike; the retry timer or the
   * reconnect sends them).
   */
  async function replayPending(): Promise<boolean> {
    const journal = deps.journal();
    if (!journal) return false;
    for (const entry of journal.pending()) {
      const ack = await send(entry);
      if (!ack.ok && (ack.error.code === "offline" || retriesSave(ack.error.code))) return false;
    }
    return true;
  }

  /**
   * What the hand-in waits for before it names its last seq: every journalled save answered, the
   * ones numbered anew meanwhile included. Renumbered after `attempt:submit` named its last seq,
   * a save refused `seq_conflict` during the hand-in came after the close it should have been in,
   * and was refused `attempt_closed`: the candidate's answer did not count. A save already on its
   * way is waited for, not sent twice. True when nothing is left; false when a save failed or was
   * refused in a way that keeps it (the server then waits for what it misses, or says so).
   */
  async function settlePending(): Promise<boolean> {
    const journal = deps.journal();
    if (!journal) return false;
    for (let pass = 0; pass < SETTLE_PASSES; pass++) {
      const pending = journal.pending();
      if (pending.length === 0) return true;
      for (const entry of pending) {
        if (!journal.holds(entry.seq)) continue;
        const ack = await (sending.get(entry.seq) ?? send(entry));
        if (!ack.ok && journal.holds(entry.seq)) return false;
      }
    }
    return journal.pending().length === 0;
  }

  return { pendingCount, countPending, send, change, replayPending, settlePending };
}

function draftOf(entry: JournalEntry): JournalDraft {
  return entry.kind === "answer"
    ? { kind: "answer", index: entry.index, choice: entry.choice }
    : { kind: "flag", index: entry.index, flagged: entry.flagged };
}
