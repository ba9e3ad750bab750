import type { AuthUser } from "../contracts/auth.js";
import type {
  CheckInPayload,
  CheckInResultDto,
  CreditOutagePayload,
  ExtendPayload,
  IncidentDto,
  IncidentPayload,
  OutageProposalDto,
  PendingExtensionDto,
  ProctorActionResultDto,
  SeatViewDto,
  SessionRoomDto,
} from "../contracts/exams.js";
import type { ExamSessionDto } from "../contracts/scheduling.js";
import type { FeatureContext } from "../feature.js";
import { AppError, errors } from "../lib/errors.js";
import type { Access } from "../access/index.js";
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
import { decodePhoto } from "./check-in-photo.js";
import { createIncidentLog } from "./incident-log.js";
import { notArrivedSeat } from "./seat-presenter.js";
import { DEFAULT_OUTAGE_RULE, proposeOutageCredit, type OutageRule } from "./outage.js";

export interface ProctoringDeps {
  exams: ExamDeliveryPort;
  access: Access;
  scheduling: SchedulingPort;
  audit: AuditPort;
  notifier: Notifier;
  outageRule?: OutageRule;
  now?: () => Date;
}

const SESSION_CACHE_MS = 10_000;

export function toActor(user: AuthUser): Actor {
  return { id: user.id, name: user.displayName, kind: user.kind };
}

/**
 * The proctor console (监考): the live seat map of a session's room and the proctor's actions
 * on it. Every action is authorised against the session's test centre; the attempt changes go
 * through the exam service (so their chain and clock stay whole) inside a unit of work that also
 * appends the action's audit entry: the change and its entry commit together or not at all.
 */
export function createProctoringService(ctx: FeatureContext, deps: ProctoringDeps) {
  const incidents = createIncidentLog(ctx.conn);
  const now = deps.now ?? (() => new Date());
  const rule = deps.outageRule ?? DEFAULT_OUTAGE_RULE;
  const sessionCache = new Map<string, { at: number; session: ExamSessionDto }>();

  async function getSession(sessionId: string): Promise<ExamSessionDto> {
    const hit = sessionCache.get(sessionId);
    if (hit && Date.now() - hit.at < SESSION_CACHE_MS) return hit.session;
    const session = await deps.scheduling.getSession(sessionId);
    if (!session) throw errors.notFound("考试场次", "session_not_found");
    sessionCache.set(sessionId, { at: Date.now(), session });
    return session;
  }

  /**
   * Asks the access layer, with the live account: a proctor acts only on sessions of their own test
   * centre (`session:proctor`); watching the room is also open to officers of its division
   * (`session:watch`). A refusal is audited.
   */
  async function authorize(
    user: AuthUser,
    sessionId: string,
    opts: { watchOnly?: boolean } = {},
  ): Promise<ExamSessionDto> {
    const session = await getSession(sessionId);
    try {
      await deps.access.assert(user, opts.watchOnly ? "session:watch" : "session:proctor", { session });
    } catch (err) {
      if (err instanceof AppError && err.status === 403)
        await audit(user, "proctor.refused", sessionId, { reason: "not_this_session" });
      throw err;
    }
    return session;
  }

  /** Records a refusal, which changes nothing else, as an audit entry of its own. */
  async function audit(
    user: AuthUser,
    action: string,
    sessionId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await deps.audit.record(auditInput(user, action, sessionId, details));
  }

  /** Runs a proctor's action as one transaction with its audit entry (see `inUnitOfWork`). */
  const audited = <T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> => inUnitOfWork(deps.audit, work);

  /** Appends the action's entry inside its unit of work. */
  async function entry(
    uow: UnitOfWork,
    user: AuthUser,
    action: string,
    sessionId: string,
    details: Record<string, unknown>,
    attemptId?: string,
  ): Promise<void> {
    await deps.audit.append(uow.session, auditInput(user, action, sessionId, details, attemptId));
  }

  /** The entry for a proctor's action on a session or one of its attempts. */
  function auditInput(
    user: AuthUser,
    action: string,
    sessionId: string,
    details: Record<string, unknown>,
    attemptId?: string,
  ) {
    return {
      action,
      actor: { id: user.id, kind: user.kind, name: user.displayName },
      divisionCode: sessionCache.get(sessionId)?.session.divisionCode ?? null,
      target: attemptId ? { type: "exam_attempt", id: attemptId } : { type: "exam_session", id: sessionId },
      details: { sessionId, ...details },
    };
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

  /** Result of an action over targets: those not changed are skipped as `invalid_transition`. */
  const outcome = (
    t: { ids: string[]; skipped: { attemptId: string; code: string }[] },
    affected: string[],
  ) =>
    result(affected, [
      ...t.skipped,
      ...t.ids
        .filter((id) => !affected.includes(id))
        .map((attemptId) => ({ attemptId, code: "invalid_transition" })),
    ]);

  async function outageProposal(sessionId: string): Promise<OutageProposalDto | null> {
    const { inProgress, intervals } = await deps.exams.awayIntervals(sessionId);
    return proposeOutageCredit(sessionId, intervals, inProgress, rule);
  }

  return {
    authorize,

    /** The live seat map: every assigned candidate, with or without an attempt yet. */
    async room(user: AuthUser, sessionId: string): Promise<SessionRoomDto> {
      const session = await authorize(user, sessionId, { watchOnly: true });
      const [assignments, attemptSeats, sessionIncidents, published, proposal] = await Promise.all([
        deps.scheduling.listAssignments(sessionId),
        deps.exams.seatViews(sessionId),
        incidents.list(sessionId),
        deps.exams.isPublished(sessionId),
        outageProposal(sessionId),
      ]);
      const at = now();
      const byCandidate = new Map<string, SeatViewDto>();
      for (const seat of attemptSeats) byCandidate.set(seat.candidateId, seat);
      const seats: SeatViewDto[] = assignments.map(
        (s) => byCandidate.get(s.candidateId) ?? notArrivedSeat(sessionId, s),
      );
      return {
        sessionId,
        categoryCode: session.categoryCode,
        roomName: session.roomName,
        startsAt: session.startsAt,
        lateEntryMinutes: session.lateEntryMinutes,
        earliestHandInMinutes: session.earliestHandInMinutes,
        serverTime: at.getTime(),
        seats: seats.sort((a, b) => (a.seatNo ?? 1e9) - (b.seatNo ?? 1e9)),
        outageProposal: proposal,
        incidents: sessionIncidents,
        resultsPublished: published,
      };
    },

    async checkIn(user: AuthUser, p: CheckInPayload): Promise<CheckInResultDto> {
      const session = await authorize(user, p.sessionId);
      if (session.status === "cancelled") throw errors.conflict("session_cancelled", "本场次已取消");
      const photo = p.photo ? decodePhoto(p.photo) : undefined;
      const checkedIn = await audited(async (uow) => {
        const r = await deps.exams.checkIn(
          toActor(user),
          session,
          {
            candidateId: p.candidateId,
            idNumber: p.idNumber,
            seatId: p.seatId,
            accommodation: p.accommodation,
            photo,
          },
          uow,
        );
        await entry(
          uow,
          user,
          "exam.check_in",
          p.sessionId,
          { candidateId: p.candidateId, seatId: r.seat.seatId, onSitePhoto: Boolean(photo) },
          r.attemptId,
        );
        return r;
      });
      return { seat: checkedIn.seat, photoId: checkedIn.photoId, onSitePhoto: Boolean(photo) };
    },

    async release(
      user: AuthUser,
      sessionId: string,
      attemptIds?: string[],
      earlyReason?: string,
    ): Promise<ProctorActionResultDto> {
      await authorize(user, sessionId);
      const t = await targets(sessionId, attemptIds);
      const r = await audited(async (uow) => {
        const released = await deps.exams.release(
          toActor(user),
          sessionId,
          attemptIds ? t.ids : undefined,
          earlyReason,
          uow,
        );
        const details = { attempts: released.affected.length, whole: !attemptIds };
        if (released.early)
          await entry(uow, user, "exam.early_release", sessionId, { ...details, reason: earlyReason });
        else await entry(uow, user, "exam.release", sessionId, details);
        return released;
      });
      return result(r.affected, [...t.skipped, ...r.skipped]);
    },

    async pause(
      user: AuthUser,
      sessionId: string,
      attemptIds: string[] | undefined,
      reason: string,
    ): Promise<ProctorActionResultDto> {
      await authorize(user, sessionId);
      const t = await targets(sessionId, attemptIds);
      const affected = await audited(async (uow) => {
        const paused: string[] = [];
        for (const id of t.ids) if (await deps.exams.pause(toActor(user), id, reason, uow)) paused.push(id);
        await entry(uow, user, "proctor.pause", sessionId, {
          reason,
          attemptIds: paused,
          whole: !attemptIds,
        });
        return paused;
      });
      return outcome(t, affected);
    },

    async resume(user: AuthUser, sessionId: string, attemptIds?: string[]): Promise<ProctorActionResultDto> {
      await authorize(user, sessionId);
      const t = await targets(sessionId, attemptIds);
      const affected = await audited(async (uow) => {
        const resumed: string[] = [];
        for (const id of t.ids) if (await deps.exams.resume(toActor(user), id, uow)) resumed.push(id);
        await entry(uow, user, "proctor.resume", sessionId, { attemptIds: resumed, whole: !attemptIds });
        return resumed;
      });
      return outcome(t, affected);
    },

    /**
     * Extends one attempt (reason required). With `requireSecondApprover` the request waits until a
     * different proctor or officer approves it (Pearson VUE: time changes need a second authorisation).
     */
    async extend(
      user: AuthUser,
      p: ExtendPayload,
    ): Promise<ProctorActionResultDto & { pending: PendingExtensionDto | null }> {
      const session = await attemptSession(user, p.attemptId);
      await refuseIfPublished(session.id);
      if (p.requireSecondApprover) {
        const pending = await audited(async (uow) => {
          const added = await deps.exams.addPendingExtension(
            toActor(user),
            p.attemptId,
            p.minutes,
            p.reason,
            uow,
          );
          if (!added) throw errors.conflict("invalid_transition", "该考生当前不能延时");
          await entry(
            uow,
            user,
            "proctor.extend_requested",
            session.id,
            { minutes: p.minutes, reason: p.reason, requestId: added.requestId },
            p.attemptId,
          );
          return added;
        });
        const dto: PendingExtensionDto = {
          requestId: pending.requestId,
          attemptId: p.attemptId,
          minutes: p.minutes,
          reason: p.reason,
          requestedBy: user.displayName,
          requestedAt: now().toISOString(),
        };
        deps.notifier.toRoom(rooms.session(session.id), "session:extension_pending", dto);
        return { ...result([], []), pending: dto };
      }
      await audited(async (uow) => {
        const ok = await deps.exams.credit(toActor(user), p.attemptId, p.minutes, p.reason, "extend", uow);
        if (!ok) throw errors.conflict("invalid_transition", "该考生当前不能延时");
        await entry(
          uow,
          user,
          "proctor.extend",
          session.id,
          { minutes: p.minutes, reason: p.reason },
          p.attemptId,
        );
      });
      return { ...result([p.attemptId], []), pending: null };
    },

    async approveExtension(
      user: AuthUser,
      attemptId: string,
      requestId: string,
      approve: boolean,
    ): Promise<ProctorActionResultDto> {
      const owner = await deps.exams.ownerOf(attemptId);
      if (!owner) throw errors.notFound("考试记录", "attempt_not_found");
      await authorize(user, owner.sessionId, { watchOnly: true });
      const pending = await deps.exams.pendingExtension(attemptId, requestId);
      if (!pending) throw errors.notFound("延时申请", "extension_not_found");
      if (pending.requestedBy === user.id)
        throw errors.forbidden("延时须由另一名监考员或考务人员批准", "second_approver_required");
      // Taking the request, crediting it and the entry commit together: a refused credit leaves
      // the request pending.
      await audited(async (uow) => {
        const taken = await deps.exams.takePendingExtension(attemptId, requestId, uow);
        if (!taken) throw errors.notFound("延时申请", "extension_not_found");
        if (approve) {
          const ok = await deps.exams.credit(
            toActor(user),
            attemptId,
            taken.minutes,
            taken.reason,
            "extend",
            uow,
            { requestedBy: taken.requestedBy, approvedBy: user.id },
          );
          if (!ok) throw errors.conflict("invalid_transition", "该考生当前不能延时");
        }
        await entry(
          uow,
          user,
          approve ? "proctor.extend_approved" : "proctor.extend_rejected",
          owner.sessionId,
          { requestId, minutes: taken.minutes, requestedBy: taken.requestedBy },
          attemptId,
        );
      });
      return result(approve ? [attemptId] : [], []);
    },

    async forceSubmit(user: AuthUser, attemptId: string, reason: string): Promise<ProctorActionResultDto> {
      const session = await attemptSession(user, attemptId);
      await refuseIfPublished(session.id);
      const ok = await audited(async (uow) => {
        const done = await deps.exams.forceSubmit(toActor(user), attemptId, uow);
        await entry(uow, user, "proctor.force_submit", session.id, { reason, done }, attemptId);
        return done;
      });
      return ok ? result([attemptId], []) : result([], [{ attemptId, code: "invalid_transition" }]);
    },

    async voidAttempt(user: AuthUser, attemptId: string, note: string): Promise<ProctorActionResultDto> {
      const session = await attemptSession(user, attemptId);
      await refuseIfPublished(session.id);
      const ok = await audited(async (uow) => {
        const done = await deps.exams.voidAttempt(toActor(user), attemptId, note, uow);
        await entry(uow, user, "proctor.void", session.id, { note, done }, attemptId);
        return done;
      });
      return ok ? result([attemptId], []) : result([], [{ attemptId, code: "invalid_transition" }]);
    },

    async incident(user: AuthUser, p: IncidentPayload): Promise<IncidentDto> {
      await authorize(user, p.sessionId);
      if (p.attemptId) {
        const owner = await deps.exams.ownerOf(p.attemptId);
        if (owner?.sessionId !== p.sessionId) throw errors.notFound("考试记录", "attempt_not_found");
      }
      // The report and its audit entry commit together: no report without its entry, nor the reverse.
      const dto = await audited(async (uow) => {
        const stored = await incidents.create(user, p, now(), uow.session);
        await entry(
          uow,
          user,
          "proctor.incident",
          p.sessionId,
          { kind: p.kind, note: p.note, incidentId: stored.id },
          p.attemptId,
        );
        return stored;
      });
      deps.notifier.toRoom(rooms.session(p.sessionId), "session:incident", dto);
      return dto;
    },

    /** Applies an outage credit with a reason; the credited away intervals are not proposed again. */
    async creditOutage(user: AuthUser, p: CreditOutagePayload): Promise<ProctorActionResultDto> {
      await authorize(user, p.sessionId);
      const t = await targets(p.sessionId, p.attemptIds);
      const at = now();
      const affected = await audited(async (uow) => {
        const credited: string[] = [];
        for (const id of t.ids) {
          if (await deps.exams.credit(toActor(user), id, p.minutes, p.reason, "credit", uow)) {
            credited.push(id);
            await deps.exams.markOutageCredited(id, at, uow);
          }
        }
        await entry(uow, user, "proctor.credit_outage", p.sessionId, {
          minutes: p.minutes,
          reason: p.reason,
          attemptIds: credited,
        });
        return credited;
      });
      return outcome(t, affected);
    },

    outageProposal,

    /** After a seat reconnects: if that ended a room-wide outage, propose the credit to the proctors. */
    async checkOutage(sessionId: string): Promise<void> {
      const proposal = await outageProposal(sessionId);
      if (proposal) deps.notifier.toRoom(rooms.session(sessionId), "session:outage", proposal);
    },
  };
}
export type ProctoringService = ReturnType<typeof createProctoringService>;
