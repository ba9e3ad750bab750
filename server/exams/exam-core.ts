import { randomUUID } from "node:crypto";
import type { ClientSession } from "mongoose";
import type { BlueprintRef, ExamSessionDto } from "../contracts/scheduling.js";
import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { createAttemptStore, type AttemptStore } from "./attempt-store.js";
import { createPaperViews, type PaperViews } from "./paper-view.js";
import type { AuditPort, Notifier, PaperPort, SchedulingPort } from "./ports.js";
import { createResultRecords, type ResultRecords } from "./result-records.js";
import { createSeatFeed, type SeatFeed } from "./seat-feed.js";

/** Tunables of exam delivery (defaults suit a real room; tests shorten the waits). */
export interface ExamOptions {
  /** How long `attempt:submit` waits for the saves it names before answering `saves_pending`. */
  submitWaitMs: number;
  /** A `submitting` claim older than this belongs to a dead instance and is claimed again. */
  submitLeaseMs: number;
  /** Seat-map updates for answer saves are sent at most this often per attempt. */
  seatThrottleMs: number;
  /**
   * Test seam: runs after check-in or release has checked the session and before it writes, so a
   * test can land a cancellation exactly there. Never set in production.
   */
  afterSessionCheck?: (sessionId: string) => Promise<void>;
  /**
   * Test seam: runs after an attempt was read for the candidate's view and before the view is
   * built, so a test can land a proctor's change exactly there. Never set in production.
   */
  beforeCandidateView?: (attemptId: string) => Promise<void>;
}

export const DEFAULT_EXAM_OPTIONS: ExamOptions = {
  submitWaitMs: 5000,
  submitLeaseMs: 30_000,
  seatThrottleMs: 1000,
};

export interface ExamServiceDeps {
  scheduling: SchedulingPort;
  papers: PaperPort;
  audit: AuditPort;
  notifier: Notifier;
  /** Wakes the outbox dispatcher after a commit that enqueued an event. */
  onOutbox?: () => void;
  options?: Partial<ExamOptions>;
  now?: () => Date;
}

/** What every part of exam delivery is built from: one per instance, shared by the modules. */
export interface ExamCore {
  ctx: FeatureContext;
  deps: ExamServiceDeps;
  opts: ExamOptions;
  now: () => Date;
  /** Seconds after the deadline a save in flight is still accepted. */
  grace: number;
  /** This process's id in presence and submit claims. */
  instanceId: string;
  store: AttemptStore;
  papers: PaperViews;
  results: ResultRecords;
  seats: SeatFeed;
}

export function createExamCore(ctx: FeatureContext, deps: ExamServiceDeps): ExamCore {
  const now = deps.now ?? (() => new Date());
  const opts: ExamOptions = { ...DEFAULT_EXAM_OPTIONS, ...deps.options };
  const store = createAttemptStore(ctx.conn, now, {
    saveGroupMs: ctx.config.exam.saveGroupMs,
    saveGroupsInFlight: ctx.config.exam.saveGroupsInFlight,
    cacheSize: ctx.config.exam.attemptCacheSize,
  });
  return {
    ctx,
    deps,
    opts,
    now,
    grace: ctx.config.exam.graceSeconds,
    instanceId: randomUUID(),
    store,
    papers: createPaperViews(ctx.conn, now),
    results: createResultRecords(ctx.conn),
    seats: createSeatFeed({ store, notifier: deps.notifier, now, throttleMs: opts.seatThrottleMs }),
  };
}

/**
 * The session as scheduling holds it NOW (never a cached copy): check-in and release read it to
 * refuse a cancelled session early, and claim it again inside their write (`claimSession`,
 * `claimSeat`).
 */
export async function liveSession(core: ExamCore, sessionId: string): Promise<ExamSessionDto> {
  const session = await core.deps.scheduling.getSession(sessionId);
  if (!session) throw errors.notFound("考试场次", "session_not_found");
  if (session.status === "cancelled") throw errors.conflict("session_cancelled", "本场次已取消");
  return session;
}

/**
 * Inside the admitting transaction: the session must still be scheduled at the write, not only at
 * the check before it (a cancellation in between would otherwise let a paper or a start through).
 */
export async function claimSession(
  core: ExamCore,
  sessionId: string,
  tx: ClientSession,
  at: Date,
): Promise<void> {
  if (!(await core.deps.scheduling.claimScheduled(sessionId, tx, at)))
    throw errors.conflict("session_cancelled", "本场次已取消");
}

/**
 * Inside a check-in's transaction: the candidate's seat in the still scheduled session, claimed
 * (see SchedulingPort.claimSeat), and the session unchanged in what the check-in copied from it
 * before (a new time or new rules since refuse it: the proctor checks the candidate in again).
 */
export async function claimSeat(
  core: ExamCore,
  checked: ExamSessionDto,
  candidateId: string,
  tx: ClientSession,
  blueprint: BlueprintRef,
): Promise<void> {
  const live = await core.deps.scheduling.claimSeat(checked.id, candidateId, tx);
  if (live === "session_cancelled") throw errors.conflict("session_cancelled", "本场次已取消");
  if (live === "not_assigned") throw errors.unprocessable("not_assigned", "该考生未被安排在本场次");
  const copied = ["startsAt", "durationMinutes", "lateEntryMinutes", "earliestHandInMinutes"] as const;
  const drawnFrom = live.blueprint?.id === blueprint.id && live.blueprint.version === blueprint.version;
  if (copied.some((field) => live[field] !== checked[field]) || !drawnFrom)
    throw errors.conflict("session_changed", "本场次的时间或规则刚刚变更，请重新核验入场");
}

export const closedError = () => errors.conflict("attempt_closed", "考试已结束，答案不再接受");
export const pausedError = () => errors.conflict("attempt_paused", "考试已暂停，请等待监考员恢复");
