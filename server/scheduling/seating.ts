import type { ClientSession } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  AssignBody,
  AutoAssignBody,
  AutoAssignResultDto,
  SeatAssignmentDto,
  SeatMapDto,
} from "../contracts/scheduling.js";
import { canSeeDivision } from "../access/index.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { autoSeat } from "./auto-seating.js";
import { toAssignmentDto, toSessionDto, type AssignmentLean, type SessionLean } from "./presenters.js";
import type { SchedulingCore } from "./scheduling-core.js";

const MAX_RETRIES = 8;

/**
 * Seating a session: assigning a candidate to a seat (with the admission ticket number), removing
 * the assignment, the seat map and automatic seating. Capacity and seat uniqueness hold under
 * concurrent assignment: the session's counter and the assignment are written in one transaction
 * (with the audit entry), and unique indexes back both.
 */
export function createSeating(core: SchedulingCore) {
  const {
    options,
    Sessions,
    Assignments,
    audit,
    now,
    loadForRead,
    loadForWrite,
    newTicketNo,
    overlappingSeats,
    timeClash,
  } = core;

  /** Why the session's seat count could not be taken inside a seating's transaction. */
  async function whyNotSeated(sessionId: string, read: SessionLean, tx: ClientSession, at: Date) {
    const live = await Sessions.findById(sessionId, { status: 1, startsAt: 1, endsAt: 1 }).session(tx).lean();
    if (!live || live.status !== "scheduled") return errors.conflict("session_cancelled", "该场次已取消");
    if (live.startsAt.getTime() !== read.startsAt.getTime() || live.endsAt.getTime() !== read.endsAt.getTime())
      return errors.conflict("session_changed", "该场次的时间刚被修改，请刷新后重试");
    if (live.startsAt <= at) return errors.conflict("session_started", "场次已开考，不能再安排考生");
    return errors.conflict("session_full", "该场次已达容量上限");
  }

  const seating = {
    /**
     * Assigns a registered candidate to a seat (the lowest free one when none is named) and issues
     * the admission ticket number. Refuses candidates outside the officer's division, candidates
     * who did not apply for the session's category, double bookings, and the retake policy's refusals.
     */
    async assign(actor: AuthUser, sessionId: string, body: AssignBody): Promise<SeatAssignmentDto> {
      const s = await loadForWrite(actor, sessionId);
      if (s.status !== "scheduled") throw errors.conflict("session_cancelled", "该场次已取消");
      if (s.startsAt <= now()) throw errors.conflict("session_started", "场次已开考，不能再安排考生");
      const candidate = await options.registration.getCandidate(body.candidateId);
      if (!candidate || !canSeeDivision(actor.divisionCode, candidate.divisionCode))
        throw errors.notFound("考生");
      if (candidate.withdrawn) throw errors.conflict("candidate_withdrawn", "该考生已撤销报名，不能安排座位");
      if (!candidate.categories.includes(s.categoryCode as CategoryCode)) {
        throw errors.unprocessable(
          "not_applied",
          `该考生未报考${CATEGORIES[s.categoryCode as CategoryCode]}`,
        );
      }
      const sameCategorySeat = () =>
        Assignments.exists({
          candidateId: candidate.id,
          categoryCode: s.categoryCode,
          endsAt: { $gt: now() },
          sessionId: { $ne: sessionId },
          sessionCancelled: { $ne: true },
        });
      const alreadyScheduled = () =>
        errors.conflict("already_scheduled", "该考生已安排在其他未结束的同类别场次");
      if (await sameCategorySeat()) throw alreadyScheduled();
      await options.retakeCheck?.(candidate.id, {
        categoryCode: s.categoryCode as CategoryCode,
        startsAt: s.startsAt,
        blueprint: s.blueprint ?? null,
      });
      const room = await options.organisation.getRoom(s.testCentreId, s.roomId);
      if (!room) throw errors.conflict("room_gone", "考场已不存在");

      for (let attempt = 1; ; attempt++) {
        const taken = new Set(
          (await Assignments.find({ sessionId }, { seatId: 1 }).lean()).map((a) => a.seatId),
        );
        const seat = body.seatId
          ? room.seats.find((x) => x.seatId === body.seatId)
          : room.seats.find((x) => !taken.has(x.seatId));
        if (body.seatId && !seat) throw errors.badRequest("unknown_seat", "座位不属于该考场");
        if (!seat) throw errors.conflict("session_full", "该场次座位已满");
        if (body.seatId && taken.has(seat.seatId))
          throw errors.conflict("seat_taken", "该座位已安排其他考生");
        try {
          const created = await audit.transaction(async (session) => {
            // Claimed in this transaction: a withdrawal since the check above refuses the seat here.
            if (!(await options.registration.claimForSeating([candidate.id], session, { name: candidate.name })))
              throw (await options.registration.getCandidate(candidate.id))?.withdrawn
                ? errors.conflict("candidate_withdrawn", "该考生已撤销报名，不能安排座位")
                : errors.conflict("candidate_changed", "该考生的报名信息刚被修改，请刷新后重试");
            // After the claim, inside the transaction: two seatings of one candidate at once write
            // the same claim, so the retried one sees the other's seat here.
            const clashing = timeClash(
              await overlappingSeats([candidate.id], sessionId, s.startsAt, s.endsAt).session(session),
              "candidate",
            );
            if (clashing) throw clashing;
            // Read again after the claim: two officers seating one candidate in two sessions of
            // the category (next week and the week after) do not overlap in time, so only this
            // check stops both from committing.
            if (await sameCategorySeat().session(session)) throw alreadyScheduled();
            // Conditional on the times read before: the seat copies them (and the clash checks
            // above used them), so a session moved meanwhile refuses the seating. And on the
            // start still ahead: the check before the transaction can be passed by the time it commits.
            const at = now();
            const counted = await Sessions.updateOne(
              {
                _id: sessionId,
                status: "scheduled",
                startsAt: { $eq: s.startsAt, $gt: at },
                endsAt: s.endsAt,
                assignedCount: { $lt: s.capacity },
              },
              { $inc: { assignedCount: 1 } },
              { session },
            );
            if (counted.modifiedCount !== 1) throw await whyNotSeated(sessionId, s, session, at);
            const [a] = await Assignments.create(
              [
                {
                  sessionId,
                  candidateId: candidate.id,
                  seatId: seat.seatId,
                  seatNo: seat.seatNo,
                  ticketNo: newTicketNo(s),
                  name: candidate.name,
                  idNumber: candidate.idNumber,
                  sex: candidate.sex,
                  photoId: candidate.photoId,
                  categoryCode: s.categoryCode,
                  startsAt: s.startsAt,
                  endsAt: s.endsAt,
                  divisionCode: candidate.divisionCode,
                },
              ],
              { session },
            );
            if (!a) throw new Error("assignment not written");
            await audit.append(session, {
              action: "session.candidate_assigned",
              actor,
              // Filed where the session is, beside its creation: a city reads its own sessions' log.
              divisionCode: s.divisionCode,
              target: { type: "exam_session", id: sessionId },
              details: {
                candidateName: a.name,
                candidateId: a.candidateId,
                seatNo: a.seatNo,
                ticketNo: a.ticketNo,
              },
            });
            return a.toObject() as AssignmentLean;
          });
          return toAssignmentDto(created);
        } catch (err) {
          if (isDuplicateKey(err, "candidateId")) throw errors.conflict("already_assigned", "该考生已在本场次");
          // A racing assignment took the seat (pick again, unless the officer named it) or the
          // random ticket number (draw again, whichever seat: auto-seating names every seat).
          const again = isDuplicateKey(err, "ticketNo") || (!body.seatId && isDuplicateKey(err));
          if (!again || attempt >= MAX_RETRIES) {
            if (isDuplicateKey(err, "seatId")) throw errors.conflict("seat_taken", "该座位已安排其他考生");
            throw err;
          }
        }
      }
    },

    async unassign(actor: AuthUser, sessionId: string, candidateId: string): Promise<void> {
      const s = await loadForWrite(actor, sessionId);
      if (s.startsAt <= now()) throw errors.conflict("session_started", "场次已开考，不能取消安排");
      await audit.transaction(async (session) => {
        // Read again inside the transaction: the session may have started since the check above,
        // and from its start the seat map is the proctor's.
        const live = await Sessions.findById(sessionId, { startsAt: 1 }).session(session).lean();
        if (live && live.startsAt <= now())
          throw errors.conflict("session_started", "场次已开考，不能取消安排");
        // Not once checked in: their attempt holds a paper and would be released unseen by the
        // proctor's seat map (which lists assignments); the proctor voids it instead.
        const removed = await Assignments.findOneAndDelete(
          { sessionId, candidateId, admittedAt: null },
          { session },
        ).lean();
        if (!removed) {
          if (await Assignments.exists({ sessionId, candidateId }).session(session))
            throw errors.conflict(
              "candidate_checked_in",
              "该考生已入场核验，不能取消安排；如需停考，请由监考员作废其考试",
            );
          throw errors.notFound("座位安排");
        }
        await Sessions.updateOne({ _id: sessionId }, { $inc: { assignedCount: -1 } }, { session });
        await audit.append(session, {
          action: "session.candidate_unassigned",
          actor,
          divisionCode: s.divisionCode,
          target: { type: "exam_session", id: sessionId },
          details: { candidateName: removed.name, candidateId, seatNo: removed.seatNo },
        });
      });
    },

    async seatMap(actor: AuthUser, sessionId: string): Promise<SeatMapDto> {
      const s = await loadForRead(actor, sessionId);
      const room = await options.organisation.getRoom(s.testCentreId, s.roomId);
      const assignments = (await Assignments.find({ sessionId }).lean()) as AssignmentLean[];
      const bySeat = new Map(assignments.map((a) => [a.seatId, a]));
      return {
        session: toSessionDto(s, now()),
        seats: (room?.seats ?? []).map((seat) => {
          const a = bySeat.get(seat.seatId);
          return {
            seatId: seat.seatId,
            seatNo: seat.seatNo,
            bound: seat.bound,
            assignment: a ? { candidateId: a.candidateId, name: a.name, ticketNo: a.ticketNo } : null,
          };
        }),
      };
    },

    /** Seats many candidates at once through `assign`, bound seats first; refusals reported by name. */
    async autoAssign(actor: AuthUser, sessionId: string, body: AutoAssignBody): Promise<AutoAssignResultDto> {
      return autoSeat(
        {
          seatMap: (a, id) => seating.seatMap(a, id),
          assign: (a, id, b) => seating.assign(a, id, b),
          registration: options.registration,
          passedCandidates: (categoryCode) => options.passedCandidates?.(categoryCode) ?? Promise.resolve(new Set()),
          scheduledCandidates: async (categoryCode) =>
            new Set(
              (
                await Assignments.find(
                  { categoryCode, endsAt: { $gt: now() }, sessionCancelled: { $ne: true } },
                  { candidateId: 1 },
                ).lean()
              ).map((a) => a.candidateId),
            ),
        },
        actor,
        sessionId,
        body,
      );
    },
  };
  return seating;
}
