import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { MongoStore } from "connect-mongo";
import type { Request, RequestHandler, Response } from "express";
import session from "express-session";
import type { ClientSession, Connection } from "mongoose";
import { AppError } from "../lib/errors.js";

declare module "express-session" {
  interface SessionData {
    /** Synchroniser token for CSRF protection (see `csrfProtection`). */
    csrfToken?: string;
    /** A candidate session ends with the exam session (epoch ms). */
    candidateUntil?: number;
  }
}

/** The session cookie's name where cookies are not Secure (plain-HTTP development and tests). */
export const SESSION_COOKIE = "roadcert.sid";

/**
 * The session cookie's name: `__Host-` where cookies are Secure, as the CSRF nonce's (see
 * csrfCookieName): the browser then takes it only from this exact origin over https, with Path=/
 * and no Domain, so a sibling subdomain or a plain-http answer cannot plant a session of its
 * choosing (session fixation by cookie tossing). Plain-HTTP development keeps the plain name.
 */
export const sessionCookieName = (secure: boolean): string =>
  secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
export const CSRF_HEADER = "x-csrf-token";
/** A visitor's CSRF nonce (not logged in): their token is its HMAC, so nothing is stored for them. */
export const CSRF_COOKIE = "roadcert.csrf";
/** The collection login sessions live in (the socket guard asks it whether a login still holds). */
export const SESSION_COLLECTION = "sessions";
const SESSION_TTL_SECONDS = 8 * 3600;

/**
 * Sessions stored in MongoDB through the node's own connection (so every instance behind a load
 * balancer shares them). Cookies are HttpOnly and SameSite=Lax, and Secure when the node runs
 * behind a TLS-terminating proxy (`COOKIE_SECURE`, which defaults to `TRUST_PROXY`). A login's
 * expiry is kept and judged on `now`, the node's database clock (see createSessionStore).
 */
export function createSessionMiddleware(
  conn: Connection,
  options: { secret: string; secure: boolean; now: () => Date },
): RequestHandler {
  const store = createSessionStore(conn, options.now);
  return session({
    name: sessionCookieName(options.secure),
    secret: options.secret,
    store,
    resave: false,
    saveUninitialized: false,
    proxy: options.secure,
    // Path=/ and no Domain, as a __Host- cookie must have.
    cookie: {
      httpOnly: true,
      sameSite: "lax",
      secure: options.secure,
      path: "/",
      maxAge: SESSION_TTL_SECONDS * 1000,
    },
  });
}

/** A stored login session, as connect-mongo writes it with `stringify: false`. */
interface SessionDoc {
  _id: string;
  session?: session.SessionData;
  expires?: Date;
}

/**
 * The session store: connect-mongo over the node's connection, except that
 * - touching a session that is gone is no error. A request that loaded the session before a
 *   concurrent logout destroyed it touches the session when it ends (express-session does so for
 *   every unmodified session); connect-mongo then fails, express-session passes that failure to
 *   the error middleware after the answer was sent, and it was logged as an unhandled error at
 *   every such logout. The session ended: there is nothing to extend, and nothing to report.
 * - a login's expiry is written and judged on `now`, the node's database clock, as the socket
 *   guard judges it and the TTL index removes it. connect-mongo reads and stamps it on this
 *   instance's clock: with instances apart, a login held on one and had ended on another, and a
 *   page said "logged in" where the socket said "ended" (or the other way round).
 */
export function createSessionStore(conn: Connection, now: () => Date): MongoStore {
  const store = MongoStore.create({
    // mongoose bundles its own copy of the mongodb driver; the client is the same API at runtime,
    // only the two packages' declarations differ.
    client: conn.getClient() as unknown as NonNullable<Parameters<typeof MongoStore.create>[0]["client"]>,
    dbName: conn.name,
    collectionName: SESSION_COLLECTION,
    ttl: SESSION_TTL_SECONDS,
    stringify: false,
  });
  const sessions = conn.collection<SessionDoc>(SESSION_COLLECTION);
  const clock = databaseExpiry(now);
  store.get = (sid, callback) => {
    sessions.findOne({ _id: sid }).then(
      (doc) => callback(null, doc?.session && clock.holds(doc.expires) ? doc.session : null),
      (err: unknown) => callback(err),
    );
  };
  store.touch = (sid, data, callback) => {
    // Gone (a concurrent logout) is no error, see above: the update simply matches nothing.
    sessions.updateOne({ _id: sid }, { $set: { expires: clock.expiresOf(data.cookie) } }).then(
      () => callback?.(null),
      (err: unknown) => callback?.(err),
    );
  };
  refuseToRecreate(store, conn, clock);
  return store;
}

/**
 * A login's expiry on the database clock `now`. express-session sets the cookie's expiry on this
 * instance's clock (`maxAge` from now); the same span from the database's now is what is stored.
 */
function databaseExpiry(now: () => Date) {
  return {
    expiresOf(cookie: { expires?: Date | string | null | undefined }): Date {
      const left = cookie.expires
        ? new Date(cookie.expires).getTime() - Date.now()
        : SESSION_TTL_SECONDS * 1000;
      return new Date(now().getTime() + left);
    },
    /** A login without an expiry holds (as connect-mongo reads it); one past it has ended. */
    holds: (expires: Date | undefined): boolean => !expires || expires.getTime() > now().getTime(),
  };
}

/**
 * A session this store loaded is saved by updating its document, never by inserting it again.
 * connect-mongo saves by upsert, so a request that changed its session (a CSRF token, a candidate's
 * time) while a logout destroyed it wrote the whole session back when it ended, login included: a
 * logout that did not hold. A loaded session whose document is gone was destroyed (or expired):
 * nothing is written. New sessions (first save, or regenerated at login) are upserted, as
 * connect-mongo would.
 */
function refuseToRecreate(
  store: MongoStore,
  conn: Connection,
  clock: ReturnType<typeof databaseExpiry>,
): void {
  // express-session makes every session it loads through createSession, and saves that object.
  const loaded = new WeakSet<object>();
  const createSession = store.createSession.bind(store);
  store.createSession = (req, data) => {
    const made = createSession(req, data);
    loaded.add(made);
    return made;
  };
  const sessions = conn.collection<{ _id: string }>(SESSION_COLLECTION);
  store.set = (sid, data, callback) => {
    // The document as connect-mongo writes it with `stringify: false`: the session's own fields,
    // the cookie as JSON, and its expiry (on the database clock) for the TTL index.
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data))
      fields[key] =
        key === "cookie" ? ((data.cookie as { toJSON?: () => unknown }).toJSON?.() ?? value) : value;
    const update = { $set: { session: fields, expires: clock.expiresOf(data.cookie) } };
    sessions.updateOne({ _id: sid }, update, { upsert: !loaded.has(data) }).then(
      () => callback?.(null),
      (err: unknown) => callback?.(err),
    );
  };
}

/**
 * Ends a staff member's logins, all of them or all but `keep` (the login changing its own
 * password), inside the caller's transaction. The account is re-read on every request but the
 * password is not: without this, a cookie taken before a password change or reset, or kept over a
 * deactivation and re-activation, stayed logged in. Returns the ended logins (their sockets are
 * the caller's to close).
 */
export async function endStaffLogins(
  conn: Connection,
  tx: ClientSession,
  userId: string,
  keep?: string,
): Promise<string[]> {
  const sessions = conn.collection<{ _id: string }>(SESSION_COLLECTION);
  // With `stringify: false` the session is stored as a document: passport's record is queryable.
  const filter = {
    "session.passport.user.k": "staff",
    "session.passport.user.id": userId,
    ...(keep ? { _id: { $ne: keep } } : {}),
  };
  const ended = await sessions.find(filter, { session: tx, projection: { _id: 1 } }).toArray();
  await sessions.deleteMany(filter, { session: tx });
  return ended.map((s) => s._id);
}

/** A fresh random secret for dev/test nodes without SESSION_SECRET (sessions die with the process). */
export function randomSessionSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** Issues (or returns) the session's CSRF token: for a login (it is stored in the session). */
export function issueCsrfToken(req: { session: session.Session & Partial<session.SessionData> }): string {
  req.session.csrfToken ??= randomBytes(24).toString("base64url");
  return req.session.csrfToken;
}

/**
 * A visitor's CSRF nonce cookie. `__Host-` where cookies are Secure: the browser then takes it only
 * from this exact origin over https, with Path=/ and no Domain, so a sibling subdomain or a
 * plain-http answer on the path cannot plant a nonce whose token the attacker fetched for
 * themselves (login CSRF by cookie tossing). Plain-HTTP development cannot set a Secure cookie, so
 * the prefix would make browsers drop it: the plain name there.
 */
const csrfCookieName = (secure: boolean): string => (secure ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE);

const NONCE = /^[A-Za-z0-9_-]{32}$/;

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A visitor's token: the nonce signed with a key derived from the session secret. Not the secret
 * itself: cookie-signature signs a session id as HMAC(secret, sid) with no prefix, so a token made
 * with the secret for a chosen nonce would be a valid signature of the session id
 * `csrf-token:<nonce>` (harmless while no such session is stored, but a signing oracle all the same).
 */
function signNonce(secret: string, nonce: string): string {
  const key = createHmac("sha256", secret).update("roadcert visitor csrf v1").digest();
  return createHmac("sha256", key).update(nonce).digest("base64url");
}

/** The request is logged in, or its session already holds a token (it is kept, as before). */
function usesSessionToken(req: Request): boolean {
  return (
    req.user !== undefined || Boolean((req.session as Partial<session.SessionData> | undefined)?.csrfToken)
  );
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The node's CSRF protection, given what signs visitors' tokens: whether cookies are Secure, and
 * the session secret (read once from the database on dev/test nodes without SESSION_SECRET, hence
 * a promise). The guard holds them itself: nothing is bound to requests or kept in module state.
 */
export function createCsrf(key: { secure: boolean; secret: () => Promise<string> }) {
  const cookieName = csrfCookieName(key.secure);
  const sessionCookie = sessionCookieName(key.secure);
  /** The visitor's nonce, from the one cookie name this node sets (a nonce under another name proves nothing). */
  const nonceOf = (req: Request): string | undefined => {
    const nonce = readCookie(req, cookieName);
    return nonce && NONCE.test(nonce) ? nonce : undefined;
  };

  /**
   * The token a write must carry: the session's, for a login or a session that holds one; else, for
   * a visitor, the signature of their nonce cookie (none without the cookie: a token alone is no
   * proof that this browser fetched it).
   */
  async function expectedToken(req: Request): Promise<string | undefined> {
    if (usesSessionToken(req)) return (req.session as Partial<session.SessionData> | undefined)?.csrfToken;
    const nonce = nonceOf(req);
    return nonce && signNonce(await key.secret(), nonce);
  }

  /**
   * Refuses the request unless it carries the session's CSRF token. Mounted on the login routes:
   * a login must come from a page that first fetched a token (`GET /api/auth/csrf`), so a foreign
   * page cannot log the victim's browser into the attacker's account (login CSRF). A visitor's
   * token is checked against their nonce cookie (see `tokenFor`), a login's against its session.
   */
  const requireToken: RequestHandler = (req, _res, next) => {
    const sent = req.get(CSRF_HEADER);
    expectedToken(req).then((expected) => {
      if (!sent || !safeEqual(expected ?? "", sent))
        return next(new AppError("csrf_failed", 403, "页面已过期，请刷新后重试"));
      next();
    }, next);
  };

  return {
    /**
     * Clears the session cookie (logout), with the attributes it was set with: a __Host- cookie is
     * only replaced by one that is Secure with Path=/.
     */
    clearSessionCookie(res: Response): void {
      res.clearCookie(sessionCookie, { path: "/", httpOnly: true, sameSite: "lax", secure: key.secure });
    },

    /**
     * The CSRF token for whoever asks: a login's session token (`issueCsrfToken`), or, for a visitor
     * who is not logged in, the HMAC of a random nonce kept in a cookie (signed double submit).
     * Every cookieless GET of /api/auth/csrf or /api/auth/session used to store a session document
     * for its token: a loop of them grew the sessions collection (8 h TTL) and its writes without
     * bound. The visitor's session is first written when they log in (which regenerates it anyway).
     */
    async tokenFor(req: Request, res: Response): Promise<string> {
      if (usesSessionToken(req)) return issueCsrfToken(req);
      let nonce = nonceOf(req);
      if (!nonce) {
        nonce = randomBytes(24).toString("base64url");
        // No Domain (a __Host- cookie must have none): the cookie stays with this host.
        res.cookie(cookieName, nonce, { httpOnly: true, sameSite: "lax", secure: key.secure, path: "/" });
      }
      return signNonce(await key.secret(), nonce);
    },

    requireToken,

    /**
     * CSRF protection for cookie-authenticated writes (synchroniser token): every unsafe request
     * that carries the session cookie must send the session's token in the `x-csrf-token` header,
     * whatever its path — the check never looks at the path, so no spelling of a route (case,
     * trailing slash, percent-encoding) can step around it. Requests without the session cookie
     * carry no ambient authority (machine-to-machine APIs sign their messages instead) and pass
     * through to their own guards; the login routes, which would otherwise allow login CSRF, add
     * `requireToken` on the route itself so the check follows the router's own match rather than a
     * list of path strings. Clients read the token from `GET /api/auth/csrf` or the login answer.
     */
    protection(): RequestHandler {
      return (req, res, next) => {
        if (SAFE_METHODS.has(req.method)) return next();
        if (readCookie(req, sessionCookie) === undefined) return next();
        requireToken(req, res, next);
      };
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length > 0 && ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Runs an Express middleware only for the socket.io handshake request, not for every HTTP
 * long-polling request after it (the pattern of socket.io's Passport example).
 */
export function onlyForHandshake(middleware: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const query = (req as IncomingMessage & { _query?: Record<string, string> })._query;
    if (query?.sid === undefined) return middleware(req, res, next);
    next();
  };
}
