import type { ClientSession } from "mongoose";
import type { AuditAction } from "../contracts/audit.js";
import { decide, type Access } from "../access/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { OutageProposalDto, PendingExtensionDto, ProctorActionResultDto } from "../contracts/exams.js";
import type { ExamSessionDto } from "../contracts/scheduling.js";
import {
  inUnitOfWork,
  rooms,
  type Actor,
  type AuditPort,
  type ExamDeliveryPort,
  type Notifier,
  type SchedulingPort,
  type UnitOfWork,
} from "../exams/index.js";
import type { FeatureContext } from "../feature.js";
import { AppError, errors } from "../lib/errors.js";
import { createRefusalBudget, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { createRefusalSummaries } from "../lib/refusal-summary.js";
import { createIncidentLog } from "./incident-log.js";
import { createSessionCache } from "./session-cache.js";
import {
  DEFAULT_OUTAGE_RULE,
  findOutage,
  type AwayInterval,
  type FoundOutage,
  type OutageRule,
} from "./outage.js";

export interface ProctoringDeps {
  exams: ExamDeliveryPort;
  access: Access;
  scheduling: SchedulingPort;
  audit: AuditPort;
  notifier: Notifier;
  outageRule?: OutageRule;
  now?: () => Date;
  /** Candidate logins (auth): a proctor lifts a seated candidate's lockout. Absent where candidates never log in. */
  logins?: { unlockCandidate(idNumber: string, session: ClientSession): Promise<boolean> };
  /** How many refusals are audited one by one (default PROCTOR_REFUSAL_BUDGET); the rest are summed up. */
  refusalBudget?: RefusalBudgetOptions;
  /**
   * Test seam: the clock of the access checks' session cache (default Date.now), so a test can
   * let the cache drop a session in the middle of an action. Never set in production.
   */
  sessionCacheClock?: () => number;
}

const SESSION_CACHE_MS = 10_000;

/**
 * Refusals of staff acting on a session that is not theirs, audited one by one: 5 a minute per
 * account and 60 a minute in all; the rest are counted and audited as one summary entry a minute
 * (refusal-budget.ts, as failed logins are). Each refusal was an entry in the serial, hash-chained
 * audit log that every proctor's action waits behind: a console looping `proctor:pause` or the
 * room snapshot over other centres' sessions held every room's actions on the node.
 */
const PROCTOR_REFUSAL_BUDGET: RefusalBudgetOptions = {
  perSourcePerMinute: 5,
  totalPerMinute: 60,
  maxSources: 10_000,
};

const SYSTEM_ACTOR = { id: "system", kind: "system", name: "系统" } as const;

export function toActor(user: AuthUser): Actor {
  return { id: user.id, name: user.displayName, kind: user.kind };
}

/**
 * The session an audit entry is about, as `authorize` returned it: never a bare id looked up in
 * the access checks' cache, which drops a session a while after its last check, so a slow or
 * retried action wrote an entry with no division (one a city admin never saw).
 */
export type SessionOfEntry = Pick<ExamSessionDto, "id" | "divisionCode">;

/**
 * What every proctor action is built from: the session (cached briefly) and the access check on
 * it, the attempts an action targets, the unit of work that commits a change with its audit entry,
 * and the shape of an action's result. One per service.
 */

export function createProctorDesk(ctx: FeatureContext, deps: ProctoringDeps) {
  const incidents = createIncidentLog(ctx.conn);
  const now = deps.now ?? (() => new Date());
  const rule = deps.outageRule ?? DEFAULT_OUTAGE_RULE;
  // Only for access checks: audit entries name the session `authorize` returned (SessionOfEntry).
  const sessionCache = createSessionCache(SESSION_CACHE_MS, deps.sessionCacheClock);
  const refusals = createRefusalBudget(deps.refusalBudget ?? PROCTOR_REFUSAL_BUDGET);
  const refusalSummaries = createRefusalSummaries({
    budget: refusals,
    logger: ctx.logger,
    write: (summary) =>
      deps.audit.record({
        action: "proctor.refused",
        actor: SYSTEM_ACTOR,
        target: null,
        details: { reason: "summary", refused: summary.count, accounts: summary.sources },
      }),
  });

  /**
   * The session as scheduling holds it now (and kept for the next few seconds' access checks, under
   * the id asked and its own id: audit entries find its division by the latter).
   */
  async function readSession(sessionId: string): Promise<ExamSessionDto> {
    const session = await deps.scheduling.getSession(sessionId);
    if (!session) throw errors.notFound("考试场次", "session_not_found");
    sessionCache.put([sessionId, session.id], session);
    return session;
  }

  function cachedSession(sessionId: string): ExamSessionDto | undefined {
    return sessionCache.get(sessionId);
  }

  /**
   * Asks the access layer, with the live account: watching the room is open to its test centre's
   * proctors and its division's officers (`session:watch`), and anyone else is answered 404 as if
   * the session did not exist (as `session:read` answers); acting on it is its proctors' alone
   * (`session:proctor`, 403 for the division's officer who may watch). A refusal is audited, within
   * the refusal budget. Every action but the room's view (`view`) is refused `session_cancelled`
   * on a cancelled session: nothing of it is to be sat, so nothing in it is to be acted on.
   *
   * Callers act on the session returned, by its own `id`, never on the id they were sent: the
   * lookup may take an id in another form than the one every record of the session stores (an
   * ObjectId in upper case), and an action matched on the id as sent changed nothing while
   * answering ok.
   */
  async function authorize(
    user: AuthUser,
    sessionId: string,
    opts: { watchOnly?: boolean; view?: boolean } = {},
  ): Promise<ExamSessionDto> {
    const hit = cachedSession(sessionId);
    const session = hit ?? (await readSession(sessionId));
    try {
      const live = await deps.access.assert(user, "session:watch", { session });
      if (!opts.watchOnly) decide(live, "session:proctor", session);
    } catch (err) {
      if (err instanceof AppError && (err.status === 403 || err.status === 404)) await refused(user, session);
      throw err;
    }
    // The access check may use a copy a few seconds old (a session's centre and division do not
    // change), its status may not: a console that watched the room before it was cancelled went
    // on showing it to be sat, and acting on it, until the copy aged out.
    const current = hit ? await readSession(sessionId) : session;
    if (!opts.view && current.status === "cancelled")
      throw errors.conflict("session_cancelled", "本场次已取消，不能再进行考场操作");
    return current;
  }

  /** Audits a refusal while the account's budget lasts; beyond it, counts it for the summary. */
  async function refused(user: AuthUser, session: SessionOfEntry): Promise<void> {
    if (refusals.admit(user.id))
      await audit(user, "proctor.refused", session, { reason: "not_this_session" });
    else refusalSummaries.schedule();
  }

  /** Records a refusal, which changes nothing else, as an audit entry of its own. */
  async function audit(
    user: AuthUser,
    action: AuditAction,
    session: SessionOfEntry,
    details: Record<string, unknown>,
  ): Promise<void> {
    await deps.audit.record(auditInput(user, action, session, details));
  }

  /** Runs a proctor's action as one transaction with its audit entry (see `inUnitOfWork`). */
  const audited = <T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> =>
    inUnitOfWork(deps.audit, work, ctx.logger);

  /** Appends the action's entry inside its unit of work. */
  async function entry(
    uow: UnitOfWork,
    user: AuthUser,
    action: AuditAction,
    session: SessionOfEntry,
    details: Record<string, unknown>,
    attemptId?: string,
  ): Promise<void> {
    await deps.audit.append(uow.session, auditInput(user, action, session, details, attemptId));
  }

  /**
   * The entry for a proctor's action on a session or one of its attempts. Its division comes from
   * the session `authorize` returned (see SessionOfEntry), never from the access checks' cache.
   */
  function auditInput(
    user: AuthUser,
    action: AuditAction,
    session: SessionOfEntry,
    details: Record<string, unknown>,
    attemptId?: string,
  ) {
    const sessionId = session.id;
    return {
      action,
      actor: { id: user.id, kind: user.kind, name: user.displayName },
      divisionCode: session.divisionCode ?? null,
      target: attemptId ? { type: "exam_attempt", id: attemptId } : { type: "exam_session", id: sessionId },
      details: { sessionId, ...details },
    };
  }

  /**
   * Files extra time for a second approver (Pearson VUE: time changes need a second
   * authorisation), inside `uow`: the request on the attempt, its `proctor.extend_requested` entry,
   * and, once committed, the notice that puts 批准/驳回 on the room's consoles. The one way an
   * extension and an outage credit ask for approval; an outage credit's request (`outage`, with
   * the credit's reason as written) carries that mark on the pending extension itself, so that
   * approved it is given as owed time. Null when the attempt is no longer open (nothing filed).
   * The entry and the notice go to the session the attempt records, which must be the one the
   * caller authorised (`session`, whose division the entry names); anything else is refused.
   */
  async function fileExtensionRequest(
    uow: UnitOfWork,
    user: AuthUser,
    session: SessionOfEntry,
    ask: { attemptId: string; minutes: number; reason: string },
    outage?: { reason: string },
  ): Promise<PendingExtensionDto | null> {
    const { attemptId, minutes, reason } = ask;
    const added = await deps.exams.addPendingExtension(
      toActor(user),
      attemptId,
      minutes,
      reason,
      uow,
      outage,
    );
    if (!added) return null;
    const { requestId, sessionId } = added;
    // Callers pass the session they authorised the attempt by; a request filed under another
    // session's division (and announced in its room) must not commit: the unit of work rolls back.
    if (sessionId !== session.id) throw errors.notFound("考试记录", "attempt_not_found");
    const details = { minutes, reason, requestId, ...(outage ? { outage: true } : {}) };
    await entry(uow, user, "proctor.extend_requested", session, details, attemptId);
    const pending: PendingExtensionDto = {
      requestId,
      attemptId,
      minutes,
      reason,
      requestedBy: user.displayName,
      requestedById: user.id,
      requestedAt: now().toISOString(),
    };
    uow.afterCommit(() =>
      deps.notifier.toRoom(rooms.session(sessionId), "session:extension_pending", pending),
    );
    return pending;
  }

  /** The attempts an action targets: the whole room, or the named ones (which must belong to it). */
  async function targets(
    sessionId: string,
    attemptIds: string[] | undefined,
  ): Promise<{ ids: string[]; skipped: { attemptId: string; code: string }[] }> {
    const all = await deps.exams.attemptIds(sessionId);
    if (!attemptIds) return { ids: all, skipped: [] };
    const mine = new Set(all);
    return {
      ids: attemptIds.filter((id) => mine.has(id)),
      skipped: attemptIds
        .filter((id) => !mine.has(id))
        .map((attemptId) => ({ attemptId, code: "attempt_not_found" })),
    };
  }

  async function attemptSession(user: AuthUser, attemptId: string): Promise<ExamSessionDto> {
    const owner = await deps.exams.ownerOf(attemptId);
    if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
    return authorize(user, owner.sessionId);
  }

  async function refuseIfPublished(sessionId: string): Promise<void> {
    if (await deps.exams.isPublished(sessionId))
      throw errors.conflict("results_locked", "本场次成绩已发布并锁定");
  }

  const result = (
    affected: string[],
    skipped: { attemptId: string; code: string }[],
  ): ProctorActionResultDto => ({ affected, skipped, serverTime: now().getTime() });

  /**
   * Result of an action over targets: the seats the action itself skipped keep their own code (a
   * pause at a bound, a credit already given); the rest not changed are `invalid_transition`.
   */
  const outcome = (
    t: { ids: string[]; skipped: { attemptId: string; code: string }[] },
    affected: string[],
    skippedByAction: { attemptId: string; code: string }[] = [],
  ) => {
    const own = new Set(skippedByAction.map((s) => s.attemptId));
    return result(affected, [
      ...t.skipped,
      ...skippedByAction,
      ...t.ids
        .filter((id) => !affected.includes(id) && !own.has(id))
        .map((attemptId) => ({ attemptId, code: "invalid_transition" })),
    ]);
  };

  /**
   * The outage to credit now, with the drops it covers, and every drop read (a credit also asks
   * which were credited before): one read, in a credit's transaction when `uow` is given.
   */
  async function currentOutage(
    sessionId: string,
    uow?: UnitOfWork,
  ): Promise<{ outage: FoundOutage | null; intervals: AwayInterval[] }> {
    const { inProgress, intervals } = await deps.exams.awayIntervals(sessionId, uow);
    return { outage: findOutage(sessionId, intervals, inProgress, rule), intervals };
  }

  async function outageProposal(sessionId: string): Promise<OutageProposalDto | null> {
    return (await currentOutage(sessionId)).outage?.proposal ?? null;
  }

  return {
    deps,
    incidents,
    now,
    authorize,
    /** Audits the refusals still only counted (node shutdown). */
    closeRefusalSummaries: (): Promise<void> => refusalSummaries.close(),
    audited,
    entry,
    fileExtensionRequest,
    targets,
    attemptSession,
    refuseIfPublished,
    result,
    outcome,
    outageProposal,
    currentOutage,
  };
}
export type ProctorDesk = ReturnType<typeof createProctorDesk>;
