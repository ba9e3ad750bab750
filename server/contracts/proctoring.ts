import { z } from "zod";
import { RecordId } from "./auth.js";
import type { CloseReason } from "./exams.js";
import type { SessionStatus } from "./scheduling.js";
import { typedCode } from "./validation.js";
import { visibleText } from "./visible-text.js";

/**
 * The proctor console (监考): the live seat map, its DTOs and the `proctor:*` socket payloads
 * (the server validates every proctor event with them; the event maps are in `socket-events.ts`).
 * Re-exported by `exams.ts`, whose clock and save rules the console shows.
 */

/** Session, candidate and seat ids (ObjectIds on a province node) arrive lower-cased (see RecordId). */
const Id = RecordId;
/** Every required reason or note of a proctor's action: visible text (see visible-text.ts). */
const Reason = visibleText(2, 500);

/** What the proctor's seat map shows for one seat (seat states named in issue 6). */
export const SeatState = z.enum([
  "not_arrived",
  "checked_in",
  "ready",
  "in_progress",
  "disconnected",
  "submitted",
  "voided",
]);
export type SeatState = z.infer<typeof SeatState>;

/** One seat of the proctor's live seat map. */
export interface SeatViewDto {
  sessionId: string;
  seatId: string | null;
  seatNo: number | null;
  candidateId: string;
  candidateName: string;
  ticketNo: string;
  attemptId: string | null;
  /** On-site check-in photo (proctors of the session, officers). */
  photoUrl: string | null;
  state: SeatState;
  paused: boolean;
  answered: number;
  total: number;
  deadline: number | null;
  remainingMs: number | null;
  /** Epoch ms the candidate's last connection dropped (when state is `disconnected`). */
  disconnectedSince: number | null;
  score: number | null;
  passed: boolean | null;
  closeReason: CloseReason | null;
  /** Extra minutes granted (extensions + outage credit + accommodation). */
  extraMinutes: number;
  /** Extension requests waiting for a second approver. */
  pendingExtensions: PendingExtensionDto[];
  /**
   * The attempt's event count (`chainN`) this seat was read at: it grows with every change of the
   * attempt, so a console keeps the newest of two pushes that crossed (several instances push seats
   * of one room). Absent for a seat with no attempt yet.
   */
  version?: number;
}

export interface PendingExtensionDto {
  requestId: string;
  attemptId: string;
  minutes: number;
  reason: string;
  /** Display name of the proctor who asked (shown on the console). */
  requestedBy: string;
  /**
   * Account id of the proctor who asked: the server refuses their own approval
   * (`second_approver_required`), so the console offers 批准/驳回 to everyone else only.
   */
  requestedById: string;
  requestedAt: string;
}

/** When drops of a room's seats count as one outage (断点续考: an outage must not cost the candidate time). */
export interface OutageRule {
  /** Disconnections starting within this window of each other count as one outage. */
  windowMs: number;
  /** At least this many seats … */
  minSeats: number;
  /** … and at least this share of the seats in progress. */
  minShare: number;
}

/**
 * "Many seats of a room disconnect together": 3 seats and 30 % of the room within one minute. One
 * rule for the two sides that must agree on it: the proctor console proposes an outage's credit
 * by it (server/proctoring outage.ts), and the deadline sweep holds the seats of such an outage
 * open until it is credited (server/exams closing.ts), so the sweep never closes a seat the
 * console is about to credit, nor holds one the console would never propose.
 */
export const OUTAGE_RULE: Readonly<OutageRule> = Object.freeze({
  windowMs: 60_000,
  minSeats: 3,
  minShare: 0.3,
});

/**
 * How many seats away make an outage of a room with `seatsInProgress` seats in progress, and keep
 * it out: the room is back once fewer than this many of the outage's seats are still away.
 */
export function outageSeatsNeeded(seatsInProgress: number, rule: Readonly<OutageRule> = OUTAGE_RULE): number {
  return Math.max(rule.minSeats, Math.ceil(seatsInProgress * rule.minShare));
}

/** A proposal to credit time lost when many seats of a room dropped together. */
export interface OutageProposalDto {
  sessionId: string;
  attemptIds: string[];
  /** What each seat lost, in whole minutes rounded up: the credit each is given. */
  seats: { attemptId: string; minutes: number }[];
  /**
   * Start of the outage (its first drop) and when the room was back (fewer seats away than make an
   * outage), epoch ms: the outage's identity. A seat away longer is credited only up to `to`.
   */
  from: number;
  to: number;
  /** The most any seat lost, in whole minutes rounded up. */
  minutes: number;
}

export const IncidentKind = z.enum(["environment", "candidate", "staff", "technical"]);
export type IncidentKind = z.infer<typeof IncidentKind>;

export interface IncidentDto {
  id: string;
  sessionId: string;
  attemptId: string | null;
  kind: IncidentKind;
  note: string;
  reportedBy: string;
  at: string;
}

/** The proctor console's whole room: the answer to `proctor:watch`. */
export interface SessionRoomDto {
  sessionId: string;
  categoryCode: string;
  roomName: string;
  /** A cancelled session is not to be sat: its room has no seats and refuses every action (`session_cancelled`). */
  status: SessionStatus;
  /** The scheduled start (计划开考), ISO instant. */
  startsAt: string;
  /**
   * When the room was released (开考: papers out, clocks running), ISO instant; null until a
   * release has started a seat (a release with nobody checked in starts none). It is the first
   * release: a room released seat by seat shows its first seat's start, and a late candidate
   * released later does not move it. An early release (提前开考) shows its own instant, before
   * `startsAt`. Scheduling records it on the session (`ExamSessionDto.releasedAt`).
   */
  releasedAt: string | null;
  lateEntryMinutes: number;
  earliestHandInMinutes: number;
  serverTime: number;
  seats: SeatViewDto[];
  outageProposal: OutageProposalDto | null;
  /**
   * The longest the deadline sweep holds a seat that a room-wide outage cost time past its deadline,
   * waiting for the credit (the node's EXAM_OUTAGE_HOLD_MAX_MS), in whole minutes rounded up so a
   * short hold does not read as none; 0: no hold, such a seat is handed in at its deadline. For the
   * console's outage texts, which cannot read the node's configuration.
   */
  outageHoldMaxMinutes: number;
  incidents: IncidentDto[];
  resultsPublished: boolean;
}

/** What check-in shows the proctor to compare with the person at the desk. */
export interface CheckInResultDto {
  seat: SeatViewDto;
  /** Registration photo id (GET /api/candidates/:id/photo), to compare with the face. */
  photoId: string | null;
  /** True when an on-site photo was stored with this check-in. */
  onSitePhoto: boolean;
}

/** The outcome of one proctor action over one or many attempts. */
export interface ProctorActionResultDto {
  affected: string[];
  /** Attempts skipped and why (e.g. not in progress). */
  skipped: { attemptId: string; code: string }[];
  serverTime: number;
}

// ---- socket payloads (proctor) ----

/** Either the whole room (no attemptIds) or the named attempts. */
const Targets = z.array(Id).min(1).max(500).optional();

export const WatchPayload = z.object({ sessionId: Id }).strict();
export const CheckInPayload = z
  .object({
    sessionId: Id,
    candidateId: Id,
    /** ID number as typed or read from the card; must match the registration. */
    idNumber: typedCode().min(15).max(18),
    /** The assigned seat (the default); any other is refused `not_assigned_seat` (seating moves seats). */
    seatId: Id.optional(),
    /** Approved accommodation key from the blueprint (e.g. "low_vision"). */
    accommodation: z.string().min(1).max(32).optional(),
    /** On-site photo as a `data:image/jpeg;base64,…` or png URL, ≤ 200 KB. */
    photo: z
      .string()
      .max(200_000)
      .regex(/^data:image\/(jpeg|png);base64,[A-Za-z0-9+/=]+$/)
      .optional(),
  })
  .strict();
export const ReleasePayload = z
  .object({
    sessionId: Id,
    attemptIds: Targets,
    /** Required to release before the scheduled start (提前开考), and audited with it. */
    earlyReason: Reason.optional(),
  })
  .strict();
export const PausePayload = z.object({ sessionId: Id, attemptIds: Targets, reason: Reason }).strict();
export const ResumePayload = z.object({ sessionId: Id, attemptIds: Targets }).strict();
export const ExtendPayload = z
  .object({
    attemptId: Id,
    minutes: z.number().int().min(1).max(120),
    reason: Reason,
    /** Ask a second proctor/officer to approve before the time is granted (Pearson VUE practice). */
    requireSecondApprover: z.boolean().default(false),
    /**
     * Made by the console once per extension the proctor asks for, and sent again with a retry:
     * the server makes one extension per id (a retry after a lost ack is answered the first outcome).
     */
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/)
      .optional(),
  })
  .strict();
export const ApproveExtensionPayload = z
  .object({ attemptId: Id, requestId: Id, approve: z.boolean() })
  .strict();
export const ForceSubmitPayload = z.object({ attemptId: Id, reason: Reason }).strict();
export const VoidPayload = z.object({ attemptId: Id, note: Reason }).strict();
export const IncidentPayload = z
  .object({ sessionId: Id, attemptId: Id.optional(), kind: IncidentKind, note: Reason })
  .strict();
/** Lifts a seated candidate's login lockout (five wrong tries at the seat lock it for 15 minutes). */
export const UnlockLoginPayload = z.object({ sessionId: Id, candidateId: Id }).strict();
/** Whether a lock was in effect (the failure counts are cleared either way). */
export interface UnlockLoginResultDto {
  unlocked: boolean;
}
export const CreditOutagePayload = z
  .object({
    sessionId: Id,
    attemptIds: z.array(Id).min(1).max(500),
    /**
     * The outage credited, as its proposal names it (epoch ms): the server credits each seat what
     * that outage cost it, and only while it is still the outage proposed.
     */
    outageFrom: z.number().int().positive(),
    outageTo: z.number().int().positive(),
    reason: Reason,
  })
  .strict();

export type WatchPayload = z.infer<typeof WatchPayload>;
export type CheckInPayload = z.infer<typeof CheckInPayload>;
export type ReleasePayload = z.infer<typeof ReleasePayload>;
export type PausePayload = z.infer<typeof PausePayload>;
export type ResumePayload = z.infer<typeof ResumePayload>;
export type ExtendPayload = z.input<typeof ExtendPayload>;
export type ApproveExtensionPayload = z.infer<typeof ApproveExtensionPayload>;
export type ForceSubmitPayload = z.infer<typeof ForceSubmitPayload>;
export type VoidPayload = z.infer<typeof VoidPayload>;
export type IncidentPayload = z.infer<typeof IncidentPayload>;
export type CreditOutagePayload = z.infer<typeof CreditOutagePayload>;
export type UnlockLoginPayload = z.infer<typeof UnlockLoginPayload>;
