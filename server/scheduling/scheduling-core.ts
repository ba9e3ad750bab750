import { randomInt } from "node:crypto";
import type { Connection } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import type { BlueprintRef } from "../contracts/scheduling.js";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import { decide } from "../access/index.js";
import { errors } from "../lib/errors.js";
import { formatLocal } from "../lib/local-time.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import type { OrganisationService } from "../organisation/index.js";
import type { RegistrationService } from "../registration/index.js";
import { assignmentModel, examSessionModel, roomBookingLockModel } from "./scheduling.model.js";
import { createRoomBooking } from "./room-booking.js";
import type { SessionLean } from "./presenters.js";

/**
 * Retake policy at scheduling time (the exam feature supplies it), judged on the session's start
 * and under its blueprint; throws an AppError to refuse.
 */
export type RetakeCheck = (candidateId: string, session: RetakeSession) => Promise<void>;

/** The session a retake is judged for: its category, its start and its blueprint. */
export interface RetakeSession {
  categoryCode: CategoryCode;
  startsAt: Date;
  blueprint: BlueprintRef | null;
}

/**
 * The retake policy for many candidates at once (the exam feature supplies it): of `candidateIds`,
 * those it refuses for the session, each with its refusal (as `RetakeCheck` would throw it), in a
 * fixed number of reads however many candidates are asked.
 */
export type RetakeBlockers = (
  candidateIds: string[],
  session: RetakeSession,
) => Promise<ReadonlyMap<string, { code: string; message: string }>>;

/**
 * The retake policy's ports, both or neither: a node that judges a candidate being seated
 * (`retakeCheck`) must judge everyone seated in a session that moves (`retakeBlockersOf`, the same
 * policy in one ask), or a move would seat people the check-in turns away. The pair is a type, and
 * `createSchedulingCore` refuses half of it, so no move finds it missing.
 */
export type RetakePorts =
  | { retakeCheck?: undefined; retakeBlockersOf?: undefined }
  | { retakeCheck: RetakeCheck; retakeBlockersOf: RetakeBlockers };

export type SchedulingOptions = SchedulingBaseOptions & RetakePorts;

interface SchedulingBaseOptions {
  provinceCode: string | null;
  organisation: OrganisationService;
  registration: RegistrationService;
  /**
   * The category's current published blueprint (the question bank answers): a new session is
   * pinned to it and takes its minutes when none are given; null when the category has none.
   */
  currentBlueprint?: (categoryCode: CategoryCode) => Promise<(BlueprintRef & { minutes: number }) | null>;
  /** The candidates who passed the category already: automatic seating does not offer them a seat. */
  passedCandidates?: (categoryCode: CategoryCode) => Promise<Set<string>>;
  /** Where changes are audited, inside their own transaction (default: this database's log). */
  audit?: AuditLog;
  /** Minutes the room stays booked after the latest regular deadline (EXAM_ROOM_RESERVE_MINUTES). */
  roomReserveMinutes?: number;
  /** Which sessions have published results (the exam feature answers; default none). */
  publishedAmong?: (sessionIds: string[]) => Promise<Set<string>>;
  /**
   * The node's time zone (config.timeZone): ticket numbers carry the exam day and refusals name
   * times as the exam office reads them. Required: a China default wrote Beijing's on a node
   * configured for another zone.
   */
  timeZone: string;
  now?: () => Date;
}

/**
 * What every part of scheduling is built from: the models, the audit log, the room booking and
 * the session loaders that apply the access policies. One per service.
 */
export function createSchedulingCore(conn: Connection, options: SchedulingOptions) {
  // Checked once, here, for every use: callers without the types (scripts, plain objects) too.
  if (!options.retakeCheck !== !options.retakeBlockersOf)
    throw new Error(
      options.retakeCheck
        ? "scheduling: retakeCheck is set without retakeBlockersOf, so a moved session could not be checked"
        : "scheduling: retakeBlockersOf is set without retakeCheck, so a seating would not be checked",
    );
  // An absent zone would write ticket days and refusals in the server process's own zone, silently.
  if (!options.timeZone)
    throw new Error("scheduling: options.timeZone (the node's config.timeZone) is required");
  const Sessions = examSessionModel(conn);
  const Assignments = assignmentModel(conn);
  const audit = options.audit ?? createAuditService(conn);
  const now = options.now ?? (() => new Date());
  const booking = createRoomBooking(Sessions, roomBookingLockModel(conn));
  const reserve = options.roomReserveMinutes ?? 30;

  /**
   * The session with exactly this id, or null. Only the id's canonical text (24 lower-case hex
   * digits) is looked up: `findById` also takes it in upper case (and any 12-character string as
   * raw bytes), and callers go on to match the id they passed against fields that store the
   * canonical text (seats, attempts, incidents), which then matched nothing while the session had
   * been found and authorised.
   */
  async function loadSession(id: string): Promise<SessionLean | null> {
    if (!isCanonicalObjectId(id)) return null;
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

  const { timeZone } = options;

  /**
   * The candidates' seats in other sessions whose time overlaps [startsAt, endsAt): one person
   * cannot sit two exams at once, whatever their categories (the same-category rule is stricter
   * and checked apart). Only the first few: a refusal names them, it does not list a room.
   */
  function overlappingSeats(candidateIds: string[], sessionId: string, startsAt: Date, endsAt: Date) {
    return Assignments.find(
      {
        candidateId: { $in: candidateIds },
        sessionId: { $ne: sessionId },
        sessionCancelled: { $ne: true },
        startsAt: { $lt: endsAt },
        endsAt: { $gt: startsAt },
      },
      { candidateId: 1, name: 1, categoryCode: 1, startsAt: 1, endsAt: 1 },
    )
      .limit(5)
      .lean();
  }

  /** `time_clash`, naming the first overlapping seat as the officer reads it (name, category, time). */
  function timeClash(seats: Awaited<ReturnType<typeof overlappingSeats>>, who: "candidate" | "session") {
    const first = seats[0];
    if (!first) return null;
    const when = `${formatLocal(first.startsAt, timeZone)}–${formatLocal(first.endsAt, timeZone, "time")}`;
    const category = CATEGORIES[first.categoryCode as CategoryCode] ?? first.categoryCode;
    const others = [...new Set(seats.filter((x) => x.candidateId !== first.candidateId).map((x) => x.name))];
    return errors.conflict(
      "time_clash",
      who === "candidate"
        ? `该考生已安排 ${when} 的${category}考试，与本场次时间重叠`
        : `考生${first.name}已安排 ${when} 的${category}考试，与新的时间重叠` +
            (others.length ? `；${others.join("、")}的安排也冲突` : ""),
      { candidateIds: [...new Set(seats.map((x) => x.candidateId))] },
    );
  }

  /**
   * A new admission ticket number (准考证号): the province's two digits, the session's day at
   * seating (YYMMDD) and six random digits, unique by index (a clash draws again). It is an
   * identifier, not a statement of the exam date: with the ID number it is the candidate's login,
   * and the check-in desk finds the seat by it (the ticket's QR). What candidates and staff read
   * as the exam date is the ticket's 考试时间 row. A moved session (改期, allowed only before it
   * starts, so before any check-in) keeps its numbers, old day and all: a new number would lock
   * out a candidate who comes with the one already given, for no gain, while the ticket printed
   * again shows the new time.
   */
  function newTicketNo(s: SessionLean): string {
    // The exam day as the ticket's holder reads it: a UTC date named the day before for any
    // session starting before 08:00 here.
    const ymd = formatLocal(s.startsAt, timeZone, "date").replaceAll("-", "").slice(2);
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
    overlappingSeats,
    timeClash,
    loadForRead,
    loadForWrite,
    newTicketNo,
    timeZone,
  };
}
export type SchedulingCore = ReturnType<typeof createSchedulingCore>;
