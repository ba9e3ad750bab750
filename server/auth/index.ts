/**
 * Identity (身份与访问): staff accounts and roles, passport strategies, sessions shared between
 * Express and socket.io, CSRF protection, and login throttling.
 *
 * Glossary: *staff* log in with username + password and act inside a division (GB/T 2260);
 * *candidates* log in with ID number + admission ticket number (准考证号) only during their
 * session's window and only from their own seat; *lockout* locks a login name (a staff name at
 * one client address, and everywhere after many more failures; a candidate's:
 * the typed ID number at one seat or address, and the ticket at its seat whatever ID number was
 * typed) after repeated failures; *must change password*: an account whose password an admin set
 * may do nothing else until its owner changes it; the *CSRF token* must accompany every
 * cookie-authenticated write as `x-csrf-token`.
 * Who may do what is decided by the access layer (server/access); this feature answers its
 * question "what is this account now?" with `auth.currentAccount(actor)`.
 */
import type { RequestHandler } from "express";
import type { Connection } from "mongoose";
import type { AuthUser } from "../contracts/auth.js";
import type { CreateUserBody, StaffUserDto } from "../contracts/staff-accounts.js";
import type { HandshakeRefusalDto } from "../contracts/socket-events.js";
import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import type { DatabaseClock } from "../lib/database-clock.js";
import { errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import { createSocketSessions, guardEvents } from "../lib/socket-session.js";
import type { AppSocket } from "../lib/socket-types.js";
import { createOrganisationService } from "../organisation/index.js";
import { authRouter } from "./auth.routes.js";
import { createAuthService, type AuthService } from "./auth.service.js";
import { createCandidateRecheck } from "./candidate-recheck.js";
import { createLoginRateLimiter, createLoginRates } from "./login-rates.js";
import { createPassport } from "./passport.js";
import { createCsrf, createSessionMiddleware, onlyForHandshake, randomSessionSecret } from "./session.js";
import { createSocketChecks, loginStoreOf, sentLoginSessionId, type ClosedAttempt } from "./socket-checks.js";
import { warnBankRolesBelowProvince } from "./bank-roles-check.js";

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
  // A failed build is forgotten, not kept: one database blip on the first request would
  // otherwise fail every later request until a restart. The next request builds it again.
  const session = () =>
    (built ??= buildSession().catch((err: unknown) => {
      built = null;
      throw err;
    }));
  const sessionMw: RequestHandler = (req, res, next) => {
    session().then(
      ({ mw }) => mw(req, res, next),
      (err: unknown) => next(err),
    );
  };
  // Visitors' CSRF tokens are signed with the session secret (see createCsrf).
  const csrf = createCsrf({
    secure: config.http.cookieSecure,
    secret: () => session().then((s) => s.secret),
  });
  const sockets = createSocketSessions(logger);
  const { connectRefusal, socketRefusal, handshakeRefusal } = createSocketChecks({
    auth,
    logins: loginStoreOf(conn),
    closedAttempt: options.closedAttempt,
  });
  /**
   * A staff socket that only listens (a proctor console watching its room) is asked nothing by
   * `guardEvents`: its login and live account are asked again on a timer, so a login that expired,
   * or a revocation broadcast this instance missed, closes it within one period. Candidates'
   * sockets are not asked one by one: a save asks only the clock, so a logout whose relayed
   * disconnect this instance missed (its Redis link down) would leave the socket saving until the
   * window closes. Their logins are read on the instance's own timer instead, in batches
   * (candidateRecheck, CANDIDATE_SOCKET_RECHECK_SECONDS), and the socket closed the same way.
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
  const candidateRecheck = createCandidateRecheck({
    logins: loginStoreOf(conn),
    now: auth.now,
    periodMs: config.auth.candidateSocketRecheckMs,
    logger,
  });
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
      // Examiner and reviewer accounts below the province lost the bank when it became the
      // province's: said once at start, so an operator sees why those accounts see nothing.
      await warnBankRolesBelowProvince(conn, logger);
    },
    // Failed logins still only counted are audited before the node closes its database.
    stop: async () => {
      candidateRecheck.stop();
      options.clock?.stop();
      await auth.closeFailureSummaries();
    },
    middleware: [sessionMw, passportInit, passportSession, csrf.protection()],
    router: authRouter({ auth, passport, access: options.access, ipLimiter, sockets, csrf }),
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
          handshakeRefusal(sentLoginSessionId(socket.request)).then(refuse, (err: unknown) => {
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
      // Events that arrive while the connect check is still reading wait for its answer: a refusal
      // there is their refusal too (acked, then the socket closed), and an event never races the
      // connect check's close (one read of the login between them, not one each).
      const atConnect = connectRefusal(socket);
      let connectDecided = false;
      let waitingOnConnect = 0;
      guardEvents(
        socket,
        () => {
          if (connectDecided) return socketRefusal(socket);
          waitingOnConnect += 1;
          return atConnect.then((refusal) => refusal ?? socketRefusal(socket));
        },
        logger,
      );
      if (user.kind === "staff") recheckWhileOpen(socket);
      else candidateRecheck.track(socket);
      atConnect.then(
        (refusal) => {
          connectDecided = true;
          // An event waiting on this answer refuses and closes the socket itself, after its ack.
          if (refusal && waitingOnConnect === 0) socket.disconnect(true);
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
  timeZone: string,
): Promise<StaffUserDto> {
  const org = createOrganisationService(conn, provinceCode, undefined, { timeZone });
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
