/**
 * Identity (身份与访问): staff accounts and roles, passport strategies, sessions shared between
 * Express and socket.io, CSRF protection, and login throttling.
 *
 * Glossary: *staff* log in with username + password and act inside a division (GB/T 2260);
 * *candidates* log in with ID number + admission ticket number (准考证号) only during their
 * session's window and only from their own seat; *lockout* locks a login name (a candidate's:
 * the typed ID number at one seat or address, and the ticket at its seat whatever ID number was
 * typed) after repeated failures; *must change password*: an account whose password an admin set
 * may do nothing else until its owner changes it; the *CSRF token* must accompany every
 * cookie-authenticated write as `x-csrf-token`.
 * Who may do what is decided by the access layer (server/access); this feature answers its
 * question "what is this account now?" with `auth.currentAccount(actor)`.
 */
import type { RequestHandler } from "express";
import type { Connection } from "mongoose";
import type { AuthUser, CreateUserBody, StaffUserDto } from "../contracts/auth.js";
import type { HandshakeRefusalDto, ServerToClientEvents } from "../contracts/socket-events.js";
import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import type { DatabaseClock } from "../lib/database-clock.js";
import { errors, type AppError } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { createSocketSessions, guardEvents } from "../lib/socket-session.js";
import type { AppSocket } from "../lib/socket-types.js";
import { createOrganisationService } from "../organisation/index.js";
import { authRouter } from "./auth.routes.js";
import { createAuthService, type AuthService } from "./auth.service.js";
import { createLoginRateLimiter, createLoginRates } from "./login-rates.js";
import { createPassport } from "./passport.js";
import {
  bindCsrfKey,
  createSessionMiddleware,
  csrfProtection,
  onlyForHandshake,
  randomSessionSecret,
  SESSION_COLLECTION,
} from "./session.js";

export {
  createAuthService,
  type AuthService,
  type CandidateLoginPort,
  type CandidateTicket,
} from "./auth.service.js";
export { hashPassword, verifyPassword } from "./password.js";
export { CSRF_HEADER, SESSION_COOKIE } from "./session.js";
export { DEFAULT_LOCKOUT, type LockoutPolicy } from "./login-throttle.js";

export interface IdentityOptions {
  /** The node's account service (built by the composition root, which also gives it to access). */
  auth: AuthService;
  access: Access;
  /**
   * Login attempts per client IP per minute before 429, across every instance of the node
   * (default: config LOGIN_RATE_LIMIT_PER_MINUTE).
   */
  loginRateLimitPerMinute?: number;
  /**
   * The database clock `auth.now` reads, when no other feature runs it (the hub has no exam
   * delivery): started and stopped with identity.
   */
  clock?: DatabaseClock | undefined;
  /**
   * Exam delivery's account of how a candidate's current attempt in the session closed (null
   * while it runs, or none): told to a page refused because the sitting is over (absent: nothing).
   */
  closedAttempt?: (sessionId: string, candidateId: string) => Promise<ClosedAttempt | null>;
}

/** How a candidate's attempt closed, as the socket contract's `attempt:closed` carries it. */
type ClosedAttempt = Parameters<ServerToClientEvents["attempt:closed"]>[0];
/** The part of a stored login this feature reads: passport's record of a candidate keeps the user. */
type StoredLogin = {
  _id: string;
  expires?: Date;
  session?: { passport?: { user?: { k?: string; user?: AuthUser } } };
};

/**
 * The identity feature. Its `middleware` (session → passport → CSRF) must run before every other
 * feature's router, and its `engineMiddleware` gives socket.io handshakes the same session, so a
 * socket carries the logged-in `AuthUser` in `socket.data.user`; unauthenticated sockets are refused.
 */
export function createIdentityFeature(ctx: FeatureContext, options: IdentityOptions): Feature {
  const { config, conn, logger } = ctx;
  if (!config.session.secret && config.env === "production")
    throw new Error("SESSION_SECRET is required in production");

  const { auth } = options;
  const passport = createPassport(auth);
  const passportInit: RequestHandler = passport.initialize();
  const passportSession: RequestHandler = passport.session() as RequestHandler;
  // Without SESSION_SECRET (dev/test) the secret is random but kept in the node's database, so
  // several instances of one node (behind a load balancer, or the two-instance tests) accept each
  // other's cookies. It is read once, on the first request.
  let built: Promise<{ mw: RequestHandler; secret: string }> | null = null;
  const buildSession = async (): Promise<{ mw: RequestHandler; secret: string }> => {
    let secret = config.session.secret;
    if (!secret) {
      logger.warn(
        "SESSION_SECRET not set: using a random secret kept in the database (development and tests only)",
      );
      secret = await sharedDevSecret(conn);
    }
    // Logins expire on the clock the socket guard and the TTL index judge them by (auth.now).
    const mw = createSessionMiddleware(conn, { secret, secure: config.http.cookieSecure, now: auth.now });
    return { mw, secret };
  };
  const sessionMw: RequestHandler = (req, res, next) => {
    // A failed build is forgotten, not kept: one database blip on the first request would
    // otherwise fail every later request until a restart. The next request builds it again.
    built ??= buildSession().catch((err: unknown) => {
      built = null;
      throw err;
    });
    built.then(
      ({ mw, secret }) => {
        // Visitors' CSRF tokens are signed with the session secret (see csrfTokenFor).
        bindCsrfKey(req, { secret, secure: config.http.cookieSecure });
        mw(req, res, next);
      },
      (err: unknown) => next(err),
    );
  };
  const sockets = createSocketSessions(logger);
  const sessionsCollection = conn.collection<StoredLogin>(SESSION_COLLECTION);
  const sessionEnded = () => errors.unauthorized("登录已失效，请重新登录", "session_ended");
  // On the database's clock, as its TTL index that removes expired logins.
  const loginHolds = (login: { expires?: Date } | null) =>
    login !== null && !(login.expires && login.expires.getTime() < auth.now().getTime());
  /**
   * A logout that finished while a handshake was between reading its session and joining the
   * login's room closed nothing of that socket (it was in no room yet), and a candidate's events
   * are not checked against the store one by one (one read per save). So once the socket is in
   * its rooms, the login is looked at once more: logout removes the session before it closes the
   * room, so any socket that joined too late for the close finds the session gone here.
   */
  const connectRefusal = async (socket: AppSocket) => {
    // A staff socket's check already reads its login (and the live account).
    if (socket.data.user?.kind !== "candidate") return socketRefusal(socket);
    const sessionID = socket.data.loginSessionId;
    const login = sessionID
      ? await sessionsCollection.findOne({ _id: sessionID }, { projection: { expires: 1 } })
      : null;
    return loginHolds(login) ? socketRefusal(socket) : sessionEnded();
  };
  /**
   * Whether the account behind a socket still holds now: never trust what the handshake saw. A
   * candidate's answer is its login window against the node's database clock (the one the login
   * gave the window by), given at once (every save asks); a staff member's reads the live account
   * and the login.
   */
  const socketRefusal = (socket: AppSocket): AppError | null | Promise<AppError | null> => {
    const user = socket.data.user;
    if (!user) return sessionEnded();
    if (user.kind === "candidate")
      return auth.now().getTime() <= (socket.data.candidateUntil ?? 0)
        ? null
        : candidateRefusal(socket, user);
    return staffRefusal(socket, user);
  };
  /**
   * The window given at login has passed: the candidate may still be sitting (extra time, a
   * pause), so their attempt is asked, and the window moved to its deadline (one read per
   * deadline, not per save). Exam delivery answers on the database's clock, which deadlines are
   * kept in (null once deadline and grace have passed): its answer is taken as it is. The window
   * check above reads the same clock: on this instance's own, one running behind let a candidate
   * act past a window the login (or another instance) already held to be over.
   */
  const candidateRefusal = async (socket: AppSocket, user: AuthUser): Promise<AppError | null> => {
    const until = await auth.candidateSittingUntil(user);
    if (!until) {
      // Emitted before the refusal's ack and close, which engine.io sends after it, in order.
      const closed = await closedSitting(socket.data.loginSessionId);
      if (closed && socket.connected) socket.emit("attempt:closed", closed);
      return sessionEnded();
    }
    socket.data.candidateUntil = until.getTime();
    return null;
  };
  /**
   * How the sitting of the candidate logged in as `loginSessionId` closed, for a page refused
   * because it is over: refused alone, the page says "handed in automatically" (已自动交卷), a
   * voided attempt included. Read from the login as stored now, so a login logged out or expired
   * meanwhile is told nothing; null too while the attempt is not closed (the sweeper's to close).
   */
  const closedSitting = async (loginSessionId: string | undefined): Promise<ClosedAttempt | null> => {
    if (!loginSessionId || !options.closedAttempt) return null;
    const login = await sessionsCollection.findOne(
      { _id: loginSessionId },
      { projection: { expires: 1, "session.passport.user": 1 } },
    );
    const record = login?.session?.passport?.user;
    const candidate = record?.k === "candidate" ? record.user?.candidate : undefined;
    if (!candidate || !loginHolds(login)) return null;
    return options.closedAttempt(candidate.sessionId, candidate.candidateId);
  };
  /**
   * A handshake without a user: passport found none, and for a candidate past the window given at
   * login whose sitting is over that is the refusal a page offline at the close meets when it
   * comes back. `connect_error` is all such a page hears, so how the attempt closed goes with it.
   */
  const handshakeRefusal = async (loginSessionId: string | undefined): Promise<HandshakeRefusalDto> => {
    const closed = await closedSitting(loginSessionId);
    return closed ? { ...sessionEnded().toBody(), closed } : errors.unauthorized().toBody();
  };
  const staffRefusal = async (socket: AppSocket, user: AuthUser): Promise<AppError | null> => {
    const { loginSessionId } = socket.data;
    const [live, login] = await Promise.all([
      auth.staffById(user.id),
      loginSessionId
        ? sessionsCollection.findOne({ _id: loginSessionId }, { projection: { expires: 1 } })
        : null,
    ]);
    if (!live || !loginHolds(login)) return sessionEnded();
    const sameScope =
      live.divisionCode === user.divisionCode &&
      (live.testCentreId ?? null) === (user.testCentreId ?? null) &&
      [...live.roles].sort().join() === [...user.roles].sort().join();
    return sameScope ? null : sessionEnded();
  };
  /**
   * A staff socket that only listens (a proctor console watching its room) is asked nothing by
   * `guardEvents`: its login and live account are asked again on a timer, so a login that expired,
   * or a revocation broadcast this instance missed, closes it within one period. Candidates'
   * sockets are left out: thousands of them, each asked at its next save anyway.
   */
  const recheckWhileOpen = (socket: AppSocket) => {
    const timer = setInterval(() => {
      Promise.resolve(socketRefusal(socket)).then(
        (refusal) => {
          if (refusal) socket.disconnect(true);
        },
        (err: unknown) => logger.warn({ err }, "staff socket recheck failed"),
      );
    }, config.auth.staffSocketRecheckMs);
    timer.unref();
    socket.once("disconnect", () => clearInterval(timer));
  };
  // Counted in the node's database on the clock identity decides by (auth.now).
  const ipLimiter = createLoginRateLimiter(
    options.loginRateLimitPerMinute ?? config.auth.loginRateLimitPerMinute,
    createLoginRates(conn, auth.now),
  );

  return {
    name: "identity",
    // Measured before the first request: a lockout taken on the instance's own clock would run
    // longer or shorter than on the other instances'.
    start: async () => {
      await options.clock?.start();
    },
    // Failed logins still only counted are audited before the node closes its database.
    stop: async () => {
      options.clock?.stop();
      await auth.closeFailureSummaries();
    },
    middleware: [sessionMw, passportInit, passportSession, csrfProtection()],
    router: authRouter({ auth, passport, access: options.access, ipLimiter, sockets }),
    engineMiddleware: [
      onlyForHandshake(sessionMw),
      onlyForHandshake(passportInit),
      onlyForHandshake(passportSession),
    ],
    attachSockets(io) {
      sockets.bind(io);
      io.use((socket: AppSocket, next) => {
        const request = socket.request as {
          user?: AuthUser;
          sessionID?: string;
          session?: { candidateUntil?: number };
        };
        const user = request.user;
        if (!user) {
          const refuse = (data: HandshakeRefusalDto) =>
            next(Object.assign(new Error(data.message), { data }));
          handshakeRefusal(request.sessionID).then(refuse, (err: unknown) => {
            logger.warn({ err }, "reading how a refused candidate's sitting closed failed");
            refuse(errors.unauthorized().toBody());
          });
          return;
        }
        // Everything later checks read these, not the request: the node lets go of the upgrade
        // request once the handshake is done (releaseUpgradeRequest), ~1 KB per socket.
        socket.data.user = user;
        if (request.sessionID) socket.data.loginSessionId = request.sessionID;
        const until = request.session?.candidateUntil;
        if (until !== undefined) socket.data.candidateUntil = until;
        next();
      });
    },
    onConnection(socket) {
      const user = socket.data.user;
      if (!user) return;
      sockets.join(socket, user, socket.data.loginSessionId);
      guardEvents(socket, () => socketRefusal(socket), logger);
      if (user.kind === "staff") recheckWhileOpen(socket);
      connectRefusal(socket).then(
        (refusal) => {
          if (refusal) socket.disconnect(true);
        },
        (err: unknown) => {
          logger.error({ err }, "socket login check at connect failed");
          socket.disconnect(true);
        },
      );
    },
  };
}

/** The dev/test session secret, created once per database by whichever instance comes first. */
async function sharedDevSecret(conn: Connection): Promise<string> {
  const secrets = conn.collection<{ _id: string; value: string }>("node_secrets");
  await secrets
    .updateOne({ _id: "session" }, { $setOnInsert: { value: randomSessionSecret() } }, { upsert: true })
    .catch((err: unknown) => {
      // Two instances racing on the upsert: the loser reads the winner's secret below.
      if (!isDuplicateKey(err)) throw err;
    });
  const doc = await secrets.findOne({ _id: "session" });
  if (!doc) throw new Error("session secret missing");
  return doc.value;
}

/**
 * Creates a staff user directly on a node's database (seed scripts, test helpers): the same
 * validation as the admin API except the acting admin's scope.
 */
export function createStaffUser(
  conn: Connection,
  provinceCode: string | null,
  body: CreateUserBody,
): Promise<StaffUserDto> {
  const org = createOrganisationService(conn, provinceCode);
  const auth = createAuthService(conn, {
    provinceCode,
    candidates: {
      findTicket: () => Promise.resolve(null),
      findLoginSeat: () => Promise.resolve(null),
      testCentreDivision: (id) => org.testCentreDivision(id),
      sittingUntil: () => Promise.resolve(null),
    },
  });
  return auth.bootstrapUser(body);
}
