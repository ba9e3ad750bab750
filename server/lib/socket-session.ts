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
