import type { Request, Response, Router } from "express";
import { actorOf, currentUser, type Access } from "../access/index.js";
import { z } from "zod";
import {
  CandidateLoginBody,
  ChangePasswordBody,
  CreateUserBody,
  LoginBody,
  UpdateUserBody,
  type LoginResultDto,
} from "../contracts/auth.js";
import type { AuditService } from "../audit/index.js";
import { AppError } from "../lib/errors.js";
import { strictRouter, parse } from "../lib/http.js";
import type { AuthService } from "./auth.service.js";
import type { createIpRateLimiter } from "./login-throttle.js";
import { logIn, runStrategy, type PassportInstance } from "./passport.js";
import { issueCsrfToken, requireCsrfToken, SESSION_COOKIE } from "./session.js";
import type { SocketSessions } from "../lib/socket-session.js";

const IdParam = z.string().min(1).max(64);

interface Deps {
  auth: AuthService;
  passport: PassportInstance;
  audit: AuditService;
  access: Access;
  ipLimiter: ReturnType<typeof createIpRateLimiter>;
  /** Open sockets end with the login (logout) or the account (deactivation, role or scope change). */
  sockets: SocketSessions;
}

/** Login, logout, the current user, CSRF tokens, and staff account administration. */
export function authRouter({ auth, passport, audit, access, ipLimiter, sockets }: Deps): Router {
  const r = strictRouter();
  const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "";

  async function login(
    req: Request,
    res: Response,
    strategy: "staff-local" | "candidate",
    loginName: string,
  ) {
    ipLimiter.hit(clientIp(req));
    let user;
    try {
      user = await runStrategy(passport, strategy, req, res);
    } catch (err) {
      const code = err instanceof AppError ? err.code : "error";
      await audit.record({
        action: strategy === "candidate" ? "candidate.login_failed" : "auth.login_failed",
        actor: null,
        details: { loginName, reason: code, ip: clientIp(req) },
      });
      throw err;
    }
    await logIn(req, user);
    const until = res.locals.candidateUntil as number | undefined;
    if (until !== undefined) req.session.candidateUntil = until;
    const csrfToken = issueCsrfToken(req);
    await audit.record({
      action: strategy === "candidate" ? "candidate.login" : "auth.login",
      actor: user,
      divisionCode: user.divisionCode,
      details: {
        ip: clientIp(req),
        ...(user.candidate ? { sessionId: user.candidate.sessionId, seatId: user.candidate.seatId } : {}),
      },
    });
    const result: LoginResultDto = { user, csrfToken };
    res.json(result);
  }

  r.get("/auth/csrf", (req, res) => {
    res.json({ csrfToken: issueCsrfToken(req) });
  });

  r.post("/auth/login", requireCsrfToken, async (req, res) => {
    const body = parse(LoginBody, req.body);
    await login(req, res, "staff-local", body.username.trim().toLowerCase());
  });

  r.post("/auth/candidate-login", requireCsrfToken, async (req, res) => {
    const body = parse(CandidateLoginBody, req.body);
    await login(req, res, "candidate", body.idNumber.trim().toUpperCase());
  });

  r.post("/auth/logout", async (req, res) => {
    const user = currentUser(req);
    if (user) await audit.record({ action: "auth.logout", actor: user, divisionCode: user.divisionCode });
    sockets.endLoginSession(req.sessionID);
    await new Promise<void>((resolve) => {
      req.session.destroy(() => resolve());
    });
    res.clearCookie(SESSION_COOKIE);
    res.status(204).end();
  });

  r.get("/auth/me", access.route("account:self"), (req, res) => {
    res.json({ user: actorOf(req), csrfToken: issueCsrfToken(req) });
  });

  r.post("/auth/password", access.route("account:change-password"), async (req, res) => {
    const actor = actorOf(req);
    const body = parse(ChangePasswordBody, req.body);
    await auth.changeOwnPassword(actor, body.currentPassword, body.newPassword);
    await audit.record({
      action: "auth.password_changed",
      actor,
      divisionCode: actor.divisionCode,
      target: { type: "user", id: actor.id },
    });
    res.status(204).end();
  });

  r.get("/users", access.route("user:manage"), async (req, res) => {
    res.json({ users: await auth.listUsers(actorOf(req)) });
  });

  r.post("/users", access.route("user:manage"), async (req, res) => {
    const actor = actorOf(req);
    const user = await auth.createUser(actor, parse(CreateUserBody, req.body));
    await audit.record({
      action: "user.created",
      actor,
      divisionCode: user.divisionCode,
      target: { type: "user", id: user.id },
      details: { username: user.username, roles: user.roles, testCentreId: user.testCentreId },
    });
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
    if (["roles", "active", "divisionCode", "testCentreId", "passwordReset"].some((k) => k in changes))
      sockets.endUser(user.id);
    await audit.record({
      action: changes.roles ? "user.roles_changed" : "user.updated",
      actor,
      divisionCode: user.divisionCode,
      target: { type: "user", id: user.id },
      details: changes,
    });
    res.json({ user });
  });

  return r;
}
