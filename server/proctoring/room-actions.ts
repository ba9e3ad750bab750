import type { AuthUser } from "../contracts/auth.js";
import type {
  CheckInPayload,
  CheckInResultDto,
  CreditOutagePayload,
  IncidentDto,
  IncidentPayload,
  ProctorActionResultDto,
} from "../contracts/exams.js";
import { rooms } from "../exams/index.js";
import { errors } from "../lib/errors.js";
import { decodePhoto } from "./check-in-photo.js";
import { toActor, type ProctorDesk } from "./proctor-desk.js";

/** How far ahead of this instance's clock a proposal's outage end may lie (clocks of instances differ). */
const OUTAGE_CLOCK_SLACK_MS = 60_000;

/**
 * A proctor's actions on a session's room: check-in, release, pause and resume (the whole room or
 * named seats), incident reports and outage credit. Each commits with its audit entry.
 */
export function createRoomActions(desk: ProctorDesk) {
  const { deps, incidents, now, authorize, audited, entry, targets, result, outcome } = desk;

  return {
    async checkIn(user: AuthUser, p: CheckInPayload): Promise<CheckInResultDto> {
      const session = await authorize(user, p.sessionId);
      if (session.status === "cancelled") throw errors.conflict("session_cancelled", "本场次已取消");
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
              p.sessionId,
              { candidateId: p.candidateId, seatId: r.seat.seatId, onSitePhoto: Boolean(photo) },
              r.attemptId,
            );
            return r;
          }),
      );
      return { seat: checkedIn.seat, photoId: checkedIn.photoId, onSitePhoto: Boolean(photo) };
    },

    async release(
      user: AuthUser,
      sessionId: string,
      attemptIds?: string[],
      earlyReason?: string,
    ): Promise<ProctorActionResultDto> {
      await authorize(user, sessionId);
      // The whole room needs no list of its attempts here: the release reads the room itself.
      const t = attemptIds ? await targets(sessionId, attemptIds) : { ids: [], skipped: [] };
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
        const paused = await deps.exams.pause(toActor(user), t.ids, reason, uow);
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
        const resumed = await deps.exams.resume(toActor(user), t.ids, uow);
        await entry(uow, user, "proctor.resume", sessionId, { attemptIds: resumed, whole: !attemptIds });
        return resumed;
      });
      return outcome(t, affected);
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

    /**
     * Applies an outage credit with a reason, once per outage and seat: a seat already credited for
     * this outage (by another proctor, or by this proposal sent again) is skipped as
     * `already_credited`. The credited away intervals are not proposed again.
     */
    async creditOutage(user: AuthUser, p: CreditOutagePayload): Promise<ProctorActionResultDto> {
      await authorize(user, p.sessionId);
      // An outage "ending" later than now would mark future drops as credited before they happen.
      if (p.outageTo > now().getTime() + OUTAGE_CLOCK_SLACK_MS)
        throw errors.badRequest("outage_in_future", "断线补时所对应的中断结束时间晚于当前时间");
      const t = await targets(p.sessionId, p.attemptIds);
      const until = new Date(p.outageTo);
      const { credited, already } = await audited(async (uow) => {
        const done = { credited: [] as string[], already: [] as string[] };
        for (const id of t.ids) {
          if (!(await deps.exams.claimOutageCredit(id, until, uow))) done.already.push(id);
          else if (await deps.exams.credit(toActor(user), id, p.minutes, p.reason, "credit", uow))
            done.credited.push(id);
        }
        await entry(uow, user, "proctor.credit_outage", p.sessionId, {
          minutes: p.minutes,
          reason: p.reason,
          outageTo: until.toISOString(),
          attemptIds: done.credited,
        });
        return done;
      });
      const answer = outcome({ ids: t.ids.filter((id) => !already.includes(id)), skipped: t.skipped }, credited);
      answer.skipped.push(...already.map((attemptId) => ({ attemptId, code: "already_credited" })));
      return answer;
    },
  };
}
