import type { RouteLocationRaw } from "vue-router";
import type { AuthUser } from "@contracts/auth.js";

/**
 * Where a login goes: the page asked for (`redirect`), except for a staff member whose password
 * an admin set (a new account, a reset). The server refuses that account everything but the
 * password change (`password_change_required`), so the login lands on the password page, which
 * says why and goes on to the page asked for once the password is the owner's own.
 */
export function pageAfterLogin(user: AuthUser, redirect: string): RouteLocationRaw {
  if (!user.mustChangePassword) return redirect;
  return redirect === "/" ? { name: "auth-password" } : { name: "auth-password", query: { redirect } };
}

/**
 * A `redirect` to go on to after a login or a password change: a path of this app, else home.
 * Browsers read `\` as `/` and drop tabs and newlines in a URL, so `/\evil.example/` or
 * `/\t/evil.example/` would lead to another site (a failed page load goes there by
 * `location.assign`); anything that does not resolve to this origin is refused too.
 */
export function safeRedirect(redirect: unknown): string {
  if (typeof redirect !== "string" || !redirect.startsWith("/")) return "/";
  // eslint-disable-next-line no-control-regex -- the control characters are what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(redirect) || redirect[1] === "/") return "/";
  // Named through globalThis: unit tests in Node have no `location`.
  const origin = (globalThis as { location?: { origin: string } }).location?.origin ?? "http://app.invalid";
  try {
    return new URL(redirect, origin).origin === origin ? redirect : "/";
  } catch {
    return "/";
  }
}
