import type { AuthUser, Role } from "@contracts/auth.js";
import { DIVISION_LEVEL_LABELS, divisionLevel, type DivisionLevel } from "@contracts/organisation.js";

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
  return pageRefusal(visitor, meta) === null;
}

/** The refusal for a missing role: the administrator can grant one. */
export const ROLE_REFUSAL = "您的账号没有访问该页面的权限。如需开通，请联系本单位系统管理员。";

/**
 * Why a page refuses the visitor, in words for the 403 page and its notice; null when it admits
 * them. A level refusal says which levels the page is for: asking the administrator for a role
 * would not help a county officer on the province's escalation list.
 */
export function pageRefusal(visitor: PageVisitor, meta: PageAccess): string | null {
  if (!hasAnyRole(visitor.roles, meta.roles)) return ROLE_REFUSAL;
  if (meta.levels && !meta.levels.includes(divisionLevel(visitor.divisionCode)))
    return `该页面仅供${meta.levels.map((l) => DIVISION_LEVEL_LABELS[l]).join("、")}运管机构使用。`;
  return null;
}
