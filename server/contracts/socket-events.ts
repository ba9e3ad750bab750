import type { AckCallback, ErrorBody } from "./errors.js";
import type * as Exams from "./exams.js";

/**
 * Typed socket.io event maps shared by server and client. Event names are `domain:verb`; every
 * client→server event takes one payload (validated with zod on the server) and an ack callback.
 * Feature sections are added below as features land.
 */
export interface ClientToServerEvents {
  "system:ping": (payload: Record<string, never>, ack: AckCallback<{ serverTime: number }>) => void;

  // ---- exam delivery (candidate; see contracts/exams.ts for the clock and save rules) ----
  /** Full resync of the caller's attempt; also joins its `attempt:<id>` room. Call after every (re)connect. */
  "attempt:sync": (payload: Exams.SyncPayload, ack: AckCallback<Exams.CandidateAttemptDto>) => void;
  /** The candidate confirmed photo, name and ID on screen (checked_in → ready). */
  "attempt:confirm": (payload: Exams.ConfirmPayload, ack: AckCallback<Exams.CandidateAttemptDto>) => void;
  "attempt:answer": (payload: Exams.AnswerPayload, ack: AckCallback<Exams.SaveAckDto>) => void;
  "attempt:flag": (payload: Exams.FlagPayload, ack: AckCallback<Exams.SaveAckDto>) => void;
  /** Hand in; waits until every seq ≤ lastSeq has arrived (else `saves_pending` with `details.missing`). */
  "attempt:submit": (payload: Exams.SubmitPayload, ack: AckCallback<Exams.CandidateAttemptDto>) => void;

  // ---- proctoring (proctor of the session's test centre) ----
  /** Joins `session:<id>` and returns the live seat map. */
  "proctor:watch": (payload: Exams.WatchPayload, ack: AckCallback<Exams.SessionRoomDto>) => void;
  "proctor:unwatch": (payload: Exams.WatchPayload, ack: AckCallback<{ sessionId: string }>) => void;
  /** Confirms identity, binds the seat and assembles the paper. */
  "proctor:check_in": (payload: Exams.CheckInPayload, ack: AckCallback<Exams.CheckInResultDto>) => void;
  /** Starts the whole room or the named attempts: stamps startedAt and the deadline. */
  "proctor:release": (payload: Exams.ReleasePayload, ack: AckCallback<Exams.ProctorActionResultDto>) => void;
  "proctor:pause": (payload: Exams.PausePayload, ack: AckCallback<Exams.ProctorActionResultDto>) => void;
  "proctor:resume": (payload: Exams.ResumePayload, ack: AckCallback<Exams.ProctorActionResultDto>) => void;
  /** Extends time (reason required); with `requireSecondApprover` it waits for `proctor:approve_extension`. */
  "proctor:extend": (
    payload: Exams.ExtendPayload,
    ack: AckCallback<Exams.ProctorActionResultDto & { pending: Exams.PendingExtensionDto | null }>,
  ) => void;
  /** A second proctor/officer (not the requester) approves or rejects a pending extension. */
  "proctor:approve_extension": (
    payload: Exams.ApproveExtensionPayload,
    ack: AckCallback<Exams.ProctorActionResultDto>,
  ) => void;
  "proctor:force_submit": (
    payload: Exams.ForceSubmitPayload,
    ack: AckCallback<Exams.ProctorActionResultDto>,
  ) => void;
  /** Voids an attempt for misconduct (违纪) with a note. */
  "proctor:void": (payload: Exams.VoidPayload, ack: AckCallback<Exams.ProctorActionResultDto>) => void;
  "proctor:incident": (payload: Exams.IncidentPayload, ack: AckCallback<Exams.IncidentDto>) => void;
  /** Applies an outage credit (usually the one `session:outage` proposed) with a reason. */
  "proctor:credit_outage": (
    payload: Exams.CreditOutagePayload,
    ack: AckCallback<Exams.ProctorActionResultDto>,
  ) => void;
  /** Lifts a seated candidate's login lockout, the person checked by the proctor in the room. */
  "proctor:unlock_login": (
    payload: Exams.UnlockLoginPayload,
    ack: AckCallback<Exams.UnlockLoginResultDto>,
  ) => void;
}

export interface ServerToClientEvents {
  "system:notice": (payload: { message: string; serverTime: number }) => void;

  // ---- exam delivery (to room `attempt:<id>`; never carries an answer key before submit) ----
  /** The attempt was released: full state including the questions. */
  "attempt:started": (payload: Exams.CandidateAttemptDto) => void;
  /** Pause, resume, extension or outage credit changed the clock. */
  "attempt:clock": (payload: Exams.ClockEventDto) => void;
  /** Submitted (by the candidate, the deadline or the proctor) or voided. */
  "attempt:closed": (payload: Exams.AttemptClosedDto) => void;
  /** A newer page of this candidate opened the attempt: this page stops (and is disconnected). */
  "attempt:taken_over": (payload: Exams.AttemptTakenOverDto) => void;

  // ---- proctor console (to room `session:<id>`) ----
  /** One seat changed state. */
  "session:seat": (payload: Exams.SeatViewDto) => void;
  /**
   * Several seats at once: a room's start, and the seats changed by answer saves, collected per
   * room and pushed at most once a second.
   */
  "session:seats": (payload: Exams.SeatViewDto[]) => void;
  /** Many seats dropped together: the server proposes crediting the lost minutes. */
  "session:outage": (payload: Exams.OutageProposalDto) => void;
  "session:incident": (payload: Exams.IncidentDto) => void;
  "session:extension_pending": (payload: Exams.PendingExtensionDto) => void;
}

/**
 * What a refused handshake's `connect_error` carries as `err.data`: the error body, and for a
 * candidate refused because their sitting is over, how their attempt closed (what `attempt:closed`
 * would have told the page had it been connected), so a page offline at the close does not take a
 * voided attempt for one handed in at the deadline.
 */
export type HandshakeRefusalDto = ErrorBody & {
  closed?: Parameters<ServerToClientEvents["attempt:closed"]>[0];
};

/** Names of client→server events. */
export type ClientEvent = keyof ClientToServerEvents;
/** The payload event `E` carries. */
export type PayloadOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
/** What a successful ack of event `E` carries (server handler result, client `emitWithAck` data). */
export type AckDataOf<E extends ClientEvent> =
  Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer R> ? R : never;

/** Events between server instances (via the Redis adapter's serverSideEmit). */
export interface InterServerEvents {
  /** A candidate's page opened the attempt, writing presence generation `gen`: other instances stop its pages with an older one. */
  "attempt:take_over": (payload: { attemptId: string; gen: number }) => void;
}

/** What the handshake puts on every socket. */
export interface SocketData {
  user: import("./auth.js").AuthUser | null;
  /**
   * The login session the handshake carried (express-session's id), and for a candidate its
   * login's `candidateUntil`: copied at the handshake so the upgrade request need not be kept.
   */
  loginSessionId?: string;
  candidateUntil?: number;
  /** A candidate's socket: the attempt it is bound to, from its first sync or attempt event on. */
  ownAttemptId?: string;
  /** A newer page of the candidate took the attempt over: this socket is being closed. */
  replaced?: boolean;
}
