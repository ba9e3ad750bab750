import type { AuthUser, Role } from "@contracts/auth.js";
import { divisionLevel, type DivisionLevel } from "@contracts/organisation.js";

/** zh-CN names of the roles (one set, shared with the server and the README). */
export { ROLE_LABELS } from "@contracts/auth.js";

/** True when the user holds at least one of `allowed` (no list = any logged-in user). */
export function hasAnyRole(userRoles: readonly Role[], allowed: readonly Role[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  return userRoles.some((r) => allowed.includes(r));
}

/** What a page is checked against: the logged-in user's roles and the division they act in. */
export type PageVisitor = Pick<AuthUser, "roles" | "divisionCode">;

/** Whom a page admits: its route meta's `roles` and `levels`. */
export interface PageAccess {
  roles?: readonly Role[];
  levels?: readonly DivisionLevel[];
}

/**
 * True when a page admits the visitor: one of its `roles`, and a division at one of its `levels`
 * (no list = any). The menu and the router ask this one question, so a page the server refuses by
 * level (the province's escalation list) is neither offered nor opened below that level.
 */
export function admitsPage(visitor: PageVisitor, meta: PageAccess): boolean {
  if (!hasAnyRole(visitor.roles, meta.roles)) return false;
  return !meta.levels || meta.levels.includes(divisionLevel(visitor.divisionCode));
}
