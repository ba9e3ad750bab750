import type { AuditAction } from "../contracts/audit.js";
import type { ClientSession } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { Paper } from "../contracts/paper.js";
import type { BlueprintRef, ExamSessionDto, SeatAssignmentDto } from "../contracts/scheduling.js";
import type { SeatViewDto } from "../contracts/exams.js";
import type { ServerToClientEvents } from "../contracts/socket-events.js";
import type { RetakePolicy } from "./retake.js";
import type { Commit, UnitOfWork } from "./unit-of-work.js";

/**
 * Narrow ports exam delivery consumes, so it can be built and tested before (and apart from) the
 * features that implement them. `server/features.ts` wires the real ones.
 */

/** Scheduling (`server/scheduling/index.ts`). */
export interface SchedulingPort {
  getSession(sessionId: string): Promise<ExamSessionDto | null>;
  listAssignments(sessionId: string): Promise<SeatAssignmentDto[]>;
  /**
   * Keeps the session's room booked at least until `until` (a candidate's deadline that grew past
   * the booking); false when another session holds the room by then. With `owed` (time the
   * candidates are owed, which is never cut) the sessions it runs into are flagged for the office.
   * With `tx` the hold joins that transaction: it commits with the change that needed it, or not at all.
   */
  holdRoomUntil(sessionId: string, until: Date, owed?: boolean, tx?: ClientSession): Promise<boolean>;
  /**
   * Inside the caller's transaction `tx`: true while the session is scheduled, claimed by a write
   * on it so that a concurrent cancellation conflicts with the caller's transaction; false when
   * the session is cancelled or gone. Release starts attempts only through it. Before the
   * session's start it refuses `room_still_in_use` while an earlier session still books the room.
   * `at` is the release's one reading of the clock, the one that judged it early or not: the
   * session's first release is stamped with it, so the console's 提前开考 agrees with the audit.
   */
  claimScheduled(sessionId: string, tx: ClientSession, at: Date): Promise<boolean>;
  /**
   * Inside a check-in's transaction `tx`: the session as `tx` sees it while it is scheduled and
   * the candidate holds a seat in it, the seat then claimed by a write on the candidate's own
   * assignment (so check-ins of one room never write the same document, while a cancellation, a
   * change of the session or an unseating conflicts with the check-in); otherwise why not.
   */
  claimSeat(
    sessionId: string,
    candidateId: string,
    tx: ClientSession,
  ): Promise<ExamSessionDto | "session_cancelled" | "not_assigned">;
  /**
   * Pins a session scheduled before its category had a blueprint to `ref`, audited as `by`'s act;
   * answers the session's blueprint (an earlier pin wins), or null when the session is gone.
   */
  pinBlueprint(sessionId: string, ref: BlueprintRef, by: Actor): Promise<BlueprintRef | null>;
}

/** The question bank (`server/question-bank/index.ts`): paper assembly and the blueprint's policies. */
export interface PaperPort {
  buildPaper(input: {
    categoryCode: CategoryCode;
    blueprintRef?: { id: string; version: number };
    seed: string;
    avoidQuestionIds?: string[];
    exposure?: Map<string, number>;
  }): Promise<Paper>;
  /** Retake policy and approved accommodations (minutes) of the blueprint a paper follows. */
  policies(blueprint: {
    id: string;
    version: number;
  }): Promise<{ retake: RetakePolicy; accommodations: Record<string, number> }>;
  /** The category's current published blueprint version; null when it has none. */
  currentBlueprint(categoryCode: CategoryCode): Promise<(BlueprintRef & { minutes: number }) | null>;
}

/** What one audit entry says (`server/audit/index.ts` `AuditRecordInput`). */
export interface AuditInput {
  action: AuditAction;
  actor: { id: string; kind: "staff" | "candidate" | "system" | "anonymous"; name: string };
  divisionCode?: string | null;
  target?: { type: string; id: string } | null;
  details?: Record<string, unknown>;
}

/**
 * The audit log (`server/audit/index.ts`): a change and its entry as one transaction
 * (`transaction` + `append`), or `record` for an event that changes nothing else (a refusal).
 */
export interface AuditPort {
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  append(session: ClientSession, input: AuditInput): Promise<unknown>;
  record(input: AuditInput): Promise<unknown>;
}

/**
 * Pushes server events to socket rooms (`attempt:<id>`, `session:<id>`, `candidate:<id>`). The
 * socket layer implements it over socket.io (through the Redis adapter when several instances
 * run), so services never see a socket.
 */
export interface Notifier {
  toRoom<E extends keyof ServerToClientEvents>(
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void;
}

export const rooms = {
  attempt: (id: string) => `attempt:${id}`,
  session: (id: string) => `session:${id}`,
  candidate: (id: string) => `candidate:${id}`,
};

/** Who performs an action, as the services record it. */
export interface Actor {
  id: string;
  name: string;
  kind: "staff" | "candidate" | "system";
}

export const SYSTEM: Actor = { id: "system", name: "系统", kind: "system" };

/** What a proctor types and sees at check-in (入场核验). */
export interface CheckInInput {
  candidateId: string;
  idNumber: string;
  seatId?: string;
  accommodation?: string;
  photo?: { contentType: string; data: Buffer };
}

/** The attempt a check-in made (or found): its seat on the seat map. */
export interface CheckInOutcome {
  attemptId: string;
  seat: SeatViewDto;
  photoId: string | null;
  /** The candidate was checked in already: the existing attempt, nothing written or audited. */
  repeated?: boolean;
}

/** Attempts an action changed, and those it left alone with the reason code. */
export interface AttemptsOutcome {
  affected: string[];
  skipped: { attemptId: string; code: string }[];
}

/**
 * What the proctoring feature may ask of exam delivery: commands that return whether they changed
 * anything, and reads that return DTOs. Proctoring authorises and audits; exam delivery keeps the
 * attempt's chain and clock whole. No attempt document crosses this port. Every command writes
 * inside the caller's unit of work (`inUnitOfWork`), so its change and the proctor's audit entry
 * commit as one transaction, and pushes to sockets only after that commit.
 */
export interface ExamDeliveryPort {
  /** Checks and assembles the paper first, then writes through `commit` (the caller's unit of work). */
  checkIn(
    actor: Actor,
    session: ExamSessionDto,
    input: CheckInInput,
    commit: Commit<CheckInOutcome>,
  ): Promise<CheckInOutcome>;
  /** Before the scheduled start only with `earlyReason` (or never, by configuration); `early` says which. */
  release(
    actor: Actor,
    sessionId: string,
    attemptIds: string[] | undefined,
    earlyReason: string | undefined,
    uow: UnitOfWork,
  ): Promise<AttemptsOutcome & { early: boolean }>;
  /**
   * Pauses the running attempts among `attemptIds` in one read and one write; returns those paused,
   * and those left running at a bound (`pauses_exhausted`, `controls_exhausted`).
   */
  pause(actor: Actor, attemptIds: string[], reason: string, uow: UnitOfWork): Promise<AttemptsOutcome>;
  /** Resumes the paused attempts among `attemptIds` in one read and one write; returns those resumed. */
  resume(actor: Actor, attemptIds: string[], uow: UnitOfWork): Promise<string[]>;
  /**
   * Adds minutes to the clock; with `approvalMinutes`, only while the candidate's extra time in all
   * stays below it as the unit of work reads the attempt (else `approval_required`, nothing written).
   */
  credit(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
    kind: "extend" | "credit",
    uow: UnitOfWork,
    extra?: Record<string, unknown>,
    approvalMinutes?: number,
  ): Promise<boolean>;
  addPendingExtension(
    actor: Actor,
    attemptId: string,
    minutes: number,
    reason: string,
    uow: UnitOfWork,
    /** Marks the request an outage credit, with the credit's reason as written. */
    outage?: { reason: string },
  ): Promise<{
    requestId: string;
    /** The attempt's session, as its record names it. */
    sessionId: string;
  } | null>;
  takePendingExtension(
    attemptId: string,
    requestId: string,
    uow: UnitOfWork,
  ): Promise<{
    minutes: number;
    reason: string;
    requestedBy: string;
    /** The outage credit the request stands for, or null (an extension, or one filed before the mark moved here). */
    outage: { reason: string } | null;
  } | null>;
  forceSubmit(actor: Actor, attemptId: string, uow: UnitOfWork): Promise<boolean>;
  voidAttempt(actor: Actor, attemptId: string, note: string, uow: UnitOfWork): Promise<boolean>;
  claimOutageCredit(attemptId: string, dropsFrom: Date[], uow: UnitOfWork): Promise<boolean>;

  ownerOf(attemptId: string): Promise<{ candidateId: string; sessionId: string } | null>;
  attemptIds(sessionId: string): Promise<string[]>;
  seatViews(sessionId: string): Promise<SeatViewDto[]>;
  /** Absences of the session's seats in progress; `lostMs` leaves out paused time. */
  awayIntervals(
    sessionId: string,
    uow?: UnitOfWork,
  ): Promise<{
    inProgress: number;
    intervals: {
      attemptId: string;
      from: number;
      to: number | null;
      lostMs: number | null;
      /** The attempt's pauses (an open one closed at the read): what the drop cost inside an outage leaves them out. */
      pauses: { from: number; to: number }[];
      credited: boolean;
    }[];
  }>;
  pendingExtension(attemptId: string, requestId: string): Promise<{ requestedBy: string } | null>;
  isPublished(sessionId: string): Promise<boolean>;
}
