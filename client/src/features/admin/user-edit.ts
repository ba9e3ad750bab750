import type { StaffRole } from "@contracts/auth.js";
import type { PendingGrantDto, StaffUserDto, UpdateUserBody } from "@contracts/staff-accounts.js";
import { PRIVILEGED_ROLES, ROLE_LABELS } from "@contracts/auth.js";
import { canSeeDivision } from "@contracts/organisation.js";
// Relative, not "@/shared": unit tests load this file under tsx with the root tsconfig, which has no "@/" path.
// eslint-disable-next-line no-restricted-imports
import { changedFields } from "../../shared/changed-fields.js";

/** The users page's edit form, as the admin left it. */
export interface UserEditForm {
  displayName: string;
  password: string;
  roles: StaffRole[];
  divisionCode: string;
  testCentreId: string;
  /** With a reset: the old password may be known to someone else (not put back on a rejection). */
  compromised?: boolean;
}

/** A role list as one comparable value: the order the admin picked them in is no change. */
const rolesKey = (roles: readonly StaffRole[]) => [...roles].sort().join();

/**
 * What the edit dialog sends: only the fields the admin changed, with the account's version the
 * dialog was opened on (a stale edit is refused, not silently undoing another admin's change:
 * sending every field did that). Null when nothing changed (nothing is sent).
 */
export function userEditBody(user: StaffUserDto, form: UserEditForm): UpdateUserBody | null {
  const testCentreId = form.roles.includes("proctor") ? form.testCentreId || null : null;
  const changed = changedFields(
    {
      displayName: user.displayName,
      roles: rolesKey(user.roles),
      divisionCode: user.divisionCode,
      testCentreId: user.testCentreId ?? null,
    },
    {
      displayName: form.displayName,
      roles: rolesKey(form.roles),
      divisionCode: form.divisionCode,
      testCentreId,
    },
  );
  if (!changed && !form.password) return null;
  return {
    ...(changed?.displayName !== undefined ? { displayName: form.displayName } : {}),
    ...(changed?.roles !== undefined ? { roles: [...form.roles] } : {}),
    ...(changed?.divisionCode !== undefined ? { divisionCode: form.divisionCode } : {}),
    ...(changed && "testCentreId" in changed ? { testCentreId } : {}),
    ...(form.password ? { password: form.password } : {}),
    // Hidden (and meaningless) for a reset applied at once: not sent though ticked before.
    ...(form.password && form.compromised && resetNeedsApproval(user, form.roles)
      ? { compromised: true as const }
      : {}),
    expectedVersion: user.version,
  };
}

/** Whether a save was refused because another admin changed the account since it was loaded. */
export function isStaleEdit(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "account_changed";
}

/**
 * What a waiting grant gives, in words (新账号 / 角色 / 重置的密码); a replacement names the roles it
 * takes away, which the account keeps until then (the approver saw only the roles it adds).
 */
export function grantText(grant: PendingGrantDto): string {
  const removed = grant.removesRoles ?? [];
  const label = (list: readonly StaffRole[]) => list.map((r) => ROLE_LABELS[r]).join("、");
  const roles = label(grant.roles.filter((r) => !removed.includes(r)));
  if (grant.kind === "account") return `新账号（角色：${roles}）`;
  const replaces = removed.length > 0 ? `（取代原角色 ${label(removed)}）` : "";
  const parts = [
    ...(roles ? [`角色 ${roles}${replaces}`] : []),
    ...(grant.passwordReset ? ["重置的密码"] : []),
  ];
  return grant.reEnables ? `重新启用（${parts.join("，")}）` : parts.join("，");
}

/**
 * What deciding the grant does to the account's password, for the confirmation (the approver is
 * told before approving; a role grant's approval ends the password the requester may know).
 */
export function grantPasswordText(grant: PendingGrantDto, decision: "approve" | "reject"): string {
  // A re-enabling keeps the account disabled while it waits (it stays so when rejected).
  const status = grant.reEnables
    ? decision === "approve"
      ? "批准后该账号重新启用。"
      : "驳回后该账号保持停用。"
    : "";
  return status + passwordText(grant, decision);
}

function passwordText(grant: PendingGrantDto, decision: "approve" | "reject"): string {
  if (decision === "approve") {
    if (grant.endsPassword)
      return "批准后该账号当前的密码立即失效、已登录的会话结束（提出人可能知道该密码）；须由管理员重置密码并经另一名管理员批准后，用户才能再登录。";
    if (grant.kind === "account" || grant.passwordReset)
      return "生效的是提出人设置的密码（提出人知道该密码），用户首次登录须先修改。";
    return "";
  }
  if (!grant.passwordReset) return "";
  if (grant.restoresPassword)
    return "驳回后恢复重置前的原密码（重置时结束的登录不会恢复；该账号的密码若此后已被改过，则保留现密码）。";
  // Without a previous password and not marked: a grant made before previous passwords were kept.
  return grant.compromised
    ? "重置时已标明密码可能泄露：驳回后该账号没有可用密码，须重新重置并经批准后才能登录。"
    : "该重置未保留原密码：驳回后该账号没有可用密码，须重新重置并经批准后才能登录。";
}

/**
 * Whether a reset of `user`'s password waits for a second admin (the account holds, is being
 * given, or waits for a privileged role): only then is the old password kept to put back, so only
 * then is there a 密码可能已泄露 choice to make.
 */
export function resetNeedsApproval(user: StaffUserDto | null, roles: readonly StaffRole[]): boolean {
  if (user === null) return false;
  const privileged = PRIVILEGED_ROLES as readonly string[];
  return [...user.roles, ...roles, ...(user.pendingGrant?.roles ?? [])].some((r) => privileged.includes(r));
}

/**
 * Whether the edit adds a privileged role (PRIVILEGED_ROLES) the account lacks: it waits for a
 * second admin, and without a new password its approval ends the current one.
 */
export function addsPrivilegedRole(user: StaffUserDto | null, roles: readonly StaffRole[]): boolean {
  return (
    user !== null &&
    roles.some((r) => (PRIVILEGED_ROLES as readonly string[]).includes(r) && !user.roles.includes(r))
  );
}

/**
 * Whether `viewer` may decide the grant waiting on `u`, as the server judges it: a rejection is the
 * requester's (a withdrawal) or an admin's at the requester's level or above; an approval also
 * not the requester's nor the account's own (approval_by_requester, approval_by_grantee).
 */
export function mayDecideGrant(
  u: StaffUserDto,
  viewer: { id: string; divisionCode: string } | null | undefined,
  decision: "approve" | "reject",
): boolean {
  const grant = u.pendingGrant;
  if (!grant || !viewer) return false;
  const own = grant.requestedBy === viewer.id;
  if (decision === "reject") return own || canSeeDivision(viewer.divisionCode, grant.requesterDivision);
  return !own && u.id !== viewer.id && canSeeDivision(viewer.divisionCode, grant.requesterDivision);
}
