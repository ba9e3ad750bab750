import type { Ack } from "../contracts/errors.js";
import type { AuthUser } from "../contracts/auth.js";
import { AppError, errors, toAppError } from "./errors.js";
import type { Logger } from "./logger.js";
import { isThenable } from "./socket-ack.js";
import type { AppServer, AppSocket } from "./socket-types.js";

/**
 * Sockets end with what they were opened under. A socket joins a room per login session and one
 * per user when it connects; logout ends the session's sockets, and deactivation or a change of
 * roles or scope ends all of the user's, on every instance (the Redis adapter relays
 * `disconnectSockets`). On top of that, `guardEvents` asks before every event whether the account
 * behind the socket still holds, so a socket the disconnect missed cannot act either. The adapter
 * drops a relayed disconnect while an instance's Redis link is down, and a candidate's per-event
 * check is the clock only: the identity feature re-reads open sockets' logins on timers (staff one
 * by one, candidates batched per instance), which closes what such a disconnect missed.
 */
export const socketRooms = {
  user: (userId: string) => `user:${userId}`,
  loginSession: (sessionId: string) => `login:${sessionId}`,
};

/** Ends open sockets when their login ends; bound to the socket.io server once it exists. */
export function createSocketSessions(logger: Logger) {
  let io: AppServer | null = null;
  const end = (room: string) => {
    io?.in(room).disconnectSockets(true);
  };
  return {
    bind(server: AppServer): void {
      io = server;
    },
    /** Puts a new socket in its user's and its login session's rooms. */
    join(socket: AppSocket, user: AuthUser, sessionId: string | undefined): void {
      void socket.join(socketRooms.user(user.id));
      if (sessionId) void socket.join(socketRooms.loginSession(sessionId));
    },
    /** Logout: the session's sockets close. */
    endLoginSession(sessionId: string): void {
      logger.debug({ room: socketRooms.loginSession(sessionId) }, "closing the sockets of an ended login");
      end(socketRooms.loginSession(sessionId));
    },
    /** Deactivation, role, scope or password change: every socket of the user closes. */
    endUser(userId: string): void {
      end(socketRooms.user(userId));
    },
  };
}
export type SocketSessions = ReturnType<typeof createSocketSessions>;

/**
 * Events of one socket whose checks may wait at once (see `guardEvents`). A console sends a few at
 * a time; a client flooding events queued a check of two reads each, without bound, holding memory
 * for every one and feeding the database a read per event.
 */
export const MAX_PENDING_CHECKS = 32;

/**
 * Runs `check` before every event the socket receives. A refusal (or a failing check: refuse
 * rather than act unchecked) answers the event's callback with a failed ack, so the client does
 * not wait, and closes the socket.
 *
 * A check may answer at once (a candidate's is a clock comparison) or with a promise (staff: the
 * live account and the login are read). Events reach their handlers in the order sent either way:
 * an event whose check answers at once is let through at once only while no earlier event of the
 * socket waits for its check; otherwise it queues behind them. A candidate's every save then costs
 * no promise here, where it cost three (issue 17).
 */
export function guardEvents(
  socket: AppSocket,
  check: () => AppError | null | PromiseLike<AppError | null>,
  logger?: Logger,
): void {
  /** Events whose check has not yet decided, and the promise that settles after the last of them. */
  let waiting = 0;
  let queue: Promise<void> = Promise.resolve();
  socket.use((packet, next) => {
    if (waiting === 0) {
      let verdict: AppError | null | PromiseLike<AppError | null>;
      try {
        verdict = check();
      } catch (err) {
        failed(packet, err);
        return;
      }
      if (!isThenable(verdict)) {
        answered(packet, verdict, next);
        return;
      }
      waiting += 1;
      // Adopted, not called: a promise from another library (or realm) is waited for like ours.
      queue = Promise.resolve(verdict).then(
        (refusal) => decided(packet, refusal, next),
        (err: unknown) => decided(packet, err, null),
      );
      return;
    }
    if (waiting >= MAX_PENDING_CHECKS) {
      refuse(packet, errors.tooMany("操作过于频繁，连接已断开，请刷新页面后重试"));
      return;
    }
    waiting += 1;
    queue = queue.then(() =>
      Promise.resolve()
        .then(check)
        .then(
          (refusal) => decided(packet, refusal, next),
          (err: unknown) => decided(packet, err, null),
        ),
    );
  });
  function refuse(packet: unknown[], error: AppError): void {
    const last: unknown = packet.at(-1);
    if (typeof last === "function") (last as (a: Ack<never>) => void)({ ok: false, error: error.toBody() });
    socket.disconnect(true);
  }
  /** A check that threw, rejected or answered neither null nor an `AppError`: logged, refused as internal. */
  function failed(packet: unknown[], err: unknown): void {
    logger?.error({ err }, "socket account check failed");
    refuse(packet, toAppError(err));
  }
  /** A check's answer: null lets the event through, an `AppError` refuses it. */
  function answered(packet: unknown[], verdict: unknown, next: () => void): void {
    if (!verdict) next();
    else if (verdict instanceof AppError) refuse(packet, verdict);
    else failed(packet, verdict);
  }
  /**
   * A waiting event's check decided (`next` null: it failed with `outcome`), counted off before the
   * event goes on or is refused, so a later event's check sees the queue as it is.
   */
  function decided(packet: unknown[], outcome: unknown, next: (() => void) | null): void {
    waiting -= 1;
    if (next) answered(packet, outcome, next);
    else failed(packet, outcome);
  }
}

/** Each handshake's response object, by its request (see `releaseUpgradeRequest`). */
const upgradeResponses = new WeakMap<object, object>();

/**
 * engine.io middleware, registered before any other: notes the response object of a handshake so
 * that `releaseUpgradeRequest` can cut it from its request later. For a WebSocket upgrade that
 * object is engine.io's stand-in response, which keeps the request (`res.req`) and is itself kept
 * by a "close" listener on the TCP socket until the connection ends.
 */
export function noteUpgradeResponse(req: object, res: object, next: (err?: unknown) => void): void {
  upgradeResponses.set(req, res);
  next();
}

/**
 * Lets go of the HTTP request that opened the socket's connection (about 1 KB per socket with its
 * headers, session and passport state). engine.io keeps it for the connection's life, as
 * `socket.request` and through its upgrade response (`noteUpgradeResponse`); socket.io's "Memory
 * usage" page drops the first only, which frees nothing while the second holds it (a test
 * checks that the request is collected). Runs as the
 * last handshake middleware: by then every feature has copied what it needs into `socket.data`
 * (the identity feature: the user, the login session's id, `candidateUntil`); `socket.handshake`
 * (headers, query, address) stays. The upgrade's response headers were written long before. The
 * node serves one namespace: a second one would find no request at its handshake.
 */
export function releaseUpgradeRequest(socket: AppSocket): void {
  const conn = socket.conn as { request: object | null };
  const response = conn.request ? upgradeResponses.get(conn.request) : undefined;
  if (response) forgetRequest(response as Record<string, unknown>);
  conn.request = null;
}

/**
 * Cuts an upgrade's response from its request: its `req`, and what the handshake's middlewares
 * left on it, all closures over the request (express-session's `end`, on-headers' `writeHead`, their
 * listeners). The prototype's methods remain; engine.io calls them only to refuse an upgrade.
 */
function forgetRequest(response: Record<string, unknown>): void {
  if ("req" in response) response.req = null;
  for (const key of Object.keys(response)) if (typeof response[key] === "function") delete response[key];
  const emitter = response as { removeAllListeners?: () => void };
  emitter.removeAllListeners?.();
}
