import type { Request, Response, Router } from "express";
import { actorOf, currentUser, type Access } from "../access/index.js";
import {
  CandidateLoginBody,
  LoginBody,
  RecordId,
  type LoginResultDto,
  type SessionStateDto,
} from "../contracts/auth.js";
import {
  ChangePasswordBody,
  CreateUserBody,
  ListUsersQuery,
  UpdateUserBody,
} from "../contracts/staff-accounts.js";
import { AppError } from "../lib/errors.js";
import { noBody, noQuery, parse, strictRouter } from "../lib/http.js";
import type { AuthService } from "./auth.service.js";
import type { LoginRateLimiter } from "./login-rates.js";
import { logIn, runStrategy, type PassportInstance } from "./passport.js";
import { issueCsrfToken, type Csrf } from "./session.js";
import type { SocketSessions } from "../lib/socket-session.js";

/** Ids of records that are ObjectIds, lower-cased: the form every reference to them stores. */
const IdParam = RecordId;

interface Deps {
  auth: AuthService;
  passport: PassportInstance;
  access: Access;
  ipLimiter: LoginRateLimiter;
  /** Open sockets end with the login (logout) or the account (deactivation, role or scope change). */
  sockets: SocketSessions;
  /** The node's CSRF guard: visitors' tokens, and the check on the login routes. */
  csrf: Csrf;
}

/** The live account and the session's CSRF token: `/auth/me`, and `/auth/session` once logged in. */
function answerLoggedIn(req: Request, res: Response): void {
  const state: SessionStateDto = { user: actorOf(req), csrfToken: issueCsrfToken(req) };
  res.json(state);
}

/** Login, logout, the current user, CSRF tokens, and staff account administration. */
export function authRouter({ auth, passport, access, ipLimiter, sockets, csrf }: Deps): Router {
  const r = strictRouter();
  const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "";

  async function login(req: Request, res: Response, strategy: "staff-local" | "candidate") {
    await ipLimiter.hit(clientIp(req));
    // The auth service audits the attempt, refused or not, where it decides it.
    const user = await runStrategy(passport, strategy, req, res);
    await logIn(req, user);
    const until = res.locals.candidateUntil as number | undefined;
    if (until !== undefined) req.session.candidateUntil = until;
    const csrfToken = issueCsrfToken(req);
    const result: LoginResultDto = { user, csrfToken };
    res.json(result);
  }

  r.get("/auth/csrf", noQuery, async (req, res) => {
    res.json({ csrfToken: await csrf.tokenFor(req, res) });
  });

  // The strategies read req.body: it is replaced by what the contract made of it (the ID and
  // ticket numbers NFKC-normalised and trimmed), which the check used to throw away, so a
  // correct number typed in full width was compared as typed and refused.
  r.post("/auth/login", csrf.requireToken, async (req, res) => {
    req.body = parse(LoginBody, req.body);
    await login(req, res, "staff-local");
  });

  r.post("/auth/candidate-login", csrf.requireToken, async (req, res) => {
    req.body = parse(CandidateLoginBody, req.body);
    await login(req, res, "candidate");
  });

  r.post("/auth/logout", noBody, async (req, res) => {
    const user = currentUser(req);
    // The session goes first, then its sockets: a handshake that read the session before the
    // logout and joins the login's room after the close finds the session gone (identity's
    // connect check), so no socket outlives the logout whatever the interleaving. A store that
    // could not destroy it leaves the login valid: that is answered as a failure, the cookie kept
    // and no logout recorded (answered 204, the page took itself for logged out while the login
    // still held, and the audit said it had ended).
    const sessionId = req.sessionID;
    await new Promise<void>((resolve, reject) => {
      req.session.destroy((err: unknown) =>
        err
          ? reject(new AppError("logout_failed", 503, "退出登录失败，请重试", undefined, { cause: err }))
          : resolve(),
      );
    });
    sockets.endLoginSession(sessionId);
    csrf.clearSessionCookie(res);
    if (user) await auth.logout(user);
    res.status(204).end();
  });

  // The page's first question, "who is here?": a visitor who is not logged in is an answer
  // (user null), not an error, so the browser logs no failed request before every login. A
  // session's account is still checked live (a disabled account answers 401 as on /auth/me).
  r.get(
    "/auth/session",
    noQuery,
    async (req, res, next) => {
      if (currentUser(req)) return next();
      const anonymous: SessionStateDto = { user: null, csrfToken: await csrf.tokenFor(req, res) };
      res.json(anonymous);
    },
    access.route("account:self"),
    answerLoggedIn,
  );

  r.get("/auth/me", access.route("account:self"), noQuery, answerLoggedIn);

  r.post("/auth/password", access.route("account:change-password"), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(ChangePasswordBody, req.body);
    const before = req.sessionID;
    const { endedLogins, user } = await auth.changeOwnPassword(
      actor,
      body.currentPassword,
      body.newPassword,
      before,
      { ip: req.ip ?? req.socket.remoteAddress },
    );
    // The others ended with the change, and so do their sockets. This page stays logged in, under
    // a new session id (as at login): a session id read before the change (a shared computer, a
    // proxy log) no longer opens the account. Its CSRF token is carried over, so the page's next
    // write needs no new one; its sockets were opened under the old id and end with it. It logs in
    // as the account the change wrote (its credential epoch): a reset landing after the change
    // raised the epoch again, so this renewed login cannot outlive it.
    await new Promise<void>((resolve, reject) => {
      req.logIn(user, { session: true, keepSessionInfo: true }, (err: unknown) =>
        err ? reject(err instanceof Error ? err : new Error("login session not renewed")) : resolve(),
      );
    });
    for (const login of [...endedLogins, before]) sockets.endLoginSession(login);
    res.status(204).end();
  });

  r.get("/users", access.route("user:manage"), async (req, res) => {
    res.json(await auth.listUsers(actorOf(req), parse(ListUsersQuery, req.query)));
  });

  r.post("/users", access.route("user:manage"), async (req, res) => {
    const actor = actorOf(req);
    const user = await auth.createUser(actor, parse(CreateUserBody, req.body));
    res.status(201).json({ user });
  });

  r.patch("/users/:id", access.route("user:manage"), async (req, res) => {
    const actor = actorOf(req);
    const { user, changes } = await auth.updateUser(
      actor,
      parse(IdParam, req.params.id),
      parse(UpdateUserBody, req.body),
    );
    // Sockets opened under the old account must not keep acting with its old roles or scope.
    if (
      ["roles", "active", "divisionCode", "testCentreId", "passwordReset", "passwordEnded"].some(
        (k) => k in changes,
      )
    )
      sockets.endUser(user.id);
    res.json({ user });
  });

  return r;
}
