import { randomInt } from "node:crypto";
import { Types, type ClientSession, type Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type {
  AdmissionTicketDto,
  AssignBody,
  AutoAssignBody,
  AutoAssignResultDto,
  CreateSessionBody,
  ExamSessionDto,
  SeatAssignmentDto,
  SeatMapDto,
  UpdateSessionBody,
} from "../contracts/scheduling.js";
import { canSeeDivision, decide, divisionFilter } from "../access/index.js";
import { errors } from "../lib/errors.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import type { OrganisationService } from "../organisation/index.js";
import type { RegistrationService } from "../registration/index.js";
import { assignmentModel, examSessionModel } from "./scheduling.model.js";
import { bookedUntilOf, createRoomBooking } from "./room-booking.js";
import { toAssignmentDto, toSessionDto, toTicket, type AssignmentLean, type SessionLean } from "./presenters.js";
import { autoSeat } from "./auto-seating.js";

/** Retake policy at scheduling time (the exam feature supplies it); throws an AppError to refuse. */
export type RetakeCheck = (candidateId: string, categoryCode: CategoryCode) => Promise<void>;

export interface SchedulingOptions {
  provinceCode: string | null;
  organisation: OrganisationService;
  registration: RegistrationService;
  retakeCheck?: RetakeCheck;
  /** Where changes are audited, inside their own transaction (default: this database's log). */
  audit?: AuditLog;
  /** Minutes the room stays booked after the latest regular deadline (EXAM_ROOM_RESERVE_MINUTES). */
  roomReserveMinutes?: number;
  /** Which sessions have published results (the exam feature answers; default none). */
  publishedAmong?: (sessionIds: string[]) => Promise<Set<string>>;
  now?: () => Date;
}


const MAX_RETRIES = 8;

function isDuplicate(err: unknown, field?: string): boolean {
  const e = err as { code?: unknown; keyPattern?: Record<string, unknown> };
  return e.code === 11000 && (!field || Boolean(e.keyPattern && field in e.keyPattern));
}

/**
 * Scheduling (考试安排): sessions (场次) per test-centre room, seat assignments and admission
 * tickets (准考证). Capacity and seat uniqueness hold under concurrent assignment: the session's
 * counter and the assignment are written in one transaction, and unique indexes back both.
 */
export function createSchedulingService(conn: Connection, options: SchedulingOptions) {
  const Sessions = examSessionModel(conn);
  const Assignments = assignmentModel(conn);
  const audit = options.audit ?? createAuditService(conn);
  const now = options.now ?? (() => new Date());
  const booking = createRoomBooking(Sessions);
  const reserve = options.roomReserveMinutes ?? 30;

  async function loadSession(id: string): Promise<SessionLean | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    return (await Sessions.findById(id).lean()) as SessionLean | null;
  }

  // Sessions outside the actor's scope look like none (404), as the access policies say.
  async function loadForRead(actor: AuthUser, id: string): Promise<SessionLean> {
    const s = await loadSession(id);
    if (!s) throw errors.notFound("考试场次");
    decide(actor, "session:read", s);
    return s;
  }

  async function loadForWrite(actor: AuthUser, id: string): Promise<SessionLean> {
    const s = await loadSession(id);
    if (!s) throw errors.notFound("考试场次");
    decide(actor, "session:write", s);
    return s;
  }

  function newTicketNo(s: SessionLean): string {
    const d = s.startsAt;
    const ymd = `${String(d.getUTCFullYear()).slice(2)}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
    return `${s.provinceCode.slice(0, 2)}${ymd}${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
  }

  const service = {
    async createSession(actor: AuthUser, body: CreateSessionBody): Promise<ExamSessionDto> {
      const provinceCode = options.provinceCode;
      if (!provinceCode) throw errors.forbidden("全国共享平台不安排考试", "not_a_province_node");
      const room = await options.organisation.getRoom(body.testCentreId, body.roomId);
      if (!room) throw errors.badRequest("unknown_room", "考场不存在");
      if (room.retired) throw errors.conflict("room_retired", "该考场或考点已停用，不能安排新的场次");
      if (!canSeeDivision(actor.divisionCode, room.divisionCode))
        throw errors.forbidden("无权在该考点安排考试", "division_out_of_scope");
      const startsAt = new Date(body.startsAt);
      if (startsAt <= now()) throw errors.badRequest("starts_in_past", "开考时间须晚于当前时间");
      const endsAt = new Date(startsAt.getTime() + body.durationMinutes * 60_000);
      const capacity = body.capacity ?? room.seats.length;
      if (capacity > room.seats.length) {
        throw errors.badRequest("capacity_exceeds_seats", `容量不能超过考场座位数 ${room.seats.length}`);
      }
      const bookedUntil = bookedUntilOf(
        { startsAt, lateEntryMinutes: body.lateEntryMinutes, durationMinutes: body.durationMinutes },
        reserve,
      );
      await booking.assertFree(room.roomId, startsAt, bookedUntil);
      const s = await audit.transaction(async (session) => {
        const [created] = await Sessions.create(
          [
            {
              categoryCode: body.categoryCode,
              testCentreId: room.testCentreId,
              testCentreName: room.testCentreName,
              testCentreAddress: room.testCentreAddress,
              roomId: room.roomId,
              roomName: room.roomName,
              startsAt,
              durationMinutes: body.durationMinutes,
              endsAt,
              bookedUntil,
              capacity,
              lateEntryMinutes: body.lateEntryMinutes,
              earliestHandInMinutes: body.earliestHandInMinutes,
              provinceCode,
              divisionCode: room.divisionCode,
              createdBy: actor.id,
            },
          ],
          { session },
        );
        if (!created) throw new Error("session not written");
        await audit.append(session, {
          action: "session.created",
          actor,
          divisionCode: created.divisionCode,
          target: { type: "exam_session", id: String(created._id) },
          // Names beside the ids: the log is read by people, and a room may be renamed later.
          details: {
            categoryCode: created.categoryCode,
            testCentreName: created.testCentreName,
            roomName: created.roomName,
            roomId: created.roomId,
            startsAt: created.startsAt.toISOString(),
            durationMinutes: created.durationMinutes,
          },
        });
        return created;
      });
      return toSessionDto(s.toObject() as SessionLean, now());
    },

    async listSessions(
      actor: AuthUser,
      q: { categoryCode?: CategoryCode; testCentreId?: string; divisionCode?: string },
    ): Promise<ExamSessionDto[]> {
      const scopes: Record<string, unknown>[] = [];
      if (actor.roles.includes("officer")) scopes.push(divisionFilter(actor.divisionCode));
      if (actor.roles.includes("proctor") && actor.testCentreId)
        scopes.push({ testCentreId: actor.testCentreId });
      if (scopes.length === 0) return [];
      const filter: Record<string, unknown> = { $or: scopes };
      if (q.categoryCode) filter.categoryCode = q.categoryCode;
      if (q.testCentreId) filter.testCentreId = q.testCentreId;
      if (q.divisionCode) filter.divisionCode = q.divisionCode;
      const rows = (await Sessions.find(filter).sort({ startsAt: -1 }).limit(500).lean()) as SessionLean[];
      const published = (await options.publishedAmong?.(rows.map((r) => String(r._id)))) ?? new Set();
      const at = now();
      return rows.map((r) => toSessionDto(r, at, published.has(String(r._id))));
    },

    async getSessionFor(actor: AuthUser, id: string): Promise<ExamSessionDto> {
      const s = await loadForRead(actor, id);
      const published = (await options.publishedAmong?.([id]))?.has(id) ?? false;
      return toSessionDto(s, now(), published);
    },

    async updateSession(actor: AuthUser, id: string, body: UpdateSessionBody): Promise<ExamSessionDto> {
      const s = await loadForWrite(actor, id);
      if (s.status !== "scheduled") throw errors.conflict("session_cancelled", "该场次已取消");
      if (s.startsAt <= now()) throw errors.conflict("session_started", "场次已开考，不能修改");
      const set: Record<string, unknown> = {};
      const startsAt = body.startsAt ? new Date(body.startsAt) : s.startsAt;
      const duration = body.durationMinutes ?? s.durationMinutes;
      if (body.startsAt && startsAt <= now())
        throw errors.badRequest("starts_in_past", "开考时间须晚于当前时间");
      const lateEntryMinutes = body.lateEntryMinutes ?? s.lateEntryMinutes;
      const endsAt = new Date(startsAt.getTime() + duration * 60_000);
      if (body.startsAt || body.durationMinutes || body.lateEntryMinutes !== undefined) {
        const bookedUntil = bookedUntilOf({ startsAt, lateEntryMinutes, durationMinutes: duration }, reserve);
        await booking.assertFree(s.roomId, startsAt, bookedUntil, id);
        Object.assign(set, { startsAt, durationMinutes: duration, endsAt, bookedUntil });
      }
      if (body.lateEntryMinutes !== undefined) set.lateEntryMinutes = body.lateEntryMinutes;
      if (body.earliestHandInMinutes !== undefined) set.earliestHandInMinutes = body.earliestHandInMinutes;
      if (body.status === "cancelled") set.status = "cancelled";
      const updated = await audit.transaction(async (session) => {
        // Conditional on the status checked above: a change racing a cancellation must not land
        // on the cancelled session (nor a cancellation twice).
        const doc = await Sessions.findOneAndUpdate(
          { _id: id, status: "scheduled" },
          { $set: set },
          { returnDocument: "after", session },
        ).lean();
        if (!doc) return null;
        if (set.endsAt)
          await Assignments.updateMany({ sessionId: id }, { $set: { startsAt, endsAt } }, { session });
        await audit.append(session, {
          action: body.status === "cancelled" ? "session.cancelled" : "session.updated",
          actor,
          divisionCode: doc.divisionCode,
          target: { type: "exam_session", id },
          details: { ...body },
        });
        return doc as SessionLean;
      });
      if (!updated) throw errors.conflict("session_cancelled", "该场次已取消");
      return toSessionDto(updated, now());
    },

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
      const clash = await Assignments.exists({
        candidateId: candidate.id,
        categoryCode: s.categoryCode,
        endsAt: { $gt: now() },
        sessionId: { $ne: sessionId },
      });
      if (clash) throw errors.conflict("already_scheduled", "该考生已安排在其他未结束的同类别场次");
      await options.retakeCheck?.(candidate.id, s.categoryCode as CategoryCode);
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
            const counted = await Sessions.updateOne(
              { _id: sessionId, status: "scheduled", assignedCount: { $lt: s.capacity } },
              { $inc: { assignedCount: 1 } },
              { session },
            );
            if (counted.modifiedCount !== 1) throw errors.conflict("session_full", "该场次已达容量上限");
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
              divisionCode: actor.divisionCode,
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
          if (isDuplicate(err, "candidateId")) throw errors.conflict("already_assigned", "该考生已在本场次");
          // A racing assignment took the seat or the ticket number: pick again.
          if (!isDuplicate(err) || attempt >= MAX_RETRIES || body.seatId) {
            if (isDuplicate(err, "seatId")) throw errors.conflict("seat_taken", "该座位已安排其他考生");
            throw err;
          }
        }
      }
    },

    async unassign(actor: AuthUser, sessionId: string, candidateId: string): Promise<void> {
      const s = await loadForWrite(actor, sessionId);
      if (s.startsAt <= now()) throw errors.conflict("session_started", "场次已开考，不能取消安排");
      await audit.transaction(async (session) => {
        const removed = await Assignments.findOneAndDelete({ sessionId, candidateId }, { session }).lean();
        if (!removed) throw errors.notFound("座位安排");
        await Sessions.updateOne({ _id: sessionId }, { $inc: { assignedCount: -1 } }, { session });
        await audit.append(session, {
          action: "session.candidate_unassigned",
          actor,
          divisionCode: actor.divisionCode,
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

    async ticketFor(actor: AuthUser, sessionId: string, candidateId: string): Promise<AdmissionTicketDto> {
      const s = await loadForRead(actor, sessionId);
      const a = (await Assignments.findOne({ sessionId, candidateId }).lean()) as AssignmentLean | null;
      if (!a) throw errors.notFound("准考证");
      return toTicket(s, a);
    },

    /** The registration photo of a candidate seated in a session the actor may read (proctor check-in). */
    async assignedCandidatePhoto(
      actor: AuthUser,
      sessionId: string,
      candidateId: string,
    ): Promise<{ mimeType: string; data: Buffer }> {
      await loadForRead(actor, sessionId);
      if (!(await Assignments.exists({ sessionId, candidateId }))) throw errors.notFound("考生");
      const photo = await options.registration.getCandidatePhoto(candidateId);
      if (!photo) throw errors.notFound("照片");
      return photo;
    },

    /** A logged-in candidate's own admission ticket. */
    async myTicket(actor: AuthUser): Promise<AdmissionTicketDto> {
      const c = actor.candidate;
      if (!c) throw errors.forbidden();
      const s = await loadSession(c.sessionId);
      const a = (await Assignments.findOne({
        sessionId: c.sessionId,
        candidateId: c.candidateId,
      }).lean()) as AssignmentLean | null;
      if (!s || !a) throw errors.notFound("准考证");
      return toTicket(s, a);
    },

    // ---- for other features (exam delivery), without actor checks ----

    /**
     * Inside the caller's transaction: true while the session is scheduled, and then claimed by a
     * write on it, so a cancellation committing meanwhile conflicts with the caller (one of the two
     * is retried and sees the other) instead of slipping in between; false when cancelled or gone.
     */
    async claimScheduled(sessionId: string, tx: ClientSession): Promise<boolean> {
      if (!Types.ObjectId.isValid(sessionId)) return false;
      const r = await Sessions.updateOne(
        { _id: sessionId, status: "scheduled" },
        { $inc: { admissions: 1 } },
        { session: tx },
      );
      return r.matchedCount === 1;
    },

    /** One session, or null. */
    async getSession(sessionId: string): Promise<ExamSessionDto | null> {
      const s = await loadSession(sessionId);
      return s ? toSessionDto(s, now()) : null;
    },

    /** A seat the candidate holds in a scheduled session that has not ended, or null (registration asks). */
    async openSeatOf(candidateId: string): Promise<{ sessionStartsAt: Date } | null> {
      const seats = await Assignments.find({ candidateId, endsAt: { $gt: now() } }, { sessionId: 1 }).lean();
      const ids = seats.map((a) => a.sessionId).filter((id) => Types.ObjectId.isValid(id));
      if (ids.length === 0) return null;
      const open = await Sessions.findOne({ _id: { $in: ids }, status: "scheduled" }, { startsAt: 1 }).lean();
      return open ? { sessionStartsAt: open.startsAt } : null;
    },

    /** Scheduled sessions in these rooms not over by `at` (organisation refuses to retire such rooms). */
    openSessions: (roomIds: string[], at: Date) => booking.openSessions(roomIds, at),

    /** Keeps a running session's room booked until a deadline that grew; false when the room is taken. */
    holdRoomUntil: (sessionId: string, until: Date) => booking.holdUntil(sessionId, until),

    /** Every assignment of a session, by seat number. */
    async listAssignments(sessionId: string): Promise<SeatAssignmentDto[]> {
      const rows = (await Assignments.find({ sessionId }).sort({ seatNo: 1 }).lean()) as AssignmentLean[];
      return rows.map(toAssignmentDto);
    },

    /** The ticket the candidate login checks (see server/auth CandidateLoginPort). */
    async findTicket(ticketNo: string) {
      const a = (await Assignments.findOne({ ticketNo }).lean()) as AssignmentLean | null;
      if (!a) return null;
      const s = await loadSession(a.sessionId);
      if (!s) return null;
      return {
        candidateId: a.candidateId,
        sessionId: a.sessionId,
        ticketNo: a.ticketNo,
        idNumber: a.idNumber,
        name: a.name,
        divisionCode: a.divisionCode,
        testCentreId: s.testCentreId,
        roomId: s.roomId,
        seatId: a.seatId,
        seatNo: a.seatNo,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        status: s.status,
      };
    },
    /** Seats many candidates at once through `assign`, bound seats first; refusals reported by name. */
    async autoAssign(actor: AuthUser, sessionId: string, body: AutoAssignBody): Promise<AutoAssignResultDto> {
      return autoSeat(
        {
          seatMap: (a, id) => service.seatMap(a, id),
          assign: (a, id, b) => service.assign(a, id, b),
          registration: options.registration,
          scheduledCandidates: async (categoryCode) =>
            new Set(
              (
                await Assignments.find(
                  { categoryCode, endsAt: { $gt: now() } },
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
  return service;
}
export type SchedulingService = ReturnType<typeof createSchedulingService>;
