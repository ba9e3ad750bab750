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

/** A `redirect` to go on to after a login or a password change: a path of this app, else home. */
export function safeRedirect(redirect: unknown): string {
  return typeof redirect === "string" && redirect.startsWith("/") && !redirect.startsWith("//")
    ? redirect
    : "/";
}
