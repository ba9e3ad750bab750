import type { Collection, Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { HandshakeRefusalDto, ServerToClientEvents } from "../contracts/socket-events.js";
import { errors, type AppError } from "../lib/errors.js";
import type { AppSocket } from "../lib/socket-types.js";
import type { AuthService } from "./auth.service.js";
import { credEpochOf } from "./cred-epoch.js";
import { SESSION_COLLECTION, sessionCookieName } from "./session.js";

/** How a candidate's attempt closed, as the socket contract's `attempt:closed` carries it. */
export type ClosedAttempt = Parameters<ServerToClientEvents["attempt:closed"]>[0];

/** The part of a stored login this feature reads: passport's record of a candidate keeps the user. */
export type StoredLogin = {
  _id: string;
  expires?: Date;
  session?: { passport?: { user?: { k?: string; user?: AuthUser; e?: number } } };
};

/** A login as read (null: gone), with the fields the checks read. */
type LoginRead = Pick<StoredLogin, "expires" | "session"> | null;

/** The one read of the login store the checks make (the sessions collection in the node). */
export interface LoginStore {
  findOne(filter: { _id: string }, options: { projection: Record<string, 1> }): Promise<LoginRead>;
}

/**
 * The login store on the node's database: the one accessor of it, whose reads both the checks
 * here (`LoginStore`) and the candidate recheck (candidate-recheck.ts `LoginsById`) make.
 */
export const loginStoreOf = (conn: Connection): Collection<StoredLogin> =>
  conn.collection<StoredLogin>(SESSION_COLLECTION);

export interface SocketCheckDeps {
  auth: Pick<AuthService, "now" | "candidateSittingUntil" | "staffById">;
  logins: LoginStore;
  /**
   * Exam delivery's account of how a candidate's current attempt in the session closed (null
   * while it runs, or none): told to a page refused because the sitting is over (absent: nothing).
   */
  closedAttempt?: ((sessionId: string, candidateId: string) => Promise<ClosedAttempt | null>) | undefined;
}

/**
 * Whether a login read at `at` (ms, on the database's clock, as its TTL index that removes expired
 * logins) still holds: it is there and has not expired.
 */
export const loginHoldsAt = (login: { expires?: Date | undefined } | null, at: number): boolean =>
  login !== null && !(login.expires && login.expires.getTime() < at);

/** The session cookie under either of its names (see sessionCookieName). */
const SESSION_COOKIE_NAMES = new Set([sessionCookieName(false), sessionCookieName(true)]);

/**
 * The login session a handshake sent (its session cookie, signed `s:<id>.<signature>`), when it is
 * the one express-session settled on: for a handshake with no session cookie, or with one for a
 * login no longer stored, express-session makes up a fresh id that no stored login has, and looking
 * it up cost every anonymous handshake a database read (`handshakeRefusal`). Undefined then.
 */
export function sentLoginSessionId(request: {
  headers?: { cookie?: string | undefined };
  sessionID?: string | undefined;
}): string | undefined {
  const id = request.sessionID;
  if (!id) return undefined;
  for (const part of (request.headers?.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0 || !SESSION_COOKIE_NAMES.has(part.slice(0, at).trim())) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      continue;
    }
    if (value.startsWith(`s:${id}.`)) return id;
  }
  return undefined;
}

/** What the checks read of a login: its expiry, and passport's record (a candidate's user). */
const LOGIN_FIELDS = { expires: 1, "session.passport.user": 1 } as const;
const EXPIRY_ONLY = { expires: 1 } as const;
/** A staff login's expiry and the credential epoch it was made at (see passport.ts). */
const STAFF_LOGIN_FIELDS = { expires: 1, "session.passport.user.e": 1 } as const;

/**
 * Whether the login and account behind a socket still hold: at connect, at every event
 * (guardEvents), and on a staff socket's timer (a candidate socket's login is re-read in batches on
 * the instance's timer: candidate-recheck.ts). Never trusts what the handshake saw.
 */
export function createSocketChecks(deps: SocketCheckDeps) {
  const { auth, logins } = deps;
  const sessionEnded = () => errors.unauthorized("登录已失效，请重新登录", "session_ended");
  const loginHolds = (login: { expires?: Date } | null) => loginHoldsAt(login, auth.now().getTime());
  const readLogin = (id: string | undefined, projection: Record<string, 1> = LOGIN_FIELDS) =>
    id ? logins.findOne({ _id: id }, { projection }) : null;

  /**
   * A logout that finished while a handshake was between reading its session and joining the
   * login's room closed nothing of that socket (it was in no room yet), and a candidate's events
   * are not checked against the store one by one (one read per save). So once the socket is in
   * its rooms, the login is looked at once more: logout removes the session before it closes the
   * room, so any socket that joined too late for the close finds the session gone here.
   */
  const connectRefusal = async (socket: AppSocket): Promise<AppError | null> => {
    // A staff socket's check already reads its login (and the live account).
    if (socket.data.user?.kind !== "candidate") return socketRefusal(socket);
    // One read: a candidate refused here because the sitting is over is told how the attempt
    // closed on this same read of the login (closedSitting), not on a second one.
    const login = await readLogin(socket.data.loginSessionId, EXPIRY_ONLY);
    return loginHolds(login) ? socketRefusal(socket, login) : sessionEnded();
  };

  /**
   * Whether the account behind a socket still holds now. A candidate's answer is its login window
   * against the node's database clock (the one the login gave the window by), given at once (every
   * save asks); a staff member's reads the live account and the login.
   */
  const socketRefusal = (
    socket: AppSocket,
    login?: LoginRead,
  ): AppError | null | Promise<AppError | null> => {
    const user = socket.data.user;
    if (!user) return sessionEnded();
    if (user.kind === "candidate")
      return auth.now().getTime() <= (socket.data.candidateUntil ?? 0)
        ? null
        : candidateRefusal(socket, user, login);
    return staffRefusal(socket, user);
  };

  /**
   * The window given at login has passed: the candidate may still be sitting (extra time, a
   * pause), so their attempt is asked, and the window moved to its deadline (one read per
   * deadline, not per save). Exam delivery answers on the database's clock, which deadlines are
   * kept in (null once deadline and grace have passed): its answer is taken as it is.
   */
  const candidateRefusal = async (
    socket: AppSocket,
    user: AuthUser,
    login?: LoginRead,
  ): Promise<AppError | null> => {
    const until = await auth.candidateSittingUntil(user);
    if (!until) {
      // Emitted before the refusal's ack and close, which engine.io sends after it, in order.
      // The candidate is the socket's own (the login's record, copied at the handshake: a
      // candidate's login record never changes); whether the login still holds is read, once.
      const closed = deps.closedAttempt
        ? await closedSitting(
            user.candidate,
            login !== undefined ? login : await readLogin(socket.data.loginSessionId, EXPIRY_ONLY),
          )
        : null;
      if (closed && socket.connected) socket.emit("attempt:closed", closed);
      return sessionEnded();
    }
    socket.data.candidateUntil = until.getTime();
    return null;
  };

  /**
   * How the sitting of `candidate` closed, for a page refused because it is over: refused alone,
   * the page says "handed in automatically" (已自动交卷), a voided attempt included. Judged on the
   * login as stored now (read by the caller), so a login logged out or expired is told nothing;
   * null too while the attempt is not closed (the sweeper's to close).
   */
  const closedSitting = async (
    candidate: AuthUser["candidate"],
    login: LoginRead,
  ): Promise<ClosedAttempt | null> => {
    if (!deps.closedAttempt || !candidate || !loginHolds(login)) return null;
    return deps.closedAttempt(candidate.sessionId, candidate.candidateId);
  };

  const staffRefusal = async (socket: AppSocket, user: AuthUser): Promise<AppError | null> => {
    const [live, login] = await Promise.all([
      auth.staffById(user.id),
      readLogin(socket.data.loginSessionId, STAFF_LOGIN_FIELDS),
    ]);
    if (!live || !loginHolds(login)) return sessionEnded();
    // A login made with a password since changed or reset (or before a deactivation) has ended,
    // whether or not its session document is still there (passport.ts checks it per request).
    if ((credEpochOf(live) ?? 0) !== (login?.session?.passport?.user?.e ?? 0)) return sessionEnded();
    const sameScope =
      live.divisionCode === user.divisionCode &&
      (live.testCentreId ?? null) === (user.testCentreId ?? null) &&
      [...live.roles].sort().join() === [...user.roles].sort().join();
    return sameScope ? null : sessionEnded();
  };

  /**
   * A handshake without a user: passport found none, and for a candidate past the window given at
   * login whose sitting is over that is the refusal a page offline at the close meets when it
   * comes back. `connect_error` is all such a page hears, so how the attempt closed goes with it.
   * `loginSessionId` is the login the handshake sent (`sentLoginSessionId`), never an id
   * express-session made up for a handshake without one: that costs a read finding nothing.
   */
  const handshakeRefusal = async (loginSessionId: string | undefined): Promise<HandshakeRefusalDto> => {
    if (!deps.closedAttempt || !loginSessionId) return errors.unauthorized().toBody();
    const login = await readLogin(loginSessionId);
    const record = login?.session?.passport?.user;
    const closed = await closedSitting(record?.k === "candidate" ? record.user?.candidate : undefined, login);
    return closed ? { ...sessionEnded().toBody(), closed } : errors.unauthorized().toBody();
  };

  return { connectRefusal, socketRefusal, handshakeRefusal };
}
export type SocketChecks = ReturnType<typeof createSocketChecks>;
