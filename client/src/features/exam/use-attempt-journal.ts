import { computed, ref } from "vue";
import type { CandidateAttemptDto, SaveAckDto } from "@contracts/exams.js";
import { AnswerJournal, type JournalEntry } from "./answer-journal.js";
import { useAnswerSaves, type SaveTransport } from "./answer-saves.js";
import type { AnswerSlot } from "./answer-slots.js";
import { retriesSave, unsavedAnswerIndexes, type ShownFlag } from "./save-retry.js";
import { useSaveRetry } from "./use-save-retry.js";

/** What the attempt's journal needs of the page (the socket and the store in the app, fakes in tests). */
export interface AttemptJournalDeps {
  transport: SaveTransport;
  /** Sends fillers for seqs the server misses that no journal holds (`fillMissingSeqs`). */
  fillMissing: (
    attempt: CandidateAttemptDto,
    shown: readonly ShownFlag[],
    missing: readonly number[],
    held: ReadonlySet<number>,
  ) => Promise<void>;
  /** The attempt shown, as last read from the server. */
  attempt: () => CandidateAttemptDto | null;
  slots: ReadonlyMap<number, AnswerSlot>;
  slot: (index: number) => AnswerSlot;
  /** Milliseconds to the deadline now (null: none running), for the retry timer. */
  msToDeadline: () => number | null;
  /** Whether the journal's saves are due now: connected, this page's, the attempt taking saves. */
  resendDue: () => boolean;
  /** The resync running, if any: it replays by itself, so a timed resend waits for it first. */
  syncing: () => Promise<void> | null;
  /** Whether the page runs: a save failing after it stopped arms no timer nobody cancels. */
  running: () => boolean;
  /** What the page does besides the journal when a save is answered (the clock, a resync). */
  stored: (entry: JournalEntry, ack: SaveAckDto) => void;
  refused: (entry: JournalEntry, error: { code: string; message: string }) => void;
  overtaken: (entry: JournalEntry) => void;
  /**
   * The store the attempt's journal is opened over (`AnswerJournal.open`'s, IndexedDB when absent):
   * tests give one that refuses writes.
   */
  journalStore?: () => NonNullable<Parameters<typeof AnswerJournal.open>[1]>;
}

/**
 * The attempt's save journal on the page: the IndexedDB journal of the attempt shown, its saves
 * (`useAnswerSaves`), the timer that resends them, and what is named when the attempt closes
 * without some of them. Every resend (reconnect, unpause, timer, hand-in) goes through
 * `settlePending`, so a save on its way is never sent a second time.
 */
export function useAttemptJournal(deps: AttemptJournalDeps) {
  let journal: AnswerJournal | null = null;
  /** The journal being (or last) opened: `journal` becomes it once open (see `open`). */
  let opening: { attemptId: string; journal: Promise<AnswerJournal> } | null = null;
  /** A journal is open: the candidate may answer (each change needs its seq). */
  const ready = ref(false);
  /**
   * False when the journal holds an entry in memory only (no IndexedDB, or it refused a write): a
   * reload would lose it, so the page warns against leaving and stops saying it is kept locally.
   */
  const durable = ref(true);
  /** Questions whose newest answer never reached the server before it closed the attempt. */
  const unsavedAtClose = ref<number[]>([]);

  const retry = useSaveRetry({ msToDeadline: deps.msToDeadline, flush: flushPending });
  const saves = useAnswerSaves({
    transport: deps.transport,
    journal: () => journal,
    slot: deps.slot,
    outcomes: {
      stored(entry, ack) {
        retry.succeeded();
        deps.stored(entry, ack);
      },
      refused(entry, error) {
        deps.refused(entry, error);
        if (deps.running() && retriesSave(error.code)) retry.failed();
      },
      overtaken: (entry) => deps.overtaken(entry),
    },
  });
  const pendingCount = saves.pendingCount;

  /**
   * Questions whose newest journalled answer the server has not acknowledged, as the journal holds
   * them now: what a page that can no longer reach the server names as possibly not counted.
   */
  const unacknowledgedAnswers = computed(() => {
    // The journal is not reactive; its count is, and changes whenever an entry leaves or joins it.
    if (pendingCount.value === 0 || !journal) return [];
    return unsavedAnswerIndexes(journal.pending(), (i) => deps.slot(i).savedSeq);
  });

  /**
   * Opens the journal of the attempt the server names (another attempt: the next candidate at
   * this seat, whose unsaved answers are not the last one's), numbering after the server's last seq.
   */
  async function follow(attemptId: string, serverLastSeq: number): Promise<AnswerJournal> {
    const j = journal?.attemptId === attemptId ? journal : await open(attemptId);
    await j.catchUp(serverLastSeq);
    return j;
  }

  /**
   * Opens the journal of `attemptId` once, however many ask at the same time (a sync and a close
   * both opening it): a second copy opened over the same storage reset `unsavedAtClose` after the
   * first had named what the close left out, and kept entries the first had cleared.
   */
  function open(attemptId: string): Promise<AnswerJournal> {
    if (opening?.attemptId === attemptId) return opening.journal;
    const started: { attemptId: string; journal: Promise<AnswerJournal> } = {
      attemptId,
      journal: AnswerJournal.open(attemptId, deps.journalStore?.()).then((j) => {
        // Forgotten, or another attempt's opened meanwhile: this one is not the page's.
        if (opening !== started) return j;
        journal = j;
        unsavedAtClose.value = [];
        durable.value = j.durable;
        j.onDurabilityLost = () => {
          if (journal === j) durable.value = false;
        };
        ready.value = true;
        return j;
      }),
    };
    opening = started;
    return started.journal;
  }

  /**
   * Resends the journal (`settlePending`), then fills the seqs the server misses that no journal
   * holds (`fillMissing`), unless the connection or a server that may take them later stopped the
   * resend: the fillers would fail alike.
   */
  async function replay(missing: number[]): Promise<void> {
    if (!journal) return;
    const outcome = await saves.settlePending();
    if (!outcome.settled && (outcome.error.code === "offline" || retriesSave(outcome.error.code))) return;
    const a = deps.attempt();
    if (!a || !journal) return;
    // The flags as shown (the read merged with this page's changes): a filler restates them.
    const shown = [...deps.slots.entries()].map(([index, s]) => ({
      index,
      flagged: s.flagged,
      flagSeq: s.flagSeq,
    }));
    await deps.fillMissing(a, shown, missing, new Set(journal.pending().map((e) => e.seq)));
  }

  /** The retry timer's resend: after a running resync (which replays by itself), if still due. */
  async function flushPending(): Promise<void> {
    const syncing = deps.syncing();
    if (syncing) await syncing;
    if (!journal || journal.pending().length === 0 || !deps.resendDue()) return;
    await replay([]);
  }

  /**
   * The attempt is closed, and the slots hold what the server stored: the journalled answers it
   * closed without are named on the result page, never dropped silently (a voided attempt scores
   * nothing, so nothing is missing from it); then the journal is cleared.
   */
  async function settleClosed(closed: "submitted" | "voided"): Promise<void> {
    if (!journal) return;
    if (closed === "submitted" && journal.pending().length > 0)
      unsavedAtClose.value = unsavedAnswerIndexes(journal.pending(), (i) => deps.slot(i).savedSeq);
    retry.cancel();
    pendingCount.value = 0;
    await journal.clear();
  }

  /** Forgets the attempt's journal (another candidate signed in on this page). */
  function forget(): void {
    retry.cancel();
    journal = null;
    opening = null;
    ready.value = false;
    saves.countPending();
    unsavedAtClose.value = [];
  }

  return {
    ready,
    durable,
    unsavedAtClose,
    pendingCount,
    unacknowledgedAnswers,
    retrying: retry.retrying,
    saves,
    /** The journal open now (null before the first sync and after `forget`). */
    current: (): AnswerJournal | null => journal,
    /** Unacknowledged entries of the open journal, in seq order. */
    pending: (): JournalEntry[] => journal?.pending() ?? [],
    follow,
    replay,
    settleClosed,
    forget,
    /** Sends what is left now (time up), instead of at the retry timer's armed time. */
    resendNow: () => retry.now(),
    /** Disarms the retry timer (the page stops). */
    stopRetrying: () => retry.cancel(),
  };
}
