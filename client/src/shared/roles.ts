import type { Role } from "@contracts/auth.js";

/** zh-CN names of the roles (one set, shared with the server and the README). */
export { ROLE_LABELS } from "@contracts/auth.js";

/** True when the user holds at least one of `allowed` (no list = any logged-in user). */
export function hasAnyRole(userRoles: readonly Role[], allowed: readonly Role[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  return userRoles.some((r) => allowed.includes(r));
}
