import type { Role } from "@contracts/auth.js";

/** zh-CN names of the roles, as shown in the header and user lists. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  candidate: "考生",
  examiner: "考试员",
  reviewer: "审核员",
  proctor: "监考员",
  officer: "业务管理员",
  admin: "系统管理员",
  hub_operator: "全国平台运维",
};

/** True when the user holds at least one of `allowed` (no list = any logged-in user). */
export function hasAnyRole(userRoles: readonly Role[], allowed: readonly Role[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  return userRoles.some((r) => allowed.includes(r));
}
