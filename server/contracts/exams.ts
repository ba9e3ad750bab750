import { z } from "zod";
import { CandidateQuestion } from "./paper.js";
import type { SessionStatus } from "./scheduling.js";

export * from "./proctoring.js";

/**
 * Timed exam delivery (考试) and proctoring (监考): what the candidate exam page and the proctor
 * console exchange with the server. Socket payload schemas live here (the server validates every
 * client event with them; the proctor console's are in `proctoring.ts`, re-exported here); the
 * event maps themselves are in `socket-events.ts`.
 *
 * Clock rule: the server owns the clock. Every ack and every clock event carries `serverTime` and
 * `deadline` (epoch ms); the client shows `deadline - (serverTime + elapsed since the ack)` and never
 * trusts a local timer alone. While an attempt is paused its remaining time is frozen at
 * `remainingMs` and `deadline` is moved on resume.
 *
 * Save rule: each answer or flag carries a per-attempt sequence number `seq` (1, 2, 3, … with no
 * gaps, kept in the client's journal). A repeated seq is acknowledged again and not re-applied; a
 * seq older than the one stored for the same question never overwrites it. The stored seq arriving
 * with another answer or flag than the one stored is no repeat (two pages numbered different saves
 * alike): it is refused `seq_conflict` with `details.lastSeq`, and the client numbers that save
 * anew after it. `attempt:submit` carries the last seq the client sent and the server waits until
 * it has every seq up to it.
 */

const Id = z.string().min(1).max(64);
const Seq = z.number().int().min(1).max(1_000_000);
/** Displayed option letters (A–D) or T/F for true/false; an empty array clears the answer. */
const Choice = z.array(z.enum(["A", "B", "C", "D", "T", "F"])).max(4);

/** Lifecycle of one attempt. `submitting` is the brief claim while the server grades it. */
export const AttemptStatus = z.enum([
  "checked_in",
  "ready",
  "in_progress",
  "submitting",
  "submitted",
  "voided",
]);
export type AttemptStatus = z.infer<typeof AttemptStatus>;

/** Why an attempt ended. */
export const CloseReason = z.enum(["candidate", "deadline", "forced", "voided"]);
export type CloseReason = z.infer<typeof CloseReason>;

/** The server clock as every ack and clock event carries it (epoch milliseconds). */
export interface ClockDto {
  serverTime: number;
  /** Null until the attempt is released (started). */
  deadline: number | null;
  paused: boolean;
  /** Remaining time in ms: frozen while paused; null before start. */
  remainingMs: number | null;
  /**
   * The attempt's version this clock (and status) was read at: its event count, which every change
   * of it moves on. Messages cross (a sync reply built from a read made before a resume arrives
   * after the resume's `attempt:clock`): the page keeps the state of the highest version, and of
   * two of one version the later `serverTime`.
   */
  version: number;
}

/** One question slot of the candidate's saved state. */
export interface SavedAnswerDto {
  index: number;
  choice: string[];
  flagged: boolean;
  /** The seq of the save that set `choice` (0 = never answered). */
  seq: number;
  flagSeq: number;
}

/** The provisional result the candidate sees at hand-in (official after publication). */
export interface ProvisionalResultDto {
  score: number;
  totalPoints: number;
  passMark: number;
  passed: boolean;
  /** False until an officer publishes the session's results. */
  official: boolean;
  submittedAt: string;
  closeReason: CloseReason;
}

/**
 * Everything the candidate page needs to (re)build itself: the answer to `attempt:sync` and the
 * payload of `attempt:started`. `questions` is present only once the attempt is in progress (or
 * closed) and never carries an answer key or explanation.
 */
export interface CandidateAttemptDto extends ClockDto {
  attemptId: string;
  sessionId: string;
  status: AttemptStatus;
  categoryCode: string;
  candidateName: string;
  /** ID number with the middle masked (e.g. `3201**********123X`) for the confirmation screen. */
  idNumberMasked: string;
  /** The on-site check-in photo, readable by the candidate's own session; null when none was taken. */
  photoUrl: string | null;
  ticketNo: string;
  seatNo: number | null;
  minutes: number;
  /**
   * How the paper scores multiple choice: all options right, or (`partial`) a right subset in
   * proportion to the keys chosen, any wrong option nothing. The page tells the candidate which.
   */
  multipleScoring: "all_or_nothing" | "partial";
  /** Highest seq the server has received; the client continues from max(local, this) + 1. */
  lastSeq: number;
  /** Seqs ≤ lastSeq the server has not received yet (the client replays them from its journal). */
  missingSeqs: number[];
  questions: CandidateQuestion[] | null;
  /** Only the questions a save has reached; any other question is unanswered and unflagged (seq 0). */
  answers: SavedAnswerDto[];
  /** Earliest moment a candidate may hand in (epoch ms), null before start. */
  earliestSubmitAt: number | null;
  result: ProvisionalResultDto | null;
  /**
   * Handed in but not graded, for the exam office to review (`paper_changed`: the paper changed
   * after check-in): `result` stays null for good, so the page says so instead of waiting for a score.
   */
  review?: "paper_changed";
}

/** Ack of one save: which seq is stored for that question and the clock. */
export interface SaveAckDto extends ClockDto {
  attemptId: string;
  index: number;
  /** The seq sent. */
  seq: number;
  /** The seq now stored for this question (≥ seq when a newer save already won). */
  savedSeq: number;
  /** False when the seq was a repeat or older than the stored one (acknowledged, not applied). */
  applied: boolean;
}

/** One attempt-chain event (each carries the hash of the previous). */
export interface AttemptEventDto {
  n: number;
  at: string;
  type:
    | "check_in"
    | "ready"
    | "start"
    | "answer"
    | "flag"
    | "pause"
    | "resume"
    | "extend"
    | "credit"
    | "submit"
    | "void"
    /** A proctor asked for extra time; a second person approves or refuses it (四眼). */
    | "extension_requested"
    /** The request was answered (approved: an `extend` follows in the same transaction). */
    | "extension_answered";
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/**
 * The session report produced when results are published (provisional until then). A cancelled
 * session's report (`session.status`) holds no results: nobody sat it, so nobody is absent.
 */
export interface SessionReportDto {
  sessionId: string;
  categoryCode: string;
  /** The session by name, as the office reads it (always the live session, also on published reports). */
  session: {
    categoryName: string;
    testCentreName: string;
    roomName: string;
    startsAt: string;
    endsAt: string;
    /** From here results may be published: the end, and the late-entry window, have passed. */
    overAt: string;
    /** A cancelled session was never sat: its report holds no results and nothing is due. */
    status: SessionStatus;
  };
  publishedAt: string | null;
  publishedBy: string | null;
  /** Latest instant the regulation allows publication (10 days after the session's end). */
  publishDueBy: string;
  attendance: { assigned: number; checkedIn: number; submitted: number; absent: number; voided: number };
  passRateByCategory: { categoryCode: string; sat: number; passed: number; passRate: number }[];
  /** Scores bucketed in tens: `[0,10)`, …, `[90,100]` (percent of total points). */
  scoreDistribution: { from: number; to: number; count: number }[];
  results: {
    attemptId: string;
    candidateId: string;
    candidateName: string;
    ticketNo: string;
    score: number | null;
    passed: boolean | null;
    status: "submitted" | "voided" | "absent";
    chainHash: string | null;
    /** Handed in but not graded, for review (`paper_changed`: the paper changed after check-in); score null. */
    review?: "paper_changed";
  }[];
}

// ---- socket payloads (candidate) ----

/** `attempt:sync`: full resync of the caller's attempt (joins its room). */
export const SyncPayload = z.object({ attemptId: Id.optional() }).strict();
/** `attempt:confirm`: the candidate confirmed photo, name and ID on screen → ready. */
export const ConfirmPayload = z.object({ attemptId: Id }).strict();
/** Questions a paper may hold at most: a save's or flag's `index` is below it. */
export const MAX_PAPER_QUESTIONS = 500;
const QuestionIndex = z
  .number()
  .int()
  .min(0)
  .max(MAX_PAPER_QUESTIONS - 1);
/** `attempt:answer`: one answer save. */
export const AnswerPayload = z
  .object({ attemptId: Id, seq: Seq, index: QuestionIndex, choice: Choice })
  .strict();
/** `attempt:flag`: mark for review; uses the same seq counter as answers. */
export const FlagPayload = z
  .object({ attemptId: Id, seq: Seq, index: QuestionIndex, flagged: z.boolean() })
  .strict();
/** `attempt:submit`: hand in after confirmation; `lastSeq` = the last seq the client sent (0 = none). */
export const SubmitPayload = z
  .object({ attemptId: Id, lastSeq: z.number().int().min(0).max(1_000_000) })
  .strict();

export type SyncPayload = z.infer<typeof SyncPayload>;
export type ConfirmPayload = z.infer<typeof ConfirmPayload>;
export type AnswerPayload = z.infer<typeof AnswerPayload>;
export type FlagPayload = z.infer<typeof FlagPayload>;
export type SubmitPayload = z.infer<typeof SubmitPayload>;

/** Clock change pushed to a candidate (pause, resume, extension, outage credit). */
export interface ClockEventDto extends ClockDto {
  attemptId: string;
  status: AttemptStatus;
  /** Why it changed, in Chinese for display (e.g. "监考员暂停考试"). */
  reason: string | null;
}

/**
 * Sent to a candidate when their attempt ends. It carries what the server graded, so the page can
 * name every journalled answer that did not count without asking again: after a close at the
 * deadline the candidate's login window is over and a sync would be refused.
 */
export interface AttemptClosedDto {
  attemptId: string;
  status: "submitted" | "voided";
  closeReason: CloseReason;
  /**
   * As in `CandidateAttemptDto.categoryCode`: a page refused before it read the attempt knows the
   * sitting only from this, and its result page names the category (考试类别).
   */
  categoryCode: string;
  result: ProvisionalResultDto | null;
  /** As in `CandidateAttemptDto.review`: closed without a score, for review. */
  review?: "paper_changed";
  /**
   * The answers stored when the attempt closed (as in `CandidateAttemptDto.answers`: only the
   * questions a save reached; any other stored nothing, seq 0). Empty for a voided attempt.
   */
  answers: SavedAnswerDto[];
  serverTime: number;
  /** The attempt's version once closed (see `ClockDto.version`). */
  version: number;
}

/**
 * Sent to a candidate's other pages when a newer page opens the same attempt: one page answers
 * for a seat (two each showed their own choice as saved while the server kept the later one).
 */
export interface AttemptTakenOverDto {
  attemptId: string;
  serverTime: number;
}

/**
 * Stable error codes of exam delivery and the proctor desk (acks and REST). Complete: a unit test
 * compares it with the codes server/exams and server/proctoring throw.
 */
export const EXAM_ERROR_CODES = [
  "attempt_closed",
  "attempt_paused",
  "attempt_not_started",
  "attempt_not_found",
  "forbidden",
  "saves_pending",
  "too_early",
  "late_entry",
  "check_in_too_early",
  "identity_mismatch",
  "not_assigned",
  "retake_wait",
  "results_locked",
  "release_too_early",
  "early_release_reason_required",
  "room_booked",
  "session_not_over",
  "invalid_transition",
  "question_out_of_range",
  "validation_failed",
  "saves_exhausted",
  "attempt_voided",
  "already_passed",
  "already_checked_in",
  "not_assigned_seat",
  "outage_changed",
  "outage_partial",
  "login_unlock_unavailable",
  "attempts_open",
  "attempt_busy",
  "session_cancelled",
  "session_changed",
  "session_not_found",
  "blueprint_not_found",
  "unknown_accommodation",
  "invalid_photo",
  "photo_not_found",
  "extension_not_found",
  "second_approver_required",
  "approval_required",
  "seq_conflict",
  "paper_changed",
  "too_many_pending_extensions",
  "pauses_exhausted",
  "controls_exhausted",
  "incidents_exhausted",
  "sitting_open",
  "request_id_reused",
  "invalid_choice",
  // Per seat in a proctor action's `skipped`: the action went on for the room's other seats.
  "already_credited",
  "not_in_outage",
  "approval_pending",
  "not_in_progress",
  // Refuses a node's start, not a request: two attempts of one candidate in one session (attempt-indexes.ts).
  "duplicate_attempts",
] as const;

/**
 * REST endpoints of exam delivery (all under `/api`, JSON unless noted):
 * - `GET  /exam-sessions/:sessionId/room` (proctor, officer) → SessionRoomDto (same as `proctor:watch`, no live updates)
 * - `GET  /exam-sessions/:sessionId/report` (officer) → SessionReportDto (provisional until published)
 * - `POST /exam-sessions/:sessionId/results/publish` (officer) → SessionReportDto; locks the results
 * - `GET  /exam-sessions/:sessionId/report.csv` (officer) → text/csv (UTF-8 with BOM, for Excel)
 * - `GET  /exam-sessions/:sessionId/report.xlsx` (officer) → the same rows as an Excel workbook
 * - `GET  /attempts/:attemptId/events` (officer) → { events: AttemptEventDto[]; valid: boolean;
 *   paper: "intact" | "changed" | "unrecorded" }: `valid` when every link holds and the paper
 *   stored is the one the check-in event names (and each closing graded); `unrecorded` for chains
 *   made before check-in named it
 * - `GET  /attempts/:attemptId/check-in-photo` (the attempt's own candidate, proctor, officer) → image/jpeg|png
 */
export const EXAM_REST_ROUTES = [
  "GET /api/exam-sessions/:sessionId/room",
  "GET /api/exam-sessions/:sessionId/report",
  "POST /api/exam-sessions/:sessionId/results/publish",
  "GET /api/exam-sessions/:sessionId/report.csv",
  "GET /api/exam-sessions/:sessionId/report.xlsx",
  "GET /api/attempts/:attemptId/events",
  "GET /api/attempts/:attemptId/check-in-photo",
] as const;
