import { defineStore } from "pinia";
import { computed, ref, shallowRef, watch } from "vue";
import type { Ack } from "@contracts/errors.js";
import type {
  AttemptClosedDto,
  AttemptStatus,
  AttemptTakenOverDto,
  CandidateAttemptDto,
  ClockDto,
  ClockEventDto,
  ProvisionalResultDto,
  SaveAckDto,
} from "@contracts/exams.js";
import type { CandidateQuestion } from "@contracts/paper.js";
import { AnswerJournal, type JournalDraft, type JournalEntry } from "@/shared/answer-journal.js";
import { emitWithAck, useSocket } from "@/shared/socket.js";
import { useAnswerSlots } from "./answer-slots.js";
import {
  anchorClock,
  newerAnchor,
  remainingMs,
  serverNow,
  showsNewer,
  type ClockAnchor,
} from "./exam-clock.js";
import { emitSave, fillMissingSeqs } from "./save-emit.js";
import { retriesSave, unsavedAnswerIndexes } from "./save-retry.js";
import { useSaveRetry } from "./use-save-retry.js";

export type { AnswerSlot, SaveState } from "./answer-slots.js";

const SUBMIT_TIMEOUT_MS = 20_000;
const CHECK_IN_POLL_MS = 3000;

/**
 * The candidate's attempt on this page: the paper, the answers with their save state, and the
 * server-anchored clock. Every change goes into the IndexedDB journal first and is sent with its
 * seq; an ack removes it. After every (re)connect the page resyncs the attempt, replays what the
 * journal still holds, and resyncs again, so the screen always ends up equal to the server plus
 * the candidate's newer, not yet acknowledged changes.
 */
export const useExamStore = defineStore("exam", () => {
  const attempt = shallowRef<CandidateAttemptDto | null>(null);
  const questions = shallowRef<CandidateQuestion[]>([]);
  const clock = shallowRef<ClockAnchor | null>(null);
  const now = ref(performance.now());
  const status = ref<AttemptStatus | null>(null);
  const result = shallowRef<ProvisionalResultDto | null>(null);
  const pauseReason = ref<string | null>(null);
  /** A newer page opened this attempt; the server disconnected this one and it answers no more. */
  const takenOver = ref(false);
  const loadError = ref<{ code: string; message: string } | null>(null);
  const loading = ref(false);
  const connected = ref(false);
  /** Unacknowledged journal entries (drives "n 条作答待同步"). */
  const pendingCount = ref(0);
  /** Why the server refuses this page's saves for good (their bound reached): shown until resolved. */
  const saveRefusal = ref<string | null>(null);
  const journalDurable = ref(true);
  /** Questions whose newest answer never reached the server before it closed the attempt. */
  const unsavedAtClose = ref<number[]>([]);
  const journalReady = ref(false);
  const { slots, answeredCount, flaggedCount, slot, saveState, applyServerAnswers, overlayPending } =
    useAnswerSlots(connected);

  let journal: AnswerJournal | null = null;
  let ticker: number | null = null;
  let started = false;
  let syncing: Promise<void> | null = null;
  let syncAgain = false;
  let retryTimer: number | null = null;
  /** The attempt's version whose status is shown (null: none yet); older messages do not change it. */
  let shownVersion: number | null = null;

  const remaining = computed(() => remainingMs(clock.value, now.value));
  const saveRetry = useSaveRetry({
    msToDeadline: () => remainingMs(clock.value, performance.now()),
    flush: flushPending,
  });
  const earliestSubmitInMs = computed(() => {
    const at = attempt.value?.earliestSubmitAt;
    if (!at || !clock.value) return 0;
    return Math.max(0, at - serverNow(clock.value, now.value));
  });
  function applyClock(c: ClockDto): void {
    clock.value = newerAnchor(clock.value, anchorClock(c, performance.now()));
  }

  /**
   * Takes the server's full state, keeping local changes the server has not acknowledged yet. Its
   * status and clock only when not older than what the page shows (a reply read before a resume
   * can arrive after the resume's clock event); the answers merge by seq whatever the order.
   */
  function applyAttempt(dto: CandidateAttemptDto): void {
    if (attempt.value?.attemptId !== dto.attemptId) {
      // Another attempt (the next candidate at this seat): its versions start afresh.
      shownVersion = null;
      clock.value = null;
    }
    attempt.value = dto;
    if (dto.questions) questions.value = dto.questions;
    clock.value = newerAnchor(clock.value, anchorClock(dto, performance.now()));
    if (showsNewer(shownVersion, dto.version)) {
      shownVersion = dto.version;
      status.value = dto.status;
      result.value = dto.result;
      if (!dto.paused) pauseReason.value = null;
    }
    applyServerAnswers(dto.answers);
  }

  function onAck(entry: JournalEntry, data: SaveAckDto): void {
    const s = slot(entry.index);
    if (entry.kind === "answer") s.savedSeq = Math.max(s.savedSeq, data.savedSeq);
    else s.flagSavedSeq = Math.max(s.flagSavedSeq, data.savedSeq);
    applyClock(data);
  }

  /** Sends one journalled save; it stays in the journal unless the server settled it. */
  async function send(entry: JournalEntry): Promise<Ack<SaveAckDto>> {
    if (!useSocket().connected) return { ok: false, error: { code: "offline", message: "网络已断开" } };
    const ack = await emitSave(entry);
    if (ack.ok) {
      saveRetry.succeeded();
      onAck(entry, ack.data);
      await journal?.acknowledge(entry.seq);
    } else if (ack.error.code === "validation_failed" || ack.error.code === "question_out_of_range") {
      // A save the server can never accept would block submit forever if replayed; drop it.
      await journal?.acknowledge(entry.seq);
    } else if (ack.error.code === "attempt_closed" || ack.error.code === "attempt_paused") {
      void resync();
    } else if (ack.error.code === "saves_exhausted") {
      // Kept in the journal (nothing is dropped): the proctor decides, and the page says why.
      saveRefusal.value = ack.error.message;
    } else if (ack.error.code === "seq_conflict") {
      await renumber(entry, ack.error.details);
    }
    // Only while the page runs: a save in flight failing after stop() would arm a timer nobody cancels.
    if (started && !ack.ok && retriesSave(ack.error.code)) saveRetry.failed();
    pendingCount.value = journal?.pending().length ?? 0;
    return ack;
  }

  /**
   * The server holds another save under this entry's seq (another page of the seat numbered its
   * own alike): shown as saved, the page's answer would not be the one graded. The change is
   * journalled again under a seq after the server's last (the refusal names it) and sent, unless a
   * newer change of the same question is journalled already (that one wins anyway); then the old
   * entry leaves the journal.
   */
  async function renumber(entry: JournalEntry, details: unknown): Promise<void> {
    if (!journal || journal.attemptId !== entry.attemptId) return;
    const lastSeq = (details as { lastSeq?: unknown } | undefined)?.lastSeq;
    if (typeof lastSeq === "number") await journal.catchUp(lastSeq);
    const superseded = journal
      .pending()
      .some((e) => e.kind === entry.kind && e.index === entry.index && e.seq > entry.seq);
    if (!superseded) {
      // On screen again too: a sync may have shown the other save, stored under the same seq.
      const s = slot(entry.index);
      if (entry.kind === "answer") s.choice = [...entry.choice];
      else s.flagged = entry.flagged;
      await record(
        entry.kind === "answer"
          ? { kind: "answer", index: entry.index, choice: entry.choice }
          : { kind: "flag", index: entry.index, flagged: entry.flagged },
      );
    }
    await journal.acknowledge(entry.seq);
  }

  async function record(draft: JournalDraft): Promise<void> {
    if (!journal) return;
    const entry = await journal.record(draft);
    const s = slot(draft.index);
    if (entry.kind === "answer") s.choiceSeq = entry.seq;
    else s.flagSeq = entry.seq;
    pendingCount.value = journal.pending().length;
    void send(entry);
  }

  /** Records an answer: on screen at once, in the journal before it is sent. */
  function answer(index: number, choice: string[]): void {
    if (!canAnswer.value) return;
    const s = slot(index);
    s.choice = [...choice];
    void record({ kind: "answer", index, choice });
  }

  function toggleFlag(index: number): void {
    if (!canAnswer.value) return;
    const s = slot(index);
    s.flagged = !s.flagged;
    void record({ kind: "flag", index, flagged: s.flagged });
  }

  const canAnswer = computed(
    () =>
      status.value === "in_progress" &&
      !takenOver.value &&
      !clock.value?.paused &&
      journalReady.value &&
      (remaining.value === null || remaining.value > 0),
  );

  /**
   * Replays every journalled save in seq order (sequentially, so the server sees them in order),
   * then fills the seqs the server misses that no journal holds (`fillMissingSeqs`).
   */
  async function replay(missing: number[]): Promise<void> {
    if (!journal) return;
    for (const entry of journal.pending()) {
      const ack = await send(entry);
      // A failure the timer retries (or the reconnect does) ends this pass: the rest would fail alike.
      if (!ack.ok && (ack.error.code === "offline" || retriesSave(ack.error.code))) return;
    }
    const a = attempt.value;
    if (a) await fillMissingSeqs(a, missing, new Set(journal.pending().map((e) => e.seq)));
  }

  /**
   * The retry timer's resend: after a running resync (which replays by itself), whatever the
   * journal still holds, while connected and the attempt takes saves (a pause replays on resume).
   */
  async function flushPending(): Promise<void> {
    if (syncing) await syncing;
    if (!journal || journal.pending().length === 0 || !useSocket().connected || takenOver.value) return;
    if (status.value !== "in_progress" || clock.value?.paused) return;
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
      unsavedAtClose.value = unsavedAnswerIndexes(journal.pending(), (i) => slot(i).savedSeq);
    saveRetry.cancel();
    pendingCount.value = 0;
    await journal.clear();
  }

  async function syncOnce(): Promise<void> {
    const first = await emitWithAck(
      "attempt:sync",
      attempt.value ? { attemptId: attempt.value.attemptId } : {},
      { timeoutMs: 15_000 },
    );
    if (!first.ok) {
      if (!attempt.value || first.error.code !== "ack_timeout") loadError.value = first.error;
      return;
    }
    loadError.value = null;
    if (!journal || journal.attemptId !== first.data.attemptId) {
      journal = await AnswerJournal.open(first.data.attemptId);
      // Another attempt (the next candidate at this seat): the last one's unsaved answers are not theirs.
      unsavedAtClose.value = [];
      journalDurable.value = journal.durable;
      journalReady.value = true;
    }
    await journal.catchUp(first.data.lastSeq);
    applyAttempt(first.data);
    // Re-apply local changes still in the journal over the server's older state.
    overlayPending(journal.pending(), true);
    if (first.data.status === "submitted" || first.data.status === "voided") {
      await settleClosed(first.data.status);
      return;
    }
    if (first.data.status !== "in_progress" && first.data.status !== "submitting") return;
    if (journal.pending().length === 0 && first.data.missingSeqs.length === 0) return;
    await replay(first.data.missingSeqs);
    const second = await emitWithAck(
      "attempt:sync",
      { attemptId: first.data.attemptId },
      { timeoutMs: 15_000 },
    );
    if (second.ok) {
      applyAttempt(second.data);
      overlayPending(journal.pending(), false);
    }
    pendingCount.value = journal.pending().length;
  }

  /** Full resync (after every connect, and when the server says the attempt moved on). */
  function resync(): Promise<void> {
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    loading.value = attempt.value === null;
    syncing = (async () => {
      try {
        do {
          syncAgain = false;
          await syncOnce();
        } while (syncAgain);
      } finally {
        syncing = null;
        loading.value = false;
      }
      // Check-in happens at the proctor's desk and sends nothing to this seat, so look again
      // shortly: the identity screen appears on its own once the proctor has checked the candidate in.
      if (started && loadError.value?.code === "attempt_not_found" && retryTimer === null) {
        retryTimer = window.setTimeout(() => {
          retryTimer = null;
          if (started) void resync();
        }, CHECK_IN_POLL_MS);
      }
    })();
    return syncing;
  }

  function onConnect(): void {
    connected.value = true;
    void resync();
  }
  function onDisconnect(): void {
    connected.value = false;
  }
  function onStarted(dto: CandidateAttemptDto): void {
    if (attempt.value && dto.attemptId !== attempt.value.attemptId) return;
    applyAttempt(dto);
  }
  function onClock(ev: ClockEventDto): void {
    if (attempt.value && ev.attemptId !== attempt.value.attemptId) return;
    clock.value = newerAnchor(clock.value, anchorClock(ev, performance.now()));
    if (!showsNewer(shownVersion, ev.version)) return;
    shownVersion = ev.version;
    status.value = ev.status;
    pauseReason.value = ev.paused ? (ev.reason ?? "监考员已暂停考试") : null;
    if (!ev.paused && journal && journal.pending().length > 0) void replay([]);
  }
  function onTakenOver(ev: AttemptTakenOverDto): void {
    if (!attempt.value || ev.attemptId === attempt.value.attemptId) takenOver.value = true;
  }
  function onClosed(ev: AttemptClosedDto): void {
    if (attempt.value && ev.attemptId !== attempt.value.attemptId) return;
    if (!showsNewer(shownVersion, ev.version)) return;
    shownVersion = ev.version;
    status.value = ev.status;
    result.value = ev.result;
    // The event carries the answers the server graded: the journal is settled against them at
    // once. A sync would not do: after a close at the deadline the candidate's login window is
    // over and the server refuses it (and closes the socket). Only a page that has no journal of
    // this attempt yet (still loading) asks.
    if (journal?.attemptId === ev.attemptId) {
      applyServerAnswers(ev.answers);
      void settleClosed(ev.status);
    } else void resync();
  }

  /** Starts listening to the socket and loads the attempt; idempotent. */
  function start(): void {
    if (started) return;
    started = true;
    const socket = useSocket();
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("attempt:started", onStarted);
    socket.on("attempt:clock", onClock);
    socket.on("attempt:closed", onClosed);
    socket.on("attempt:taken_over", onTakenOver);
    ticker = window.setInterval(() => {
      now.value = performance.now();
    }, 250);
    connected.value = socket.connected;
    if (socket.connected) void resync();
    else loading.value = true;
  }

  function stop(): void {
    if (!started) return;
    started = false;
    const socket = useSocket();
    socket.off("connect", onConnect);
    socket.off("disconnect", onDisconnect);
    socket.off("attempt:started", onStarted);
    socket.off("attempt:clock", onClock);
    socket.off("attempt:closed", onClosed);
    socket.off("attempt:taken_over", onTakenOver);
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
    if (retryTimer !== null) window.clearTimeout(retryTimer);
    retryTimer = null;
    saveRetry.cancel();
  }

  // Time up: send what is left at once, while the server's grace after the deadline still takes it.
  watch(
    () => remaining.value === 0 && !clock.value?.paused,
    (up) => {
      if (up && pendingCount.value > 0) saveRetry.now();
    },
  );

  /** checked_in → ready: the candidate confirmed the photo, name and ID shown. */
  async function confirmIdentity(): Promise<Ack<CandidateAttemptDto>> {
    const a = attempt.value;
    if (!a) return { ok: false, error: { code: "attempt_not_found", message: "未找到考试记录" } };
    const ack = await emitWithAck("attempt:confirm", { attemptId: a.attemptId });
    if (ack.ok) applyAttempt(ack.data);
    return ack;
  }

  /**
   * Hands in: first sends whatever the journal holds, then `attempt:submit` with the last seq so
   * the server grades only after every save arrived. `saves_pending` (the server still misses some
   * seqs) replays them and tries again.
   */
  async function submit(): Promise<Ack<CandidateAttemptDto>> {
    const a = attempt.value;
    if (!a || !journal) return { ok: false, error: { code: "attempt_not_found", message: "未找到考试记录" } };
    if (!useSocket().connected)
      return {
        ok: false,
        error: { code: "offline", message: "网络连接中断，恢复连接后才能交卷，已作答内容不会丢失" },
      };
    let last: Ack<CandidateAttemptDto> = {
      ok: false,
      error: { code: "saves_pending", message: "作答尚未全部保存" },
    };
    for (let round = 0; round < 3; round++) {
      await replay([]);
      last = await emitWithAck(
        "attempt:submit",
        { attemptId: a.attemptId, lastSeq: journal.lastSeq },
        { timeoutMs: SUBMIT_TIMEOUT_MS },
      );
      if (last.ok) {
        applyAttempt(last.data);
        await journal.clear();
        pendingCount.value = 0;
        return last;
      }
      if (last.error.code !== "saves_pending") return last;
      const details = last.error.details as { missing?: unknown } | undefined;
      const missing = Array.isArray(details?.missing)
        ? details.missing.filter((n): n is number => typeof n === "number")
        : [];
      await replay(missing);
    }
    return last;
  }

  return {
    attempt,
    questions,
    slots,
    clock,
    status,
    result,
    pauseReason,
    takenOver,
    loadError,
    loading,
    connected,
    pendingCount,
    saveRefusal,
    retrying: saveRetry.retrying,
    unsavedAtClose,
    journalDurable,
    remaining,
    earliestSubmitInMs,
    answeredCount,
    flaggedCount,
    canAnswer,
    slot,
    saveState,
    answer,
    toggleFlag,
    start,
    stop,
    resync,
    confirmIdentity,
    submit,
  };
});
