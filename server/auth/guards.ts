import type { RequestHandler } from "express";
import type { AuthUser, Role } from "../contracts/auth.js";
import { errors } from "../lib/errors.js";

/** The acting user, set by passport's session deserialiser. */
export function currentUser(req: { user?: unknown }): AuthUser | null {
  return (req.user as AuthUser | undefined) ?? null;
}

/** Refuses with 401 when nobody is logged in. */
export const requireAuth: RequestHandler = (req, _res, next) => {
  next(currentUser(req) ? undefined : errors.unauthorized());
};

/** Refuses with 401 when nobody is logged in and 403 when the user holds none of the roles. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const user = currentUser(req);
    if (!user) return next(errors.unauthorized());
    if (!user.roles.some((r) => roles.includes(r))) return next(errors.forbidden());
    next();
  };
}

/** Like currentUser but throws 401; for handlers after requireAuth/requireRole. */
export function actingUser(req: { user?: unknown }): AuthUser {
  const user = currentUser(req);
  if (!user) throw errors.unauthorized();
  return user;
}
