import type { AuthUser } from "../contracts/auth.js";
import type { SeatViewDto, SessionRoomDto } from "../contracts/exams.js";
import type { ExamSessionDto } from "../contracts/scheduling.js";
import { rooms } from "../exams/index.js";
import type { FeatureContext } from "../feature.js";
import { createAttemptActions } from "./attempt-actions.js";
import { createProctorDesk, type ProctoringDeps } from "./proctor-desk.js";
import { createRoomActions } from "./room-actions.js";
import { notArrivedSeat } from "./seat-presenter.js";

export { toActor, type ProctoringDeps } from "./proctor-desk.js";

/**
 * The proctor console (监考): the live seat map of a session's room and the proctor's actions
 * on it. Every action is authorised against the session's test centre; the attempt changes go
 * through the exam service (so their chain and clock stay whole) inside a unit of work that also
 * appends the action's audit entry: the change and its entry commit together or not at all.
 */
export function createProctoringService(ctx: FeatureContext, deps: ProctoringDeps) {
  const desk = createProctorDesk(ctx, deps);
  const { incidents, now, authorize, outageProposal } = desk;
  const outageHoldMaxMinutes = Math.ceil(ctx.config.exam.outageHoldMaxMs / 60_000);

  /** The check the room's view asks: its watchers (see `room`), a cancelled session included. */
  const authorizeWatch = (user: AuthUser, sessionId: string): Promise<ExamSessionDto> =>
    authorize(user, sessionId, { watchOnly: true, view: true });

  /** The room of `session`, which the caller was let watch (`authorizeWatch`). */
  async function roomOf(session: ExamSessionDto): Promise<SessionRoomDto> {
    const { id } = session;
    const cancelled = session.status === "cancelled";
    const [assignments, attemptSeats, sessionIncidents, published, proposal] = await Promise.all([
      cancelled ? [] : deps.scheduling.listAssignments(id),
      cancelled ? [] : deps.exams.seatViews(id),
      incidents.list(id),
      deps.exams.isPublished(id),
      cancelled ? null : outageProposal(id),
    ]);
    const at = now();
    const byCandidate = new Map<string, SeatViewDto>();
    for (const seat of attemptSeats) byCandidate.set(seat.candidateId, seat);
    const seats: SeatViewDto[] = assignments.map(
      (s) => byCandidate.get(s.candidateId) ?? notArrivedSeat(id, s),
    );
    return {
      sessionId: id,
      categoryCode: session.categoryCode,
      roomName: session.roomName,
      status: session.status,
      startsAt: session.startsAt,
      // Read anew by `authorize` (never the access check's cached copy): a console re-watching
      // after the release must not show the room as not yet released.
      releasedAt: session.releasedAt,
      lateEntryMinutes: session.lateEntryMinutes,
      earliestHandInMinutes: session.earliestHandInMinutes,
      serverTime: at.getTime(),
      seats: seats.sort((a, b) => (a.seatNo ?? 1e9) - (b.seatNo ?? 1e9)),
      outageProposal: proposal,
      outageHoldMaxMinutes,
      incidents: sessionIncidents,
      resultsPublished: published,
    };
  }

  return {
    authorize,

    /**
     * The live seat map: every assigned candidate, with or without an attempt yet. A cancelled
     * session says so and has no seat: nobody is to sit it (its report counts nobody expected,
     * 应考 0), and the console opened by its address showed every booked candidate as awaited.
     * `sessionId` of the answer is the session's own id: the console joins its room by it.
     */
    async room(user: AuthUser, sessionId: string): Promise<SessionRoomDto> {
      return roomOf(await authorizeWatch(user, sessionId));
    },

    /** The check `room` makes before reading: for a console that joins the push room in between. */
    authorizeWatch,

    /** The room of a session `authorizeWatch` let the user watch (see `room`). */
    roomOf,

    ...createRoomActions(desk, ctx.config.exam.extensionApprovalMinutes),
    ...createAttemptActions(desk, ctx.config.exam.extensionApprovalMinutes, ctx.conn),

    outageProposal,

    /** Audits the refusals the budget only counted so far (node shutdown). */
    stop: (): Promise<void> => desk.closeRefusalSummaries(),

    /** After a seat reconnects: if that ended a room-wide outage, propose the credit to the proctors. */
    async checkOutage(sessionId: string): Promise<void> {
      const proposal = await outageProposal(sessionId);
      if (proposal) deps.notifier.toRoom(rooms.session(sessionId), "session:outage", proposal);
    },
  };
}
export type ProctoringService = ReturnType<typeof createProctoringService>;
