import type { AuthUser } from "../contracts/auth.js";
import type { AdmissionTicketDto, SeatAssignmentDto } from "../contracts/scheduling.js";
import { errors } from "../lib/errors.js";
import { toAssignmentDto, toTicket, type AssignmentLean, type SessionLean } from "./presenters.js";
import type { SchedulingCore } from "./scheduling-core.js";

/**
 * The ticket of a seat, refused once its session is cancelled: a ticket admits to a sitting that
 * will not take place, and a printed one (stamped or not) still brings the candidate to the door.
 */
function ticketOf(s: SessionLean, a: AssignmentLean): AdmissionTicketDto {
  if (s.status === "cancelled") throw errors.conflict("session_cancelled", "该考试场次已取消，准考证作废");
  return toTicket(s, a);
}

/**
 * Admission (准考证): tickets for officers and for the candidate, the registration photo the
 * proctor compares at check-in, and the assignments and ticket lookups other features read.
 */
export function createAdmission(core: SchedulingCore) {
  const { options, Assignments, loadSession, loadForRead } = core;

  return {
    async ticketFor(actor: AuthUser, sessionId: string, candidateId: string): Promise<AdmissionTicketDto> {
      const s = await loadForRead(actor, sessionId);
      const a = (await Assignments.findOne({ sessionId, candidateId }).lean()) as AssignmentLean | null;
      if (!a) throw errors.notFound("准考证");
      return ticketOf(s, a);
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
      return ticketOf(s, a);
    },

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
  };
}
