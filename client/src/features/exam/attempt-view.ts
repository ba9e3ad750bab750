import { ref, shallowRef } from "vue";
import type {
  AttemptClosedDto,
  AttemptStatus,
  CandidateAttemptDto,
  ClockDto,
  ClockEventDto,
  ProvisionalResultDto,
} from "@contracts/exams.js";
import type { CandidateQuestion } from "@contracts/paper.js";
import { anchorClock, newerAnchor, showsNewer, type ClockAnchor } from "./exam-clock.js";

/**
 * The attempt as the page shows it: the paper, the status and the server-anchored clock. Messages
 * cross, so each carries the attempt's version it was read at and an older one changes nothing
 * (`newerAnchor`, `showsNewer`). Versions count per attempt: when the page moves on to another
 * attempt (the next candidate at the seat, or the next sitting after signing in again) they start
 * afresh, or the new attempt's clock and status would be ignored as older than the last one's.
 * `at` is `performance.now()` when the message arrived.
 */
export function useAttemptView() {
  const attempt = shallowRef<CandidateAttemptDto | null>(null);
  const questions = shallowRef<CandidateQuestion[]>([]);
  const clock = shallowRef<ClockAnchor | null>(null);
  const status = ref<AttemptStatus | null>(null);
  const result = shallowRef<ProvisionalResultDto | null>(null);
  /** Closed without a score for the exam office to review: no result will come to wait for. */
  const review = ref<"paper_changed" | null>(null);
  /** The category a close told: a page refused before it read the attempt knows it from nothing else. */
  const closedCategoryCode = ref<string | null>(null);
  const pauseReason = ref<string | null>(null);
  /** The attempt's version whose status is shown (null: none yet); older messages do not change it. */
  let shownVersion: number | null = null;

  /** Whether a message about `attemptId` concerns the attempt shown (any does before one is). */
  function concerns(attemptId: string): boolean {
    return !attempt.value || attempt.value.attemptId === attemptId;
  }

  /** Forgets the attempt shown (another candidate signed in on this page). */
  function reset(): void {
    attempt.value = null;
    questions.value = [];
    clock.value = null;
    status.value = null;
    result.value = null;
    review.value = null;
    closedCategoryCode.value = null;
    pauseReason.value = null;
    shownVersion = null;
  }

  /**
   * Takes the server's full state (a sync, a confirm, a hand-in, `attempt:started`): its status
   * and clock only when not older than what the page shows (a reply read before a resume can
   * arrive after the resume's clock event). Another attempt replaces the shown one whatever its
   * versions.
   */
  function applyAttempt(dto: CandidateAttemptDto, at: number): void {
    if (attempt.value?.attemptId !== dto.attemptId) reset();
    attempt.value = dto;
    if (dto.questions) questions.value = dto.questions;
    clock.value = newerAnchor(clock.value, anchorClock(dto, at));
    if (showsNewer(shownVersion, dto.version)) {
      shownVersion = dto.version;
      status.value = dto.status;
      result.value = dto.result;
      review.value = dto.review ?? null;
      if (!dto.paused) pauseReason.value = null;
    }
  }

  /** The clock an ack of a save of `attemptId` carries: only the shown attempt's moves the countdown. */
  function applyAckClock(attemptId: string, c: ClockDto, at: number): void {
    if (attempt.value?.attemptId !== attemptId) return;
    clock.value = newerAnchor(clock.value, anchorClock(c, at));
  }

  /** `attempt:clock` (pause, resume, extension); true when its status is now shown. */
  function applyClockEvent(ev: ClockEventDto, at: number): boolean {
    if (!concerns(ev.attemptId)) return false;
    clock.value = newerAnchor(clock.value, anchorClock(ev, at));
    if (!showsNewer(shownVersion, ev.version)) return false;
    shownVersion = ev.version;
    status.value = ev.status;
    pauseReason.value = ev.paused ? (ev.reason ?? "监考员已暂停考试") : null;
    return true;
  }

  /** `attempt:closed`; true when the close is now shown (not another attempt's, not older). */
  function applyClosed(ev: AttemptClosedDto): boolean {
    if (!concerns(ev.attemptId) || !showsNewer(shownVersion, ev.version)) return false;
    shownVersion = ev.version;
    status.value = ev.status;
    result.value = ev.result;
    review.value = ev.review ?? null;
    closedCategoryCode.value = ev.categoryCode;
    return true;
  }

  return {
    attempt,
    questions,
    clock,
    status,
    result,
    review,
    closedCategoryCode,
    pauseReason,
    concerns,
    reset,
    applyAttempt,
    applyAckClock,
    applyClockEvent,
    applyClosed,
  };
}
