import { randomInt } from "node:crypto";
import { Types, type Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import { decide } from "../access/index.js";
import { errors } from "../lib/errors.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import type { OrganisationService } from "../organisation/index.js";
import type { RegistrationService } from "../registration/index.js";
import { assignmentModel, examSessionModel, roomBookingLockModel } from "./scheduling.model.js";
import { createRoomBooking } from "./room-booking.js";
import type { SessionLean } from "./presenters.js";

/** Retake policy at scheduling time (the exam feature supplies it); throws an AppError to refuse. */
export type RetakeCheck = (candidateId: string, categoryCode: CategoryCode) => Promise<void>;

export interface SchedulingOptions {
  provinceCode: string | null;
  organisation: OrganisationService;
  registration: RegistrationService;
  retakeCheck?: RetakeCheck;
  /** The candidates who passed the category already: automatic seating does not offer them a seat. */
  passedCandidates?: (categoryCode: CategoryCode) => Promise<Set<string>>;
  /** Where changes are audited, inside their own transaction (default: this database's log). */
  audit?: AuditLog;
  /** Minutes the room stays booked after the latest regular deadline (EXAM_ROOM_RESERVE_MINUTES). */
  roomReserveMinutes?: number;
  /** Which sessions have published results (the exam feature answers; default none). */
  publishedAmong?: (sessionIds: string[]) => Promise<Set<string>>;
  now?: () => Date;
}

/**
 * What every part of scheduling is built from: the models, the audit log, the room booking and
 * the session loaders that apply the access policies. One per service.
 */
export function createSchedulingCore(conn: Connection, options: SchedulingOptions) {
  const Sessions = examSessionModel(conn);
  const Assignments = assignmentModel(conn);
  const audit = options.audit ?? createAuditService(conn);
  const now = options.now ?? (() => new Date());
  const booking = createRoomBooking(Sessions, roomBookingLockModel(conn));
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

  return {
    options,
    Sessions,
    Assignments,
    audit,
    now,
    booking,
    reserve,
    loadSession,
    loadForRead,
    loadForWrite,
    newTicketNo,
  };
}
export type SchedulingCore = ReturnType<typeof createSchedulingCore>;
