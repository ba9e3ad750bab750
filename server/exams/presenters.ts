import type {
  AttemptClosedDto,
  CandidateAttemptDto,
  CloseReason,
  ProvisionalResultDto,
  SavedAnswerDto,
  SeatViewDto,
} from "../contracts/exams.js";
import type { CandidateQuestion, PaperQuestion } from "../contracts/paper.js";
import type { AttemptDoc } from "./attempt.model.js";
import { clockOf, type ClockParts } from "./clock.js";
import { maskIdNumber } from "../lib/id-number.js";
import { inHundredths } from "../contracts/points.js";
import { missingSeqsOf } from "./received-seqs.js";

export { maskIdNumber };

/** What a candidate may see of a question: never the key, never the explanation. */
export function toCandidateQuestion(q: PaperQuestion, index: number): CandidateQuestion {
  const out: CandidateQuestion = {
    index,
    type: q.type,
    stem: q.stem,
    options: q.options.map(({ key, text }) => ({ key, text })),
    points: q.points,
  };
  if (q.imageId) out.imageId = q.imageId;
  return out;
}

export type AttemptLean = Omit<AttemptDoc, "events"> & { events?: AttemptDoc["events"] };

export function clockParts(
  a: Pick<
    AttemptLean,
    "startedAt" | "minutes" | "accommodationMinutes" | "creditedMinutes" | "pausedMs" | "pausedAt"
  >,
): ClockParts {
  return {
    startedAt: a.startedAt ?? null,
    minutes: a.minutes,
    accommodationMinutes: a.accommodationMinutes ?? 0,
    creditedMinutes: a.creditedMinutes ?? 0,
    pausedMs: a.pausedMs ?? 0,
    pausedAt: a.pausedAt ?? null,
  };
}

/**
 * The questions a save has reached (answered or flagged, even if since cleared). A question no save
 * reached is unanswered and unflagged at seq 0, which is what the page assumes of a question the
 * list leaves out: at the release every one of the 5,000 papers carried a hundred such entries,
 * a fifth of each paper's bytes to encode, send and parse (issue 17).
 */
export function answersOf(a: Pick<AttemptLean, "answers">): SavedAnswerDto[] {
  const saved: SavedAnswerDto[] = [];
  a.answers.forEach((x, index) => {
    const seq = x.seq ?? 0;
    const flagSeq = x.flagSeq ?? 0;
    if (seq === 0 && flagSeq === 0) return;
    saved.push({ index, choice: [...(x.choice ?? [])], flagged: x.flagged ?? false, seq, flagSeq });
  });
  return saved;
}

export function resultOf(
  a: Pick<AttemptLean, "result" | "submittedAt" | "closeReason">,
  official: boolean,
): ProvisionalResultDto | null {
  const r = a.result;
  if (!r || !a.submittedAt) return null;
  return {
    score: r.score ?? 0,
    // To hundredths: results graded before full marks were summed exactly hold 100.0000000000001.
    totalPoints: inHundredths(r.totalPoints ?? 0) / 100,
    passMark: r.passMark ?? 0,
    passed: r.passed ?? false,
    official,
    submittedAt: a.submittedAt.toISOString(),
    closeReason: (a.closeReason ?? "candidate") as CloseReason,
  };
}

/** Seqs ≤ lastSeq the server never received (the client replays them from its journal). */
export function missingSeqs(a: Pick<AttemptLean, "seen" | "seenUpTo" | "lastSeq">, upTo = a.lastSeq): number[] {
  return missingSeqsOf(a, upTo);
}

/** An instance whose heartbeat is older than this (3 missed beats) is taken for dead. */
export const PRESENCE_STALE_MS = 30_000;

const SHOWS_QUESTIONS = new Set(["in_progress", "submitting", "submitted"]);

/** Whether the candidate may see the questions in this state (only once released). */
export function showsQuestions(status: string): boolean {
  return SHOWS_QUESTIONS.has(status);
}

/** The candidate's whole view of their attempt (the presenter that keeps answer keys on the server). */
export function toCandidateAttempt(
  a: AttemptLean,
  now: Date,
  questions: CandidateQuestion[] | null,
  official = false,
): CandidateAttemptDto {
  const started = a.startedAt ? a.startedAt.getTime() : null;
  return {
    attemptId: a._id,
    sessionId: a.sessionId,
    status: a.status,
    categoryCode: a.categoryCode,
    candidateName: a.candidateName,
    idNumberMasked: maskIdNumber(a.idNumber),
    photoUrl: photoUrl(a),
    ticketNo: a.ticketNo,
    seatNo: a.seatNo ?? null,
    minutes: a.minutes + (a.accommodationMinutes ?? 0),
    multipleScoring: a.multipleScoring === "partial" ? "partial" : "all_or_nothing",
    ...clockOf(clockParts(a), now),
    version: a.chainN,
    lastSeq: a.lastSeq,
    missingSeqs: missingSeqs(a),
    questions: SHOWS_QUESTIONS.has(a.status) ? questions : null,
    answers: SHOWS_QUESTIONS.has(a.status) ? answersOf(a) : [],
    earliestSubmitAt: started === null ? null : started + (a.earliestHandInMinutes ?? 0) * 60_000,
    result: resultOf(a, official),
    // Without it a sitting closed ungraded reads as a score still being computed, forever.
    ...(a.review?.code === "paper_changed" ? { review: "paper_changed" as const } : {}),
  };
}

/**
 * What `attempt:closed` tells the candidate's page of a closed attempt (null while it is not
 * closed): the candidate's view (`toCandidateAttempt`) cut to how it closed. A voided attempt
 * carries no result and no answers: it scores nothing, so no answer is missing from a result.
 */
export function toAttemptClosed(a: AttemptLean, now: Date, official = false): AttemptClosedDto | null {
  if (a.status === "voided") return toVoidedClosed(a._id, a.categoryCode, a.chainN, now);
  if (a.status !== "submitted") return null;
  return toSubmittedClosed(
    a._id,
    (a.closeReason ?? "candidate") as CloseReason,
    toCandidateAttempt(a, now, null, official),
  );
}

/**
 * `attempt:closed` of a handed-in attempt from the candidate's view of it: the one builder for the
 * closing's announcement and a refused page's reply, so the two cannot drift. The answers graded
 * go with it: the page names its journalled answers that did not count from them, since its sync
 * after a close at the deadline meets an ended login window.
 */
export function toSubmittedClosed(
  attemptId: string,
  closeReason: CloseReason,
  v: Pick<CandidateAttemptDto, "categoryCode" | "result" | "review" | "answers" | "serverTime" | "version">,
): AttemptClosedDto {
  return {
    attemptId,
    status: "submitted",
    closeReason,
    categoryCode: v.categoryCode,
    result: v.result,
    ...(v.review ? { review: v.review } : {}),
    answers: v.answers,
    serverTime: v.serverTime,
    version: v.version,
  };
}

/**
 * `attempt:closed` of a voided attempt at `version`: the one builder for the void's announcement
 * and a refused page's reply. It scores nothing, so no answer of it is missing from a result.
 */
export function toVoidedClosed(
  attemptId: string,
  categoryCode: string,
  version: number,
  now: Date,
): AttemptClosedDto {
  return {
    attemptId,
    status: "voided",
    closeReason: "voided",
    categoryCode,
    result: null,
    answers: [],
    serverTime: now.getTime(),
    version,
  };
}

/** One seat of the proctor's seat map for an attempt. */
export function toSeatView(a: AttemptLean, now: Date, liveInstances?: ReadonlySet<string>): SeatViewDto {
  const clock = clockOf(clockParts(a), now);
  let state: SeatViewDto["state"] =
    a.status === "submitting" ? "in_progress" : (a.status as SeatViewDto["state"]);
  // "Online" is only believed while the holding instance keeps refreshing it (an instance killed
  // with its sockets never marks them offline).
  const stale = a.online && liveInstances !== undefined && a.heldBy != null && !liveInstances.has(a.heldBy);
  const awaySince = stale ? a.seenAt : !a.online ? a.disconnectedAt : null;
  if (state === "in_progress" && awaySince) state = "disconnected";
  return {
    sessionId: a.sessionId,
    seatId: a.seatId ?? null,
    seatNo: a.seatNo ?? null,
    candidateId: a.candidateId,
    candidateName: a.candidateName,
    ticketNo: a.ticketNo,
    attemptId: a._id,
    photoUrl: photoUrl(a),
    state,
    paused: a.pausedAt != null,
    answered: a.answers.filter((x) => (x.choice ?? []).length > 0).length,
    total: a.questionCount,
    deadline: clock.deadline,
    remainingMs: a.status === "in_progress" ? clock.remainingMs : null,
    disconnectedSince: state === "disconnected" && awaySince ? awaySince.getTime() : null,
    score: a.result?.score ?? null,
    passed: a.result?.passed ?? null,
    closeReason: (a.closeReason ?? null) as CloseReason | null,
    extraMinutes: (a.creditedMinutes ?? 0) + (a.accommodationMinutes ?? 0),
    pendingExtensions: (a.pendingExtensions ?? []).map((p) => ({
      requestId: p.requestId,
      attemptId: a._id,
      minutes: p.minutes,
      reason: p.reason,
      requestedBy: p.requestedByName,
      requestedById: p.requestedBy,
      requestedAt: p.requestedAt.toISOString(),
    })),
    version: a.chainN,
  };
}

function photoUrl(a: Pick<AttemptLean, "_id" | "onSitePhoto">): string | null {
  return a.onSitePhoto ? `/api/attempts/${a._id}/check-in-photo` : null;
}
