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
import { exactAnswerPayload } from "./answer-payload-check.js";
import {
  listenShared,
  sharedListener,
  type AckDataOf,
  type ExactCheck,
  type PayloadOf,
} from "../lib/socket-ack.js";
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

/** How long an announced newest page of a seat is kept (see `announce`): far past any connect's write. */
const ANNOUNCED_KEPT_MS = 60_000;

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
  /** The presence generation each page's connect wrote (see `adopt`): its place among the seat's pages. */
  const generations = new WeakMap<AppSocket, number>();

  async function own(socket: AppSocket, attemptId: string, event: string): Promise<string> {
    if (attemptId === socket.data.ownAttemptId) return attemptId;
    await assertOwn(socket, attemptId, event);
    await adopt(socket, attemptId);
    return attemptId;
  }

  /**
   * The ownership check. Its refusals are audited within a budget per candidate (the service's,
   * whichever of the candidate's sockets on this instance asked): every audited refusal is a
   * transaction queued behind the node's others (check-ins, releases, voids), and a page looping
   * over made-up attempt ids, or a login opening hundreds of sockets, stalled every proctor on the
   * node.
   */
  function assertOwn(socket: AppSocket, attemptId: string, event: string): Promise<void> {
    return deps.exams.assertOwnAttempt(candidateOf(socket).me, attemptId, event);
  }

  /**
   * Binds this socket to its attempt and marks the seat online; null when it already was. Only a
   * seat that had been away can end a room-wide outage, so only its return asks for a proposal.
   */
  async function adopt(socket: AppSocket, attemptId: string) {
    if (socket.data.ownAttemptId === attemptId) return null;
    socket.data.ownAttemptId = attemptId;
    const io = deps.io();
    // This instance's pages that already connected are older than this one, whose connect is yet
    // to be written: they go at once, before this page's view is read (see below for the rest).
    if (io) replaceLocally(io, attemptId, (page) => page !== socket && generations.has(page));
    await socket.join(rooms.attempt(attemptId));
    const online = await deps.exams.markOnline(attemptId);
    // One page answers for a seat, the newest (a reloaded or replaced kiosk): two pages each
    // showed their own choice as saved while the server kept whichever came later. The older
    // pages are told, then disconnected by the server, which a socket.io client does not undo
    // by reconnecting. Once per page, on every instance (through the adapter), never per save.
    // Newest is the page whose connect wrote the latest presence generation, as the database
    // ordered the writes: two pages connecting at once on two instances each named itself the
    // newest, each instance shut out its own page, and the seat was left with none.
    if (online) {
      generations.set(socket, online.gen);
      if (io) {
        // Another page of this instance may learn its own generation only after this one (its
        // write answered later): it must then judge itself by this page's, as by another's.
        if ((io.of("/").adapter.rooms.get(rooms.attempt(attemptId))?.size ?? 0) > 1)
          announce(attemptId, online.gen);
        replaceLocally(io, attemptId, olderThan(attemptId, online.gen));
        if (isClustered(io)) io.serverSideEmit("attempt:take_over", { attemptId, gen: online.gen });
      }
    }
    if (online?.cameBack) deps.onReconnect?.(candidateOf(socket).sessionId);
    return online;
  }

  /**
   * The newest presence generation announced per attempt (by another instance, or by a page of
   * this one while another page of it was here), kept a minute: a page whose connect wrote an
   * older generation may learn its own only after the announcement came (its write answered
   * later), and then judges itself by it. Reading the attempt's generation
   * instead cost every connect a second database round trip (issue 17's 5,000 connects).
   */
  const announced = new Map<string, { gen: number; at: number }>();
  let sweptAt = Date.now();

  function announce(attemptId: string, gen: number): void {
    const at = Date.now();
    if (at - sweptAt > ANNOUNCED_KEPT_MS) {
      for (const [id, heard] of announced) if (at - heard.at > ANNOUNCED_KEPT_MS) announced.delete(id);
      sweptAt = at;
    }
    const heard = announced.get(attemptId);
    if (!heard || heard.gen <= gen) announced.set(attemptId, { gen, at });
  }

  /**
   * Picks the pages older than the newest generation this instance knows of the attempt (`gen`,
   * or a newer one announced): a page still connecting (no generation yet) is left to judge
   * itself once it has one, as `adopt` does after every connect.
   */
  function olderThan(attemptId: string, gen: number): (page: AppSocket) => boolean {
    const heard = announced.get(attemptId);
    const newest = heard && Date.now() - heard.at <= ANNOUNCED_KEPT_MS ? Math.max(gen, heard.gen) : gen;
    return (page) => {
      const own = generations.get(page);
      return own !== undefined && own < newest;
    };
  }

  /**
   * Tells this instance's pages of the attempt that `older` picks that a newer page has it, then
   * disconnects them (each page gets the message before the disconnect).
   */
  function replaceLocally(io: AppServer, attemptId: string, older: (page: AppSocket) => boolean): void {
    const nsp = io.of("/");
    for (const id of [...(nsp.adapter.rooms.get(rooms.attempt(attemptId)) ?? [])]) {
      const page = nsp.sockets.get(id);
      if (!page || page.data.replaced || !older(page)) continue;
      // Its disconnect leaves the seat to the newer page, which holds it online.
      page.data.replaced = true;
      page.emit("attempt:taken_over", { attemptId, serverTime: Date.now() });
      page.disconnect();
    }
  }

  /**
   * An event on the candidate's own attempt: its `attemptId` is checked to be the socket's own
   * (`own`, under the event's name) before `act` runs, so no handler can skip or misname the check.
   */
  function onOwnAttempt<E extends "attempt:confirm" | "attempt:answer" | "attempt:flag" | "attempt:submit">(
    event: E,
    schema: z.ZodType<PayloadOf<E>>,
    act: (attemptId: string, payload: PayloadOf<E>) => Promise<AckDataOf<E>>,
    exact: ExactCheck<PayloadOf<E>> | null = null,
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
      exact,
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
    onOwnAttempt(
      "attempt:answer",
      AnswerPayload,
      (id, p) => deps.exams.saveAnswer(id, { seq: p.seq, index: p.index, choice: p.choice }),
      exactAnswerPayload,
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
      io.on("attempt:take_over", ({ attemptId, gen }) => {
        // Every instance hears every take-over: one with no page of the attempt has nothing to
        // stop nor any page to remember it for (a connecting page joins the room before its
        // connect's write, see `adopt`), so 5,000 connects leave no trace on the other instances.
        if (!io.of("/").adapter.rooms.get(rooms.attempt(attemptId))?.size) return;
        if (!Number.isSafeInteger(gen)) {
          // An instance of the version before generations (a rolling deploy) names no generation:
          // its page is the newest, as that version's message meant, so this instance's pages go.
          replaceLocally(io, attemptId, (page) => generations.has(page));
          return;
        }
        announce(attemptId, gen);
        replaceLocally(io, attemptId, olderThan(attemptId, gen));
      });
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
