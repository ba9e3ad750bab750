import { io as ioClient, type Socket } from "socket.io-client";
import type { AuthUser } from "../../../../server/contracts/auth.js";
import type { Ack } from "../../../../server/contracts/errors.js";
import type { AnswerPayload, CandidateAttemptDto, SaveAckDto } from "../../../../server/contracts/exams.js";
import type { SeatAssignmentDto } from "../../../../server/contracts/scheduling.js";
import type {
  AckDataOf,
  ClientEvent,
  ClientToServerEvents,
  PayloadOf,
  ServerToClientEvents,
} from "../../../../server/contracts/socket-events.js";

// The fixtures' proctor and candidates, shared with bench:exam.
export { candidateUser, proctorUser } from "../../../../scripts/bench/exam-users.js";

export type ExamSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** The options a candidate may choose in one answer (the contract's letters). */
export type Choice = AnswerPayload["choice"];

export function officerUser(over: Partial<AuthUser> = {}): AuthUser {
  return {
    id: "officer-1",
    kind: "staff",
    roles: ["officer"],
    displayName: "李考务",
    divisionCode: "320000",
    provinceCode: "320000",
    ...over,
  };
}

/** Every event and ack a socket received, serialised: the leak check reads these. */
export interface Received {
  log: string[];
}

/** Connects with the test identity; every received event is recorded in `received.log`. */
export function connect(
  url: string,
  user: AuthUser,
  received?: Received,
  options: { reconnection?: boolean } = {},
): Promise<ExamSocket> {
  const socket: ExamSocket = ioClient(url, {
    transports: ["websocket"],
    auth: { user },
    forceNew: true,
    reconnection: options.reconnection ?? false,
  });
  if (received)
    socket.onAny((event: string, ...args: unknown[]) => received.log.push(JSON.stringify([event, ...args])));
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

/**
 * Emits a contract event and waits for its ack (recording it), failing after `timeoutMs`. Payload
 * and ack are typed by the event map, as in the client's `emitWithAck`.
 */
export async function call<E extends ClientEvent>(
  socket: ExamSocket,
  event: E,
  payload: PayloadOf<E>,
  received?: Received,
  timeoutMs = 10_000,
): Promise<Ack<AckDataOf<E>>> {
  return callRaw(socket, event, payload, received, timeoutMs) as Promise<Ack<AckDataOf<E>>>;
}

/** `call` for payloads the contract does not allow (the tests of validation send them on purpose). */
export async function callRaw(
  socket: ExamSocket,
  event: ClientEvent,
  payload: unknown,
  received?: Received,
  timeoutMs = 10_000,
): Promise<Ack<unknown>> {
  // socket.io's typing cannot follow a generic event name through its conditional types.
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(e: string, p: unknown): Promise<Ack<unknown>>;
  };
  const ack = await timed.emitWithAck(event, payload);
  received?.log.push(JSON.stringify(["ack", event, ack]));
  return ack;
}

export function ok<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok ack, got ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** The proctor checks in every assigned candidate of the session, each check-in acknowledged ok. */
export async function checkInAll(
  proctor: ExamSocket,
  sessionId: string,
  assignments: readonly SeatAssignmentDto[],
): Promise<void> {
  for (const a of assignments) ok(await checkInSeat(proctor, sessionId, a));
}

/**
 * The proctor checks `seat`'s candidate in to `sessionId` (which may be another sitting than the
 * seat's own), by candidate and ID number, and gets the raw ack. Shared because the check-in tests
 * each spelled out this payload.
 */
export function checkInSeat(
  proctor: ExamSocket,
  sessionId: string,
  seat: Pick<SeatAssignmentDto, "candidateId" | "idNumber">,
) {
  return call(proctor, "proctor:check_in", {
    sessionId,
    candidateId: seat.candidateId,
    idNumber: seat.idNumber,
  });
}

/**
 * A candidate client as the exam page behaves: every answer gets the next seq and goes into a
 * journal (the page keeps it in IndexedDB) until acknowledged; after a reconnect the client
 * resyncs from the server and replays whatever the journal still holds.
 */
export class JournalCandidate {
  socket: ExamSocket | null = null;
  attempt: CandidateAttemptDto | null = null;
  private nextSeq = 1;
  readonly journal = new Map<number, { index: number; choice: Choice }>();
  /** What the candidate last chose per question (the truth the server must end with). */
  readonly intended = new Map<number, string[]>();
  readonly received: Received = { log: [] };
  acks = 0;

  constructor(
    private url: string,
    readonly user: AuthUser,
  ) {}

  async connect(url = this.url): Promise<CandidateAttemptDto> {
    this.url = url;
    this.socket = await connect(url, this.user, this.received);
    const view = ok(await call(this.socket, "attempt:sync", {}, this.received));
    this.attempt = view;
    this.nextSeq = Math.max(this.nextSeq, view.lastSeq + 1);
    return view;
  }

  get attemptId(): string {
    if (!this.attempt) throw new Error("not synced");
    return this.attempt.attemptId;
  }

  /** Answers a question: journal first, then send; a lost ack leaves it in the journal. */
  async answer(index: number, choice: Choice, timeoutMs = 5000): Promise<SaveAckDto | null> {
    const seq = this.nextSeq++;
    this.journal.set(seq, { index, choice });
    this.intended.set(index, choice);
    return this.send(seq, timeoutMs);
  }

  private async send(seq: number, timeoutMs: number): Promise<SaveAckDto | null> {
    const entry = this.journal.get(seq);
    if (!entry || !this.socket?.connected) return null;
    try {
      const ack = await call(
        this.socket,
        "attempt:answer",
        { attemptId: this.attemptId, seq, index: entry.index, choice: entry.choice },
        this.received,
        timeoutMs,
      );
      if (ack.ok) {
        this.journal.delete(seq);
        this.acks++;
        return ack.data;
      }
      if (ack.error.code === "attempt_closed") this.journal.delete(seq);
      return null;
    } catch {
      return null;
    }
  }

  /** Replays the journal in seq order (after a reconnect). */
  async replay(): Promise<void> {
    for (const seq of [...this.journal.keys()].sort((a, b) => a - b)) await this.send(seq, 5000);
  }

  async submit(): Promise<Ack<CandidateAttemptDto>> {
    if (!this.socket) throw new Error("not connected");
    return call(
      this.socket,
      "attempt:submit",
      { attemptId: this.attemptId, lastSeq: this.nextSeq - 1 },
      this.received,
    );
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}

/** Fails when any recorded payload carries an answer key or an explanation. */
export function leaks(received: Received): string[] {
  return received.log.filter((line) =>
    /"answer"\s*:|"explanation"\s*:|SECRET-EXPLANATION|"optionOrder"\s*:/.test(line),
  );
}
