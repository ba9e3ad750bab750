import type { z } from "zod";
import {
  AnswerPayload,
  ConfirmPayload,
  FlagPayload,
  SubmitPayload,
  SyncPayload,
} from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { listenShared, sharedListener, type AckDataOf, type PayloadOf } from "../lib/socket-ack.js";
import { SplicingAdapter } from "../lib/socket-parser.js";
import type { AppServer, AppSocket } from "../lib/socket-types.js";
import type { ExamService } from "./exam.service.js";
import { rooms } from "./ports.js";

export interface CandidateSocketDeps {
  exams: ExamService;
  logger: Logger;
  io: () => AppServer | null;
  /** Called after a seat came back (outage proposals). */
  onReconnect?: (sessionId: string) => void;
}

/** How often one socket's refusals of other attempts are audited (see `assertOwn`). */
const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

/**
 * The candidate's `attempt:*` handlers, made once per node and shared by every candidate's socket
 * (a socket's own state is `socket.data.ownAttemptId`): per-socket closures were most of what a
 * connected candidate kept besides the connection itself. Every payload is validated with zod;
 * an event naming another candidate's attempt is refused with `forbidden` and audited (by the
 * service: handlers never write audit entries).
 */
export function createCandidateHandlers(deps: CandidateSocketDeps): {
  attach(io: AppServer): void;
  register(socket: AppSocket): void;
} {
  const log = deps.logger;

  async function own(socket: AppSocket, attemptId: string, event: string): Promise<string> {
    if (attemptId === socket.data.ownAttemptId) return attemptId;
    await assertOwn(socket, attemptId, event);
    await adopt(socket, attemptId);
    return attemptId;
  }

  /**
   * The ownership check, audited at most once a minute per socket. Every audited refusal is a
   * transaction queued behind the node's others (check-ins, releases, voids): a page looping over
   * made-up attempt ids stalled every proctor on the node. The refusals in between are answered
   * alike, unaudited; a new connection (signing in again) is audited anew.
   */
  async function assertOwn(socket: AppSocket, attemptId: string, event: string): Promise<void> {
    const at = Date.now();
    const audit = at - (socket.data.refusalAuditedAt ?? 0) >= REFUSAL_AUDIT_INTERVAL_MS;
    try {
      await deps.exams.assertOwnAttempt(candidateOf(socket).me, attemptId, event, { audit });
    } catch (err) {
      if (audit) socket.data.refusalAuditedAt = at;
      throw err;
    }
  }

  /**
   * Binds this socket to its attempt and marks the seat online; null when it already was. Only a
   * seat that had been away can end a room-wide outage, so only its return asks for a proposal.
   */
  async function adopt(socket: AppSocket, attemptId: string) {
    if (socket.data.ownAttemptId === attemptId) return null;
    socket.data.ownAttemptId = attemptId;
    // One page answers for a seat, the newest (a reloaded or replaced kiosk): two pages each
    // showed their own choice as saved while the server kept whichever came later. The older
    // pages are told, then disconnected by the server, which a socket.io client does not undo
    // by reconnecting. Once per page, on every instance (through the adapter), never per save.
    const io = deps.io();
    if (io) {
      takeOverLocally(io, attemptId, socket.id);
      if (isClustered(io)) io.serverSideEmit("attempt:take_over", { attemptId, newest: socket.id });
    }
    await socket.join(rooms.attempt(attemptId));
    const online = await deps.exams.markOnline(attemptId);
    if (online?.cameBack) deps.onReconnect?.(candidateOf(socket).sessionId);
    return online;
  }

  /**
   * An event on the candidate's own attempt: its `attemptId` is checked to be the socket's own
   * (`own`, under the event's name) before `act` runs, so no handler can skip or misname the check.
   */
  function onOwnAttempt<E extends "attempt:confirm" | "attempt:answer" | "attempt:flag" | "attempt:submit">(
    event: E,
    schema: z.ZodType<PayloadOf<E>>,
    act: (attemptId: string, payload: PayloadOf<E>) => Promise<AckDataOf<E>>,
  ) {
    return sharedListener(
      event,
      schema,
      // The usual event names the socket's own attempt: it is acted on at once, without the
      // promise and the turn an `await` of the check costs every save (issue 17); any other
      // attempt id goes through the audited check first.
      (socket, p) =>
        p.attemptId === socket.data.ownAttemptId
          ? act(p.attemptId, p)
          : own(socket, p.attemptId, event).then((id) => act(id, p)),
      log,
    );
  }

  const listeners = [
    sharedListener(
      "attempt:sync",
      SyncPayload,
      async (socket, p) => {
        const { sessionId, candidateId } = candidateOf(socket);
        const id = p.attemptId ?? (await deps.exams.candidateAttemptId(sessionId, candidateId));
        if (!id) throw errors.notFound("考试记录（请等待监考员核验身份）", "attempt_not_found");
        if (p.attemptId && id !== socket.data.ownAttemptId) await assertOwn(socket, id, "attempt:sync");
        // The connect write read the attempt: the view is built from that copy (no second read).
        const online = await adopt(socket, id);
        return online ? online.view() : deps.exams.view(id);
      },
      log,
    ),
    onOwnAttempt("attempt:confirm", ConfirmPayload, (id) => deps.exams.confirm(id)),
    onOwnAttempt("attempt:answer", AnswerPayload, (id, p) =>
      deps.exams.saveAnswer(id, { seq: p.seq, index: p.index, choice: p.choice }),
    ),
    onOwnAttempt("attempt:flag", FlagPayload, (id, p) =>
      deps.exams.saveFlag(id, { seq: p.seq, index: p.index, flagged: p.flagged }),
    ),
    onOwnAttempt("attempt:submit", SubmitPayload, (id, p) => deps.exams.submitByCandidate(id, p.lastSeq)),
  ];

  // socket.io calls a "disconnect" listener with the socket as `this`, as for any event.
  function onDisconnect(this: AppSocket): void {
    const attemptId = this.data.ownAttemptId;
    if (!attemptId || this.data.replaced) return;
    // Offline only when no other socket of this candidate remains on any instance. With Redis
    // away the other instances cannot be asked: this instance's own sockets still answer (a
    // candidate reconnected here stays online) rather than none at all.
    const othersRemain = async (): Promise<boolean> => {
      const io = deps.io();
      if (!io) return false;
      const room = rooms.attempt(attemptId);
      const others = await io
        .in(room)
        .fetchSockets()
        .catch(() => io.local.in(room).fetchSockets());
      return others.length > 0;
    };
    deps.exams
      .markOffline(attemptId, othersRemain)
      .catch((err: unknown) => log.warn({ err, attemptId }, "marking a seat offline failed"));
  }

  return {
    /** Listens for other instances' take-overs (see `adopt`). */
    attach(io: AppServer): void {
      io.on("attempt:take_over", ({ attemptId, newest }) => takeOverLocally(io, attemptId, newest));
    },
    /** Registers the handlers on a candidate's socket; other sockets get none. */
    register(socket) {
      const user = socket.data.user;
      if (!user || user.kind !== "candidate" || !user.candidate) return;
      void socket.join(rooms.candidate(user.candidate.candidateId));
      listenShared(socket, listeners);
      socket.on("disconnect", onDisconnect);
    },
  };
}

/**
 * Tells this instance's older pages of the attempt that a newer page has it, then disconnects
 * them: both on this instance's own sockets, so each page gets the message before the disconnect.
 */
function takeOverLocally(io: AppServer, attemptId: string, newest: string): void {
  const nsp = io.of("/");
  for (const id of [...(nsp.adapter.rooms.get(rooms.attempt(attemptId)) ?? [])]) {
    const older = id === newest ? undefined : nsp.sockets.get(id);
    if (!older) continue;
    // Its disconnect leaves the seat to the newer page, which holds it online.
    older.data.replaced = true;
    older.emit("attempt:taken_over", { attemptId, serverTime: Date.now() });
    older.disconnect();
  }
}

/** Several instances share the rooms (the Redis adapter); the node's own adapter is this instance's alone. */
function isClustered(io: AppServer): boolean {
  return !(io.of("/").adapter instanceof SplicingAdapter);
}

/** The candidate behind a socket the handlers were registered on (`register` checked its kind). */
function candidateOf(socket: AppSocket) {
  const user = socket.data.user;
  if (!user || user.kind !== "candidate" || !user.candidate) throw errors.forbidden();
  const { candidateId, sessionId } = user.candidate;
  return {
    candidateId,
    sessionId,
    me: { id: user.id, name: user.displayName, kind: "candidate" as const, candidateId, sessionId },
  };
}
