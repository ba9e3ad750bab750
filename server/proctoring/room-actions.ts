import type { AuthUser } from "../contracts/auth.js";
import type {
  CheckInPayload,
  CheckInResultDto,
  CreditOutagePayload,
  IncidentDto,
  IncidentPayload,
  ProctorActionResultDto,
  UnlockLoginPayload,
  UnlockLoginResultDto,
} from "../contracts/exams.js";
import { rooms, type UnitOfWork } from "../exams/index.js";
import { AppError, errors } from "../lib/errors.js";
import { decodePhoto } from "./check-in-photo.js";
import type { AwayInterval } from "./outage.js";
import { toActor, type ProctorDesk, type SessionOfEntry } from "./proctor-desk.js";

type Skipped = { attemptId: string; code: string };

/**
 * Refusals of one seat's outage credit (or of the request it becomes) that leave the rest of the
 * room's credit standing: the seat is skipped with the code, its drops left unclaimed (see
 * creditOrAsk). An outage credit is owed time: the budget of proctor events and the bound on
 * extension requests do not refuse it (attempt-controls.ts), only the bound on outage credits
 * waiting for approval that keeps the attempt's size in check.
 */
const SEAT_BOUNDS: ReadonlySet<string> = new Set(["too_many_pending_extensions"]);

/**
 * A proctor's actions on a session's room: check-in, release, pause and resume (the whole room or
 * named seats), incident reports and outage credit. Each commits with its audit entry, and each
 * reads, writes, audits and broadcasts by the id of the session `authorize` found, never the id sent.
 */
export function createRoomActions(desk: ProctorDesk, approvalMinutes: number) {
  const {
    deps,
    incidents,
    now,
    authorize,
    audited,
    entry,
    fileExtensionRequest,
    targets,
    result,
    outcome,
    currentOutage,
  } = desk;

  /** The seats among `ids` with a credited drop inside the outage named (a credit already given). */
  function creditedWithin(p: CreditOutagePayload, ids: string[], intervals: AwayInterval[]): Set<string> {
    const credited = intervals.filter(
      (w) => w.credited && w.from >= p.outageFrom && w.from <= p.outageTo && ids.includes(w.attemptId),
    );
    return new Set(credited.map((w) => w.attemptId));
  }

  /**
   * Gives one seat its outage credit under the same two-person rule as an extension: one proctor
   * alone may bring a candidate's extra time in all only to below EXAM_EXTENSION_APPROVAL_MINUTES
   * (judged in the credit's transaction). A credit that would reach it becomes an extension
   * request that another proctor or officer approves on the seat (the console's existing
   * 批准/驳回), its drops credited all the same so the outage is not proposed again.
   *
   * A seat at a bound (SEAT_BOUNDS) is answered `{ refused: code }` rather than thrown: thrown, it
   * aborted the room's one transaction, and `outage_partial` keeps the proctor from leaving the
   * seat out, so one seat kept the credit from the whole room. Safe to go on with the
   * transaction: the bound is judged in the attempt store's `decide`, before that seat's request
   * writes anything (`credit` refuses `approval_required` there, and `fileExtensionRequest` writes
   * nothing before `addPendingExtension`). Any other refusal still aborts it all.
   */
  async function creditOrAsk(
    user: AuthUser,
    session: SessionOfEntry,
    attemptId: string,
    minutes: number,
    reason: string,
    uow: UnitOfWork,
  ): Promise<"credited" | { requestId: string } | { refused: string } | null> {
    try {
      return await creditOrFile(user, session, attemptId, minutes, reason, uow);
    } catch (err) {
      if (err instanceof AppError && SEAT_BOUNDS.has(err.code)) return { refused: err.code };
      throw err;
    }
  }

  async function creditOrFile(
    user: AuthUser,
    session: SessionOfEntry,
    attemptId: string,
    minutes: number,
    reason: string,
    uow: UnitOfWork,
  ): Promise<"credited" | { requestId: string } | null> {
    try {
      const ok = await deps.exams.credit(
        toActor(user),
        attemptId,
        minutes,
        reason,
        "credit",
        uow,
        {},
        approvalMinutes,
      );
      return ok ? "credited" : null;
    } catch (err) {
      if (!(err instanceof AppError && err.code === "approval_required")) throw err;
    }
    const asked = `断线补时：${reason}`.slice(0, 500);
    const filed = await fileExtensionRequest(
      uow,
      user,
      session,
      { attemptId, minutes, reason: asked },
      { reason },
    );
    return filed && { requestId: filed.requestId };
  }

  return {
    async checkIn(user: AuthUser, p: CheckInPayload): Promise<CheckInResultDto> {
      const session = await authorize(user, p.sessionId);
      const photo = p.photo ? decodePhoto(p.photo) : undefined;
      // Exam delivery checks and assembles the paper first; its writes and this entry then
      // commit as one transaction.
      const checkedIn = await deps.exams.checkIn(
        toActor(user),
        session,
        {
          candidateId: p.candidateId,
          idNumber: p.idNumber,
          seatId: p.seatId,
          accommodation: p.accommodation,
          photo,
        },
        (writes) =>
          audited(async (uow) => {
            const r = await writes(uow);
            await entry(
              uow,
              user,
              "exam.check_in",
              session,
              { candidateId: p.candidateId, seatId: r.seat.seatId, onSitePhoto: Boolean(photo) },
              r.attemptId,
            );
            return r;
          }),
      );
      return {
        seat: checkedIn.seat,
        photoId: checkedIn.photoId,
        onSitePhoto: Boolean(photo) && !checkedIn.repeated,
      };
    },

    async release(
      user: AuthUser,
      sessionId: string,
      attemptIds?: string[],
      earlyReason?: string,
    ): Promise<ProctorActionResultDto> {
      const session = await authorize(user, sessionId);
      const { id } = session;
      // The whole room needs no list of its attempts here: the release reads the room itself.
      const t = attemptIds ? await targets(id, attemptIds) : { ids: [], skipped: [] };
      const r = await audited(async (uow) => {
        const released = await deps.exams.release(
          toActor(user),
          id,
          attemptIds ? t.ids : undefined,
          earlyReason,
          uow,
        );
        const details = { attempts: released.affected.length, whole: !attemptIds };
        if (released.early)
          await entry(uow, user, "exam.early_release", session, { ...details, reason: earlyReason });
        else await entry(uow, user, "exam.release", session, details);
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
      const session = await authorize(user, sessionId);
      const { id } = session;
      const t = await targets(id, attemptIds);
      const paused = await audited(async (uow) => {
        const r = await deps.exams.pause(toActor(user), t.ids, reason, uow);
        await entry(uow, user, "proctor.pause", session, {
          reason,
          attemptIds: r.affected,
          whole: !attemptIds,
        });
        return r;
      });
      // Seats left running at a bound keep their own code; only the rest are `invalid_transition`.
      return outcome(t, paused.affected, paused.skipped);
    },

    async resume(user: AuthUser, sessionId: string, attemptIds?: string[]): Promise<ProctorActionResultDto> {
      const session = await authorize(user, sessionId);
      const { id } = session;
      const t = await targets(id, attemptIds);
      const affected = await audited(async (uow) => {
        const resumed = await deps.exams.resume(toActor(user), t.ids, uow);
        await entry(uow, user, "proctor.resume", session, { attemptIds: resumed, whole: !attemptIds });
        return resumed;
      });
      return outcome(t, affected);
    },

    async incident(user: AuthUser, p: IncidentPayload): Promise<IncidentDto> {
      const session = await authorize(user, p.sessionId);
      const { id } = session;
      if (p.attemptId) {
        const owner = await deps.exams.ownerOf(p.attemptId);
        if (owner?.sessionId !== id) throw errors.notFound("考试记录", "attempt_not_found");
      }
      // The report and its audit entry commit together: no report without its entry, nor the reverse.
      const dto = await audited(async (uow) => {
        const stored = await incidents.create(user, { ...p, sessionId: id }, now(), uow.session);
        await entry(
          uow,
          user,
          "proctor.incident",
          session,
          { kind: p.kind, note: p.note, incidentId: stored.id },
          p.attemptId,
        );
        return stored;
      });
      deps.notifier.toRoom(rooms.session(id), "session:incident", dto);
      return dto;
    },

    /**
     * Applies the outage credit proposed now, with a reason: each named seat of the outage is given
     * what that outage cost it, computed here from its own drops (never a number from the page), and
     * its drops are marked credited so the outage is not proposed again. A seat already credited
     * for it (by another proctor, or by this proposal sent again) is skipped as `already_credited`;
     * a seat the outage does not cover, as `not_in_outage`. When the outage named is no longer the
     * one proposed (seats dropped again, or it was credited and another is proposed), the credit
     * is refused `outage_changed` and nothing changes. The outage is read and credited in one
     * transaction with the audit entry. A seat's credit that would bring its extra time to the
     * approval limit waits for a second approver instead (`approval_pending`, see creditOrAsk); one
     * whose attempt no longer takes time is skipped as `not_in_progress`.
     */
    async creditOutage(user: AuthUser, p: CreditOutagePayload): Promise<ProctorActionResultDto> {
      const session = await authorize(user, p.sessionId);
      const { id } = session;
      const t = await targets(id, p.attemptIds);
      const { credited, skipped } = await audited(async (uow) => {
        const { outage, intervals } = await currentOutage(id, uow);
        const named = outage?.proposal.from === p.outageFrom && outage.proposal.to === p.outageTo;
        const done = {
          credited: [] as { attemptId: string; minutes: number }[],
          pending: [] as { attemptId: string; minutes: number; requestId: string }[],
          notCredited: [] as string[],
          refused: [] as Skipped[],
          skipped: [] as Skipped[],
        };
        const wereCredited = named ? new Set<string>() : creditedWithin(p, t.ids, intervals);
        if (!named && wereCredited.size === 0)
          throw errors.conflict("outage_changed", "断线情况已有变化，请按考场页面最新的补时建议重新操作");
        // Crediting some of an outage's seats could leave the rest too few to be proposed again:
        // they would never be credited. One credit takes every seat the outage covers.
        const left = named ? outage.proposal.seats.filter((s) => !t.ids.includes(s.attemptId)) : [];
        if (left.length > 0)
          throw errors.conflict(
            "outage_partial",
            `本次断线须为全部 ${outage?.proposal.seats.length ?? 0} 名受影响考生一并补偿，不能只补偿其中一部分`,
          );
        for (const attemptId of t.ids) {
          const seat = named ? outage.proposal.seats.find((s) => s.attemptId === attemptId) : undefined;
          const dropsFrom = (outage?.drops.get(attemptId) ?? []).map((from) => new Date(from));
          if (!seat) {
            const code = wereCredited.has(attemptId) ? "already_credited" : "not_in_outage";
            done.skipped.push({ attemptId, code });
            continue;
          }
          // Given (or asked) first, its drops claimed after, in the same transaction: a seat
          // refused at a bound keeps its drops unclaimed. Claimed for a refused seat, they were
          // credited with nothing given, so the deadline sweep no longer held the seat for the
          // outage and closed it: the time owed was lost for good.
          const given = await creditOrAsk(user, session, attemptId, seat.minutes, p.reason, uow);
          if (given && given !== "credited" && "refused" in given) {
            // Said with the bound's code, in the result and on the record. Its outage credits
            // waiting for approval keep the deadline sweep holding it (closing.ts outageHolds).
            done.refused.push({ attemptId, code: given.refused });
            done.skipped.push({ attemptId, code: given.refused });
          } else if (!(await deps.exams.claimOutageCredit(attemptId, dropsFrom, uow))) {
            // Taken by another credit since this one read the outage: what was just given or asked
            // must not stand beside it (the whole credit rolls back and is sent again).
            if (given)
              throw errors.conflict("outage_changed", "断线情况已有变化，请按考场页面最新的补时建议重新操作");
            done.skipped.push({ attemptId, code: "already_credited" });
          } else {
            if (given === "credited") done.credited.push(seat);
            else if (given) {
              done.pending.push({ ...seat, requestId: given.requestId });
              done.skipped.push({ attemptId, code: "approval_pending" });
            } else {
              // Claimed (its drops are credited, never proposed again) but neither given nor asked:
              // the attempt no longer takes time. Said in the result and on the credit's record.
              done.notCredited.push(attemptId);
              done.skipped.push({ attemptId, code: "not_in_progress" });
            }
          }
        }
        await entry(uow, user, "proctor.credit_outage", session, {
          reason: p.reason,
          outageFrom: new Date(p.outageFrom).toISOString(),
          outageTo: new Date(p.outageTo).toISOString(),
          seats: done.credited,
          ...(done.pending.length > 0 ? { pending: done.pending } : {}),
          ...(done.notCredited.length > 0 ? { notCredited: done.notCredited } : {}),
          ...(done.refused.length > 0 ? { creditRefused: done.refused } : {}),
        });
        return done;
      });
      return outcome(
        t,
        credited.map((c) => c.attemptId),
        skipped,
      );
    },

    /**
     * Lifts a seated candidate's login lockout (five wrong tries at their seat lock them out for 15
     * minutes, maybe mid-exam): the proctor has the person in front of them. Only for a candidate
     * seated in this session; audited with whether a lock was in effect.
     */
    async unlockLogin(user: AuthUser, p: UnlockLoginPayload): Promise<UnlockLoginResultDto> {
      const session = await authorize(user, p.sessionId);
      const { id } = session;
      const logins = deps.logins;
      if (!logins)
        throw errors.conflict("login_unlock_unavailable", "本节点考生不在考场登录，没有可解除的登录锁定");
      const seated = (await deps.scheduling.listAssignments(id)).find((a) => a.candidateId === p.candidateId);
      if (!seated) throw errors.unprocessable("not_assigned", "该考生未被安排在本场次");
      const unlocked = await audited(async (uow) => {
        const was = await logins.unlockCandidate(seated.idNumber, uow.session);
        await entry(uow, user, "proctor.unlock_login", session, {
          candidateId: seated.candidateId,
          candidateName: seated.name,
          seatNo: seated.seatNo,
          unlocked: was,
        });
        return was;
      });
      return { unlocked };
    },
  };
}
