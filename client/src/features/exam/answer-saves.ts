import { ref } from "vue";
import type { Ack } from "@contracts/errors.js";
import type { SaveAckDto } from "@contracts/exams.js";
import type { AnswerJournal, JournalDraft, JournalEntry } from "./answer-journal.js";
import type { AnswerSlot } from "./answer-slots.js";
import { unsavedAnswerIndexes } from "./save-retry.js";

/**
 * Passes a resend of the journal gives saves numbered anew (the hand-in's, before it names its last
 * seq): each pass answers one renumbering, and only another page taking seq after seq of this
 * page's needs a second.
 */
const SETTLE_PASSES = 5;

type SettleError = { code: string; message: string };

/**
 * What a resend of the journal left: nothing, or why it stopped and the questions whose newest
 * answer is therefore not confirmed (what the pages name as possibly not counted).
 */
export type SettleOutcome = { settled: true } | { settled: false; error: SettleError; unconfirmed: number[] };

const NO_JOURNAL: SettleError = { code: "attempt_not_found", message: "未找到考试记录" };
/** Every pass ended with a save numbered anew again: another page keeps taking this page's seqs. */
const STILL_RENUMBERED: SettleError = { code: "saves_pending", message: "作答尚未全部保存" };

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
  /**
   * Sends that `change` started and nobody awaits, by attempt and seq (a seq alone is also the
   * next attempt's): `settlePending` waits for them instead of sending them again.
   */
  const sending = new Map<string, Promise<Ack<SaveAckDto>>>();

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
      if (
        ack.error.code === "validation_failed" ||
        ack.error.code === "question_out_of_range" ||
        ack.error.code === "invalid_choice"
      ) {
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
    const key = sendingKey(entry);
    sending.set(key, sent);
    void sent.then(() => {
      if (sending.get(key) === sent) sending.delete(key);
    });
  }

  /**
   * The one resend of the journal (reconnect, unpause, retry timer, hand-in): every journalled
   * save not yet acknowledged is answered, in seq order, one at a time so the server sees them in
   * order, and the ones numbered anew meanwhile too. A save already on its way (a change's own
   * send) is waited for, never sent a second time. The passes take in saves numbered anew
   * meanwhile (`seq_conflict`): renumbered after `attempt:submit` named its last seq, such a save
   * came after the close it should have been in, refused `attempt_closed`. Stops at the first
   * save that failed or was refused in a way that keeps it (the rest would fail alike): the
   * outcome says why, and which questions' newest answers are therefore not confirmed.
   */
  async function settlePending(): Promise<SettleOutcome> {
    const journal = deps.journal();
    if (!journal) return { settled: false, error: NO_JOURNAL, unconfirmed: [] };
    for (let pass = 0; pass < SETTLE_PASSES; pass++) {
      const pending = journal.pending();
      if (pending.length === 0) return { settled: true };
      for (const entry of pending) {
        if (!journal.holds(entry.seq)) continue;
        const ack = await sendOnce(entry);
        if (!ack.ok && journal.holds(entry.seq)) return unsettled(journal, ack.error);
      }
    }
    return journal.pending().length === 0 ? { settled: true } : unsettled(journal, STILL_RENUMBERED);
  }

  /**
   * The entry's send already on its way, or a new one registered as on its way until it is
   * answered: two resends at once (an unpause's replay during a resync, time-up during a hand-in)
   * wait for one send instead of each sending it.
   */
  function sendOnce(entry: JournalEntry): Promise<Ack<SaveAckDto>> {
    const key = sendingKey(entry);
    const inFlight = sending.get(key);
    if (inFlight) return inFlight;
    const sent = send(entry);
    sending.set(key, sent);
    void sent.then(() => {
      if (sending.get(key) === sent) sending.delete(key);
    });
    return sent;
  }

  /** The questions whose newest journalled answer the server has not acknowledged (flags do not score). */
  function unsettled(journal: AnswerJournal, error: SettleError): SettleOutcome {
    const unconfirmed = unsavedAnswerIndexes(journal.pending(), (i) => deps.slot(i).savedSeq);
    return { settled: false, error, unconfirmed };
  }

  return { pendingCount, countPending, send, change, settlePending };
}

function sendingKey(entry: JournalEntry): string {
  return `${entry.attemptId}|${entry.seq}`;
}

function draftOf(entry: JournalEntry): JournalDraft {
  return entry.kind === "answer"
    ? { kind: "answer", index: entry.index, choice: entry.choice }
    : { kind: "flag", index: entry.index, flagged: entry.flagged };
}
