import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";
import type { Ack } from "@contracts/errors.js";
import type { HandshakeRefusalDto } from "@contracts/socket-events.js";
import type {
  AttemptClosedDto,
  AttemptTakenOverDto,
  CandidateAttemptDto,
  ClockEventDto,
} from "@contracts/exams.js";
import { useSessionStore } from "@/shared/session.store.js";
import { emitWithAck, useSocket, type AppClientSocket } from "@/shared/socket.js";
import { useAnswerSlots } from "./answer-slots.js";
import { syncPass } from "./attempt-sync.js";
import { useAttemptView } from "./attempt-view.js";
import { remainingMs, serverNow } from "./exam-clock.js";
import { emitSave, fillMissingSeqs } from "./save-emit.js";
import { HAND_IN_OFFLINE, handIn, type HandInResult } from "./hand-in.js";
import { useAttemptJournal } from "./use-attempt-journal.js";
import { useResyncLoop } from "./resync-loop.js";
import { onSaveRefused } from "./save-refusal.js";

export type { AnswerSlot, SaveState } from "./answer-slots.js";

const SUBMIT_TIMEOUT_MS = 20_000;
const CHECK_IN_POLL_MS = 3000;

/**
 * The candidate's attempt on this page: the paper, the answers with their save state, and the
 * server-anchored clock. Every change goes into the IndexedDB journal first and is sent with its
 * seq; an ack removes it (`useAttemptJournal`). After every (re)connect the page resyncs the
 * attempt, replays what the journal still holds, and resyncs again, so the screen always ends up
 * equal to the server plus the candidate's newer, not yet acknowledged changes.
 */
export const useExamStore = defineStore("exam", () => {
  const view = useAttemptView();
  const { attempt, questions, clock, status, result, review, pauseReason } = view;
  const now = ref(performance.now());
  /** A newer page opened this attempt; the server disconnected this one and it answers no more. */
  const takenOver = ref(false);
  /**
   * The server refused this page's connection (its handshake, or closed it after connecting): the
   * login is over, and socket.io does not try again. Past the deadline the server hands the
   * attempt in without this page (a candidate's login holds while it runs); unless the refusal
   * says how it closed, the page cannot confirm that it has.
   */
  const loginEnded = ref(false);
  const loadError = ref<{ code: string; message: string } | null>(null);
  const loading = ref(false);
  const connected = ref(false);
  /** Why the server refuses this page's saves for good (their bound reached): shown until resolved. */
  const saveRefusal = ref<string | null>(null);
  const {
    slots,
    answeredCount,
    flaggedCount,
    slot,
    saveState,
    applyServerAnswers,
    overlayPending,
    clear: clearSlots,
  } = useAnswerSlots(connected);

  let ticker: number | null = null;
  let started = false;
  let retryTimer: number | null = null;
  /** Who the shown attempt was loaded for (see `start`). */
  let loadedFor: string | null = null;
  /**
   * The socket `start` listens on. `stop` takes the listeners off that one: asking `useSocket()`
   * there after a sign-out (the page unmounts after the socket was closed) opened a new socket
   * without a session, refused, which the next candidate's page then waited on forever.
   */
  let listening: AppClientSocket | null = null;

  const remaining = computed(() => remainingMs(clock.value, now.value));
  /** The countdown reached zero (not paused): the server closes the attempt at the deadline and grace. */
  const timeUp = computed(() => remaining.value === 0 && !clock.value?.paused);
  // A refused save stays in the journal (nothing is dropped); see `onSaveRefused` for the rest.
  const refused = onSaveRefused({
    status: () => status.value,
    timeUp: () => timeUp.value,
    resync: () => void resync(),
    refusedForGood(message) {
      saveRefusal.value = message;
    },
  });
  const journal = useAttemptJournal({
    transport: { connected: () => useSocket().connected, emit: emitSave },
    fillMissing: fillMissingSeqs,
    attempt: () => attempt.value,
    slots,
    slot,
    msToDeadline: () => remainingMs(clock.value, performance.now()),
    // Connected, this page's, and the attempt takes saves (a pause replays on resume).
    resendDue: () =>
      useSocket().connected && !takenOver.value && status.value === "in_progress" && !clock.value?.paused,
    syncing: () => loop.syncing(),
    running: () => started,
    stored: (entry, ack) => view.applyAckClock(entry.attemptId, ack, performance.now()),
    refused: (_entry, error) => refused(error),
    overtaken: () => void resync(),
  });
  const { saves, pendingCount } = journal;
  const earliestSubmitInMs = computed(() => {
    const at = attempt.value?.earliestSubmitAt;
    if (!at || !clock.value) return 0;
    return Math.max(0, at - serverNow(clock.value, now.value));
  });

  /**
   * Takes the server's full state, keeping local changes the server has not acknowledged yet (see
   * `useAttemptView` for status and clock); the answers merge by seq whatever the order. Another
   * attempt starts on an empty sheet: the last one's answers, numbered higher, would otherwise
   * stay on screen over the new attempt's.
   */
  function applyAttempt(dto: CandidateAttemptDto): void {
    if (attempt.value && attempt.value.attemptId !== dto.attemptId) {
      clearSlots();
      saveRefusal.value = null;
    }
    view.applyAttempt(dto, performance.now());
    applyServerAnswers(dto.answers);
  }

  /** Records an answer: on screen at once, in the journal before it is sent. */
  function answer(index: number, choice: string[]): void {
    if (!canAnswer.value) return;
    saves.change({ kind: "answer", index, choice });
  }

  function toggleFlag(index: number): void {
    if (!canAnswer.value) return;
    saves.change({ kind: "flag", index, flagged: !slot(index).flagged });
  }

  const canAnswer = computed(
    () =>
      status.value === "in_progress" &&
      !takenOver.value &&
      !clock.value?.paused &&
      journal.ready.value &&
      (remaining.value === null || remaining.value > 0),
  );

  // One read–replay–read pass of the attempt (attempt-sync.ts), repeated by the resync loop.
  const syncOnce = syncPass({
    attempt: () => attempt.value,
    loadError,
    journal,
    applyAttempt,
    overlayPending,
  });

  const loop = useResyncLoop({
    syncOnce,
    running: () => started,
    sleep: (ms) => new Promise((resolve) => window.setTimeout(resolve, ms)),
    ended() {
      loading.value = false;
      // Check-in happens at the proctor's desk and sends nothing to this seat, so look again
      // shortly: the identity screen appears on its own once the proctor has checked the candidate in.
      if (started && loadError.value?.code === "attempt_not_found" && retryTimer === null) {
        retryTimer = window.setTimeout(() => {
          retryTimer = null;
          if (started) void resync();
        }, CHECK_IN_POLL_MS);
      }
    },
  });

  /** Full resync when the server says the attempt moved on: folded into the one under way, after its back-off. */
  function resync(): Promise<void> {
    return startResync(loop.resync);
  }
  /** Full resync cutting the back-off short: after every (re)connect, and the candidate's 重新检查 / 重试. */
  function resyncNow(): Promise<void> {
    return startResync(loop.reconnected);
  }
  function startResync(run: () => Promise<void>): Promise<void> {
    if (!loop.syncing()) loading.value = attempt.value === null;
    return run();
  }

  function onConnect(): void {
    connected.value = true;
    loginEnded.value = false;
    void resyncNow();
  }
  function onDisconnect(reason: string): void {
    connected.value = false;
    // The server closed it (a take-over says so first): socket.io does not reconnect by itself.
    if (reason === "io server disconnect" && !takenOver.value) loginEnded.value = true;
  }
  /**
   * A refused handshake leaves the socket inactive; a network failure keeps it trying. A page
   * refused because its sitting is over is told how the attempt closed (voided, or handed in with
   * its result): the refusal alone reads as handed in at the deadline.
   */
  function onConnectError(err: Error): void {
    const closed = (err as Error & { data?: HandshakeRefusalDto }).data?.closed;
    if (closed) onClosed(closed);
    if (listening && !listening.active) loginEnded.value = true;
  }
  function onStarted(dto: CandidateAttemptDto): void {
    if (view.concerns(dto.attemptId)) applyAttempt(dto);
  }
  function onClock(ev: ClockEventDto): void {
    if (!view.applyClockEvent(ev, performance.now())) return;
    if (!ev.paused && journal.pending().length > 0) void journal.replay([]);
  }
  function onTakenOver(ev: AttemptTakenOverDto): void {
    if (!attempt.value || ev.attemptId === attempt.value.attemptId) takenOver.value = true;
  }
  function onClosed(ev: AttemptClosedDto): void {
    if (!view.applyClosed(ev)) return;
    // The event carries the answers the server graded: the journal is settled against them at
    // once. A sync would not do: after a close at the deadline the candidate's login window is
    // over and the server refuses it (and closes the socket).
    if (journal.current()?.attemptId === ev.attemptId) {
      applyServerAnswers(ev.answers);
      void journal.settleClosed(ev.status);
    } else void settleUnread(ev);
  }
  /**
   * A close told to a page that has not read the attempt yet: loaded afresh while the server could
   * not be reached, and then refused, the sitting being over. The journal an earlier page of this
   * attempt left in the browser is opened and settled against the answers the close carries, so
   * what it kept that the server closed without is named, as on a page open all along; left
   * unopened, it was never named. A live connection then reads the rest of the attempt (the
   * paper, the seat); a refused one cannot ask.
   */
  async function settleUnread(ev: AttemptClosedDto): Promise<void> {
    await journal.follow(ev.attemptId, 0);
    applyServerAnswers(ev.answers);
    await journal.settleClosed(ev.status);
    if (listening?.connected) void resync();
  }

  /**
   * Forgets everything of the attempt shown: another candidate (or the same one for another
   * sitting) signed in on this page without a reload. Kept, the page asked the server for the last
   * attempt by id, was refused as reaching into another candidate's exam, and never showed the new one.
   */
  function forgetAttempt(): void {
    view.reset();
    clearSlots();
    journal.forget();
    takenOver.value = false;
    loginEnded.value = false;
    loadError.value = null;
    saveRefusal.value = null;
  }

  /** Starts listening to the socket and loads the attempt; idempotent. */
  function start(): void {
    if (started) return;
    started = true;
    // The store outlives a sign-out; what it shows belongs to one signed-in sitting.
    const user = useSessionStore().user;
    const signedIn = user ? `${user.id}|${user.candidate?.sessionId ?? ""}` : null;
    if (signedIn !== loadedFor) forgetAttempt();
    loadedFor = signedIn;
    const socket = useSocket();
    listening = socket;
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    socket.on("attempt:started", onStarted);
    socket.on("attempt:clock", onClock);
    socket.on("attempt:closed", onClosed);
    socket.on("attempt:taken_over", onTakenOver);
    ticker = window.setInterval(() => {
      now.value = performance.now();
    }, 250);
    connected.value = socket.connected;
    if (socket.connected) void resyncNow();
    else loading.value = true;
  }

  function stop(): void {
    if (!started) return;
    started = false;
    const socket = listening;
    listening = null;
    socket?.off("connect", onConnect);
    socket?.off("disconnect", onDisconnect);
    socket?.off("connect_error", onConnectError);
    socket?.off("attempt:started", onStarted);
    socket?.off("attempt:clock", onClock);
    socket?.off("attempt:closed", onClosed);
    socket?.off("attempt:taken_over", onTakenOver);
    if (ticker !== null) window.clearInterval(ticker);
    ticker = null;
    if (retryTimer !== null) window.clearTimeout(retryTimer);
    retryTimer = null;
    journal.stopRetrying();
  }

  // Time up: send what is left at once, while the server's grace after the deadline still takes it.
  watch(timeUp, (up) => {
    if (up && pendingCount.value > 0) journal.resendNow();
  });

  /** checked_in → ready: the candidate confirmed the photo, name and ID shown. */
  async function confirmIdentity(): Promise<Ack<CandidateAttemptDto>> {
    const a = attempt.value;
    if (!a) return { ok: false, error: { code: "attempt_not_found", message: "未找到考试记录" } };
    const ack = await emitWithAck("attempt:confirm", { attemptId: a.attemptId });
    if (ack.ok) applyAttempt(ack.data);
    return ack;
  }

  /**
   * Hands in (see `handIn`): the journal's saves first, then `attempt:submit` with the last seq so
   * the server grades only after every save arrived; `saves_pending` replays what it misses. A
   * refusal names the questions whose newest answer is not confirmed.
   */
  async function submit(): Promise<HandInResult<CandidateAttemptDto>> {
    const a = attempt.value;
    const j = journal.current();
    const notFound = { code: "attempt_not_found", message: "未找到考试记录" };
    if (!a || !j) return { ok: false, error: notFound, unconfirmed: [] };
    if (!useSocket().connected)
      return {
        ok: false,
        error: HAND_IN_OFFLINE,
        unconfirmed: journal.unacknowledgedAnswers.value,
      };
    const last = await handIn({
      lastSeq: () => j.lastSeq,
      saves,
      replayMissing: (missing) => journal.replay(missing),
      submit: (lastSeq) =>
        emitWithAck("attempt:submit", { attemptId: a.attemptId, lastSeq }, { timeoutMs: SUBMIT_TIMEOUT_MS }),
    });
    if (last.ok) {
      applyAttempt(last.data);
      // As at any close: a journalled answer the server closed without is named, not dropped (the
      // server's closing state decides, not `last.unconfirmed`: a save whose ack was lost arrived).
      await journal.settleClosed(last.data.status === "voided" ? "voided" : "submitted");
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
    review,
    closedCategoryCode: view.closedCategoryCode,
    pauseReason,
    takenOver,
    loginEnded,
    loadError,
    loading,
    connected,
    pendingCount,
    saveRefusal,
    retrying: journal.retrying,
    unsavedAtClose: journal.unsavedAtClose,
    journalDurable: journal.durable,
    remaining,
    timeUp,
    unacknowledgedAnswers: journal.unacknowledgedAnswers,
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
    resyncNow,
    confirmIdentity,
    submit,
  };
});
