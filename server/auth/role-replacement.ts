/**
 * The roles an admin's edit asks for, split into what the account holds now and what waits for a
 * second admin (grant-approvals.ts). Kept apart from staff-accounts.ts, which applies the edit.
 */
import type { StaffRole } from "../contracts/auth.js";
import { errors } from "../lib/errors.js";
import { privilegedOf, sameRoles } from "./grant-approvals.js";

/** A replacement waiting whole: the roles and centre its approval writes. */
export interface HeldReplacement {
  to: string[];
  toTestCentreId: string | null;
}

/**
 * Privileged roles added wait for a second admin: checked as asked, they are left out of the
 * account's roles (`user`, as the edit set it) until approved. An edit that also takes a
 * privileged role away applies that at once (below). One that takes away only unprivileged roles
 * is a replacement ([proctor] → [officer]) and waits whole: the account keeps its roles and centre
 * until the decision (an account left active with no roles meanwhile logged in to an empty app;
 * see roleChange.kept in user.model.ts), and a rejection leaves them; one that also moves the
 * account is refused, since the roles it keeps were never judged in the new division. `changes`
 * (the edit's audit) loses what waits.
 */
export function holdAddedRoles(
  user: { roles: string[]; testCentreId?: string | null | undefined },
  account: { roles: readonly string[]; testCentreId: string | null },
  changes: Record<string, unknown>,
): { added: StaffRole[]; replacement: HeldReplacement | null } {
  const added = changes.roles ? privilegedOf(user.roles).filter((r) => !account.roles.includes(r)) : [];
  if (added.length === 0) return { added, replacement: null };
  const rest = user.roles.filter((r) => !(added as string[]).includes(r));
  // An edit that takes nothing away only adds: what is not privileged applies now, the rest waits
  // as a plain grant (approval adds it to the roles then held).
  // A privileged role taken away goes at once: removing one needs no second admin, and a demotion
  // ([admin] → [officer]) waiting for one left the account its admin role meanwhile. Only what is
  // added waits, as a plain grant (approval adds it, a rejection adds nothing back).
  const removes = account.roles.some((r) => !user.roles.includes(r));
  if (!removes || privilegedOf(account.roles).some((r) => !user.roles.includes(r))) {
    user.roles = rest;
    if (sameRoles(rest, account.roles)) delete changes.roles;
    else changes.roles = { from: account.roles, to: [...rest] };
    return { added, replacement: null };
  }
  if (changes.divisionCode)
    throw errors.conflict(
      "replacement_with_move",
      "替换为特权角色须经另一名管理员批准，不能同时修改行政区划；请分两次提交：先调整行政区划，再替换角色",
    );
  const replacement = { to: rest, toTestCentreId: user.testCentreId ?? null };
  user.roles = [...account.roles];
  user.testCentreId = account.testCentreId;
  delete changes.roles;
  delete changes.testCentreId;
  return { added, replacement };
}
