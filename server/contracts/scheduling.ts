import { z } from "zod";
import { CategoryCode } from "./categories.js";
import { canonicalId, DivisionCode, RecordId } from "./auth.js";
import { IsoInstant, TimeIdCursor, wholeNumber } from "./validation.js";

/**
 * Exam sessions (场次), seat assignments and admission tickets (准考证). The exam-delivery feature
 * reads these through `server/scheduling/index.ts` (`getSession`, `listAssignments`).
 */

export const SessionStatus = z.enum(["scheduled", "cancelled"]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/**
 * Where a session stands, as the office's list shows it (已安排, 进行中, 已结束, 已发布, 已取消):
 * running from its start until it is over (its end and the late-entry window passed), published
 * once its results are.
 */
export const SessionLifecycle = z.enum(["scheduled", "running", "ended", "published", "cancelled"]);
export type SessionLifecycle = z.infer<typeof SessionLifecycle>;
export const SESSION_LIFECYCLE_LABELS: Record<SessionLifecycle, string> = {
  scheduled: "已安排",
  running: "进行中",
  ended: "已结束",
  published: "已发布",
  cancelled: "已取消",
};

/** A blueprint version (组卷方案 id and version number). */
export interface BlueprintRef {
  id: string;
  version: number;
}

/** One exam session as other features see it. Times are ISO-8601 strings in UTC. */
export interface ExamSessionDto {
  id: string;
  categoryCode: CategoryCode;
  testCentreId: string;
  testCentreName: string;
  roomId: string;
  roomName: string;
  startsAt: string;
  /** Scheduled length; candidate login is open from 30 min before `startsAt` until `endsAt`. */
  durationMinutes: number;
  endsAt: string;
  /** The room stays booked until here: latest regular deadline plus the reserve, grown by later deadlines. */
  bookedUntil: string;
  /** An earlier session in this room runs until `until`, past this one's start (the office must act). */
  overrunBy: { sessionId: string; until: string } | null;
  /** The blueprint version its papers are drawn from; null until the category has one published. */
  blueprint: BlueprintRef | null;
  capacity: number;
  /** No entry after this many minutes from the start (exam-room practice, default 20). */
  lateEntryMinutes: number;
  /** No hand-in before this many minutes (default 30). */
  earliestHandInMinutes: number;
  /** GB/T 2260 province of the node that runs the session. */
  provinceCode: string;
  /** Division of the test centre (the scope officers and proctors are checked against). */
  divisionCode: string;
  status: SessionStatus;
  lifecycle: SessionLifecycle;
  assignedCount: number;
  /**
   * The session's first release (开考: the first release that started a seat), ISO; null before.
   * A late candidate's release afterwards does not move it; an early one (提前开考) is before `startsAt`.
   */
  releasedAt: string | null;
}

/** A candidate's place in a session: what check-in and the proctor seat map need. */
export interface SeatAssignmentDto {
  candidateId: string;
  /**
   * Admission ticket number (准考证号); with the ID number it is the candidate's login. An
   * identifier: the day in it is the session's at seating, unchanged by a move (改期); the exam
   * date is startsAt.
   */
  ticketNo: string;
  seatId: string;
  seatNo: number;
  name: string;
  idNumber: string;
  /** Registration photo, served at GET /api/candidates/:id/photo. */
  photoId?: string;
}

/** Admission ticket data (the PDF is rendered by the certificates feature). */
export interface AdmissionTicketDto extends SeatAssignmentDto {
  sessionId: string;
  categoryCode: CategoryCode;
  categoryName: string;
  testCentreName: string;
  testCentreAddress: string;
  roomName: string;
  startsAt: string;
  /** The session's length, which the candidate's clock counts down. */
  durationMinutes: number;
  lateEntryMinutes: number;
  sex: "male" | "female";
}

/** One seat on the scheduling seat map. */
export interface SeatMapSeatDto {
  seatId: string;
  seatNo: number;
  /** True when the seat has a registered IP or seat token (candidates can log in from it). */
  bound: boolean;
  assignment: { candidateId: string; name: string; ticketNo: string } | null;
}

export interface SeatMapDto {
  session: ExamSessionDto;
  seats: SeatMapSeatDto[];
}

const isoDate = z.iso.datetime({ offset: true });

export const CreateSessionBody = z
  .object({
    categoryCode: CategoryCode,
    testCentreId: RecordId,
    roomId: RecordId,
    startsAt: isoDate,
    /** Omit to take the minutes of the category's current blueprint (60 when it has none). */
    durationMinutes: z.number().int().min(10).max(480).optional(),
    capacity: z.number().int().min(1).max(500).optional(),
    lateEntryMinutes: z.number().int().min(0).max(120).default(20),
    earliestHandInMinutes: z.number().int().min(0).max(240).default(30),
  })
  .strict();
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

/** Why a cancellation that also changes the time or rules is refused (the route's and the service's). */
export const CANCELLATION_WITH_CHANGES = "取消场次时不能同时修改时间或规则，请只取消场次";

/**
 * Whether a change cancels the session and also changes something else (refused by the route's
 * contract and by the service alike). Only defined fields count: one present but undefined changes nothing.
 */
export function cancelsWithChanges(body: {
  status?: "cancelled";
  startsAt?: unknown;
  durationMinutes?: unknown;
  lateEntryMinutes?: unknown;
  earliestHandInMinutes?: unknown;
}): boolean {
  return (
    body.status === "cancelled" &&
    Object.entries(body).some(([key, value]) => key !== "status" && value !== undefined)
  );
}

export const UpdateSessionBody = z
  .object({
    startsAt: isoDate.optional(),
    durationMinutes: z.number().int().min(10).max(480).optional(),
    lateEntryMinutes: z.number().int().min(0).max(120).optional(),
    earliestHandInMinutes: z.number().int().min(0).max(240).optional(),
    status: z.literal("cancelled").optional(),
  })
  .strict()
  // A cancellation is only that: with a new time it booked the room for a session that will not
  // run, could be refused by that booking, and stored times the session never had.
  .refine((b) => !cancelsWithChanges(b), { path: ["status"], message: CANCELLATION_WITH_CHANGES });
export type UpdateSessionBody = z.infer<typeof UpdateSessionBody>;

export const AssignBody = z
  .object({
    candidateId: RecordId,
    /** Omit to take the lowest free seat. */
    seatId: RecordId.optional(),
  })
  .strict();
export type AssignBody = z.infer<typeof AssignBody>;

/**
 * Seat many candidates at once (自动排座): the named ones, or, without names, every candidate of
 * the officer's divisions who applied for the session's category and is not yet in an open session
 * of it, in registration order, until the seats run out.
 */
export const AutoAssignBody = z
  .object({ candidateIds: z.array(RecordId).min(1).max(500).optional() })
  .strict();
export type AutoAssignBody = z.infer<typeof AutoAssignBody>;

/** What automatic seating did, candidate by candidate (names, so the officer can act on it). */
export interface AutoAssignResultDto {
  seated: { candidateId: string; name: string; seatNo: number; ticketNo: string }[];
  refused: { candidateId: string; name: string; code: string; message: string }[];
}

/**
 * The session list: latest scheduled first (by creation, which a move does not change, so no page
 * skips or repeats a moved session), a page at a time (`next` answers where the following one
 * starts); `from`/`to` narrow it to a window of start times.
 */
export const ListSessionsQuery = z
  .object({
    categoryCode: CategoryCode.optional(),
    // Canonical (`canonicalId`) as `RecordId` is; matched against the sessions' stored centre id.
    testCentreId: z.string().max(64).overwrite(canonicalId).optional(),
    divisionCode: DivisionCode.optional(),
    /** Sessions starting at or after this instant. */
    from: IsoInstant.optional(),
    /** Sessions starting before this instant. */
    to: IsoInstant.optional(),
    limit: wholeNumber(1, 200).default(100),
    before: TimeIdCursor.optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ["to"],
    message: "结束时间须晚于开始时间",
  });
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

/** GET /api/exam-sessions: one page, how many match in all, and where the next page starts (or null). */
export interface ExamSessionListDto {
  sessions: ExamSessionDto[];
  total: number;
  next: string | null;
}
