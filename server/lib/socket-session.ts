import type { Ack } from "../contracts/errors.js";
import type { AuthUser } from "../contracts/auth.js";
import { toAppError, type AppError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { AppServer, AppSocket } from "./socket-types.js";

/**
 * Sockets end with what they were opened under. A socket joins a room per login session and one
 * per user when it connects; logout ends the session's sockets, and deactivation or a change of
 * roles or scope ends all of the user's, on every instance (the Redis adapter relays
 * `disconnectSockets`). On top of that, `guardEvents` asks before every event whether the account
 * behind the socket still holds, so a socket the disconnect missed cannot act either.
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
 * Runs `check` before every event the socket receives. A refusal (or a failing check: refuse
 * rather than act unchecked) answers the event's callback with a failed ack, so the client does
 * not wait, and closes the socket.
 */
export function guardEvents(socket: AppSocket, check: () => Promise<AppError | null>, logger?: Logger): void {
  // Checks run one after another per socket, so events still reach their handlers in the order sent.
  let queue: Promise<void> = Promise.resolve();
  socket.use((packet, next) => {
    const refuse = (error: AppError) => {
      const last: unknown = (packet as unknown[]).at(-1);
      if (typeof last === "function") (last as (a: Ack<never>) => void)({ ok: false, error: error.toBody() });
      socket.disconnect(true);
    };
    queue = queue.then(() =>
      check().then(
        (refusal) => (refusal ? refuse(refusal) : next()),
        (err: unknown) => {
          logger?.error({ err }, "socket account check failed");
          refuse(toAppError(err));
        },
      ),
    );
  });
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
