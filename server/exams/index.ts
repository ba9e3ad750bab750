/**
 * Exam delivery (考试): check-in, release, the socket protocol, saves, the deadline sweeper,
 * grading, results publication and reports.
 *
 * Glossary
 * - attempt: one candidate's sitting of one session; its paper is assembled and frozen at check-in.
 * - seq: the per-attempt sequence number of every answer/flag save (idempotent, ordered).
 * - received seqs: every seq up to a watermark plus the few above it that came out of order;
 *   hand-in waits for the missing ones (`recordSeq`, `missingSeqsOf`).
 * - deadline: startedAt + minutes + credited minutes + accommodation (+ paused time); server-owned.
 * - sweeper: claims each expired attempt atomically and submits it with its saved answers.
 * - event chain: every attempt event carries the hash of the previous; the final hash is stored
 *   with the result (certificates sign it). The check-in event names the frozen paper's hash and
 *   each closing the hash of the paper it graded (`paperHash`, checked by `paperOnRecord`).
 * - review: an attempt closed without a score because its paper is not the one checked in
 *   (`paper_changed`); reports show it and publication withholds it only when named (results.service.ts).
 * - version: the attempt's event count (`chainN`) a clock-bearing message or a seat was read at;
 *   messages cross, and the candidate's page and the proctor's console keep the newest.
 * - provisional / official result: official once an officer publishes the session (then locked).
 * - group commit: the saves of one moment written as one bulk write, each answered with its own
 *   outcome (`createGroupCommit`).
 * - shared question: a question's candidate view held once for every cached paper that holds it
 *   in the same option order (`createSharedQuestions`); a paper's questions are made from them
 *   when it is sent (`candidateQuestions`).
 * - unit of work: one audited transaction a proctor's action and its audit entry share
 *   (`inUnitOfWork`); the port's commands write in it and push to sockets after its commit.
 *
 * Other features use only what this file exports.
 */
export {
  createExamService,
  DEFAULT_EXAM_OPTIONS,
  type ExamOptions,
  type ExamService,
  type ExamServiceDeps,
} from "./exam.service.js";
export { applyLocally, applyInPlace, createAttemptStore, type Plan } from "./attempt-store.js";
export {
  MAX_OUT_OF_ORDER,
  MAX_SAVE_EVENTS,
  pathsOf,
  savePlan,
  sortedChoice,
  storedSaveFor,
  type SaveInput,
} from "./save-plan.js";
export { recordSeq, missingSeqsOf, hasReceived, type ReceivedSeqs, type SeqRecord } from "./received-seqs.js";
export { createGroupCommit, MAX_GROUP, type GroupCommit, type GroupedUpdate } from "./group-commit.js";
export { inUnitOfWork, type UnitOfWork } from "./unit-of-work.js";
export {
  candidateQuestions,
  createSharedQuestions,
  type SharedPaper,
  type SharedQuestion,
} from "./shared-questions.js";
export { createResultsService, type ResultsService } from "./results.service.js";
export { publishedResults } from "./result-records.js";
export {
  rooms,
  SYSTEM,
  type Actor,
  type AttemptsOutcome,
  type AuditPort,
  type CheckInInput,
  type CheckInOutcome,
  type ExamDeliveryPort,
  type Notifier,
  type PaperPort,
  type SchedulingPort,
} from "./ports.js";
export {
  toSeatView,
  toCandidateAttempt,
  toAttemptClosed,
  toCandidateQuestion,
  maskIdNumber,
  PRESENCE_STALE_MS,
  type AttemptLean,
} from "./presenters.js";
export { gradePaper, gradeQuestion, type Grade } from "./grading.js";
export { computeDeadline, remainingMs, clockOf, acceptsSaves, timeLostMs, type ClockParts } from "./clock.js";
// The outage rule's grouping of a room's drops: the proctor console proposes credits by it.
export { outageWindows, type DropStart, type OutageWindow } from "./outage-window.js";
export {
  nextEvent,
  findBrokenLink,
  eventHash,
  canonical,
  isoText,
  CHAIN_GENESIS,
  paperHash,
  paperOnRecord,
  type ChainEvent,
  type PaperOnRecord,
} from "./event-chain.js";
export { checkRetake, type RetakePolicy, type PastAttempt } from "./retake.js";
export { buildSessionReport, PUBLISH_WITHIN_DAYS } from "./report.js";
export { reportRows, reportToCsv, reportToXlsx } from "./report-export.js";
export { createIoNotifier } from "./notifier.js";
export { createCandidateHandlers } from "./exam.socket.js";
export { createDeadlineSweeper, createPeriodicTask } from "./deadline-sweeper.js";
export { examRouter } from "./exam.routes.js";
export { createExamsFeature, type ExamsFeature, type ExamsFeatureDeps } from "./exams.feature.js";
export { attemptNames } from "./audit-names.js";
// The keys a question offers, as saves are checked: the load generator and tests answer with them.
export { offeredKeys } from "./choice-check.js";
