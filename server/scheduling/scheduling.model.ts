import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import { modelOn } from "../lib/mongo.js";

const examSessionSchema = new Schema(
  {
    categoryCode: { type: String, required: true },
    testCentreId: { type: String, required: true, index: true },
    testCentreName: { type: String, required: true },
    testCentreAddress: { type: String, required: true },
    roomId: { type: String, required: true },
    roomName: { type: String, required: true },
    startsAt: { type: Date, required: true },
    durationMinutes: { type: Number, required: true },
    endsAt: { type: Date, required: true },
    /** The room is held until here (see room-booking.ts); null only on sessions from before bookings. */
    bookedUntil: { type: Date, default: null },
    /**
     * Set when an earlier session in the room runs past this one's start (owed time: outage
     * credit, a late release, a resumed pause): the office must move this session or wait.
     */
    overrunBy: {
      type: new Schema(
        { sessionId: { type: String, required: true }, until: { type: Date, required: true } },
        { _id: false },
      ),
      default: null,
    },
    /**
     * The blueprint version (组卷方案) every paper of the session is drawn from: the current one when
     * the session is scheduled, or, when the category had none then, the current one at the first
     * check-in. Publishing a new version does not change it, so one sitting has one pass mark.
     */
    blueprint: {
      type: new Schema(
        { id: { type: String, required: true }, version: { type: Number, required: true } },
        { _id: false },
      ),
      default: null,
    },
    capacity: { type: Number, required: true },
    lateEntryMinutes: { type: Number, required: true },
    earliestHandInMinutes: { type: Number, required: true },
    provinceCode: { type: String, required: true },
    divisionCode: { type: String, required: true, index: true },
    status: { type: String, required: true, enum: ["scheduled", "cancelled"], default: "scheduled" },
    /** Kept in step with the assignments in the same transaction; guards capacity under concurrency. */
    assignedCount: { type: Number, required: true, default: 0 },
    /**
     * Bumped by every release inside its own transaction (`claimScheduled`): that write,
     * conditional on `status`, is what makes a cancellation and a release conflict instead of one
     * slipping between the other's check and write. Check-ins claim their own seat instead
     * (`SeatAssignment.admissions`), so that a room's check-ins do not all write this document.
     */
    admissions: { type: Number, required: true, default: 0 },
    /**
     * The first release (发卷) of the session that started a seat: once set, attempts run, and it
     * is not cancelled. Later releases (late candidates) leave it: the proctor console shows it as 已开考.
     */
    releasedAt: { type: Date, default: null },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, collection: "exam_sessions" },
);
examSessionSchema.index({ roomId: 1, startsAt: 1 });
// The session list's time window (`from`/`to` on the start).
examSessionSchema.index({ startsAt: -1, _id: -1 });
// The session list's pages: latest scheduled first, the id breaking ties (`newestPage`).
examSessionSchema.index({ createdAt: -1, _id: -1 });
// The question bank's pinned versions (pinned-blueprints.ts): a category's scheduled sessions not
// over yet, read inside every retirement, quarantine and approval that may shrink a cell.
examSessionSchema.index({ categoryCode: 1, status: 1, bookedUntil: 1, endsAt: 1 });

export type ExamSessionDoc = InferSchemaType<typeof examSessionSchema>;

export function examSessionModel(conn: Connection): Model<ExamSessionDoc> {
  return (
    (conn.models.ExamSession as Model<ExamSessionDoc> | undefined) ??
    conn.model<ExamSessionDoc>("ExamSession", examSessionSchema)
  );
}

const assignmentSchema = new Schema(
  {
    sessionId: { type: String, required: true },
    candidateId: { type: String, required: true, index: true },
    seatId: { type: String, required: true },
    seatNo: { type: Number, required: true },
    /** Admission ticket number (准考证号), unique on the node. */
    ticketNo: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    idNumber: { type: String, required: true },
    sex: { type: String, required: true },
    photoId: { type: String, default: null },
    categoryCode: { type: String, required: true },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    divisionCode: { type: String, required: true },
    /**
     * Set when the session is cancelled (in the cancellation's transaction): the ticket stays on
     * record, but the seat no longer holds the candidate's time or category (clash checks,
     * automatic seating of a replacement session skip it).
     */
    sessionCancelled: { type: Boolean, default: false },
    /**
     * Bumped by the candidate's check-in (`claimSeat`) and by every change of the session, inside
     * their transactions: the shared write that makes a check-in and a cancellation, a new time
     * or an unseating conflict, while check-ins of other seats write other documents.
     */
    admissions: { type: Number, required: true, default: 0 },
    /**
     * The candidate's latest check-in (入场核验): once set, their attempt holds a paper and the
     * session's times and rules as they were, so the seat is not taken away nor those changed.
     */
    admittedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: "seat_assignments" },
);
// One candidate per seat and one seat per candidate in a session.
assignmentSchema.index({ sessionId: 1, seatId: 1 }, { unique: true });
assignmentSchema.index({ sessionId: 1, candidateId: 1 }, { unique: true });

export type AssignmentDoc = InferSchemaType<typeof assignmentSchema>;

export function assignmentModel(conn: Connection): Model<AssignmentDoc> {
  return (
    (conn.models.SeatAssignment as Model<AssignmentDoc> | undefined) ??
    conn.model<AssignmentDoc>("SeatAssignment", assignmentSchema)
  );
}

/**
 * One document per room that every booking change writes inside its transaction: two
 * transactions booking the same room then write the same document, so MongoDB lets one commit and
 * aborts the other with a retryable WriteConflict; the retry sees the first booking and refuses.
 */
const roomBookingLockSchema = new Schema(
  {
    roomId: { type: String, required: true, unique: true },
    seq: { type: Number, default: 0 },
  },
  { collection: "room_booking_locks" },
);
export type RoomBookingLockDoc = InferSchemaType<typeof roomBookingLockSchema>;
export function roomBookingLockModel(conn: Connection): Model<RoomBookingLockDoc> {
  return modelOn<RoomBookingLockDoc>(conn, "RoomBookingLock", roomBookingLockSchema);
}
