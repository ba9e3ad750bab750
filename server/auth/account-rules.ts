import type { AuthUser, StaffRole } from "../contracts/auth.js";
import type { UpdateUserBody } from "../contracts/staff-accounts.js";
import { PROVINCE_LEVEL_ROLES } from "../contracts/auth.js";
import { PROVINCE_LEVELS } from "../contracts/access-levels.js";
import { divisionLevel } from "../contracts/organisation.js";
import { canSeeDivision } from "../access/index.js";
import { errors } from "../lib/errors.js";
import type { CandidateLoginPort } from "./candidate-login.js";

/** The account an admin edits, as the rules below read it. */
interface EditedAccount {
  id: string;
  roles: readonly string[];
  divisionCode: string;
}

/**
 * What the user administration may not do to an account, before any field is looked at:
 *
 * - On the admin's own account, no password and no unlock: changing one's own password asks for
 *   the current one under the login's lockout (POST /auth/password), so a taken session cannot
 *   set a password of its choosing here, nor lift the lock its guesses earned.
 * - No other admin at the actor's level or above: a peer could otherwise reset the password and
 *   log in as them, strip their role, or re-activate an account a higher admin deactivated. Admins
 *   are managed from a strictly higher division (a province admin manages its city admins). The
 *   one exception is deactivating a peer (a colleague who left): the node's top division has no
 *   admin above it, and a departed admin's account must not stay open. It gives nobody access.
 *
 * Own roles are refused where they change (see `assertOwnRolesKept`), and so is one's own division
 * (one's scope); other own fields (the name) stay the admin's to fix.
 */
export function assertMayEditAccount(actor: AuthUser, account: EditedAccount, body: UpdateUserBody): void {
  if (account.id === actor.id) {
    if (body.password !== undefined)
      throw errors.forbidden(
        "不能在用户管理中设置自己的密码，请在“修改密码”页面输入当前密码后修改",
        "own_password_needs_current",
      );
    if (body.unlock)
      throw errors.forbidden(
        "不能解除自己的登录锁定：锁定到期后自动解除，或请上级管理员解除",
        "cannot_unlock_self",
      );
    // One's division is one's scope: moving oneself down (the last province admin to a city)
    // left the higher division without its admin. A higher admin moves an admin, as with roles.
    if (body.divisionCode !== undefined && body.divisionCode !== account.divisionCode)
      throw errors.conflict("cannot_change_own_division", "不能修改自己的所属行政区划，请由上级管理员修改");
    return;
  }
  // The account is in the actor's scope (their division or below): seeing the actor's division
  // from the account's means the account sits at the actor's own level.
  if (
    account.roles.includes("admin") &&
    canSeeDivision(account.divisionCode, actor.divisionCode) &&
    !onlyDeactivates(body)
  )
    throw errors.forbidden("同级管理员的账号只能由上级行政区划的管理员修改", "peer_admin_account");
}

/** Whether the edit does nothing but deactivate the account (naming the version it was made on). */
function onlyDeactivates(body: UpdateUserBody): boolean {
  return (
    body.active === false &&
    Object.entries(body).every(
      ([key, value]) => key === "active" || key === "expectedVersion" || value === undefined,
    )
  );
}

/**
 * Refuses any change of the actor's own roles: granting oneself officer or hub_operator opens
 * what those roles guard (officer lookups, report publication, which is not the administrator's),
 * and removing one's own admin role could leave a division with no admin. An admin of a higher
 * division changes them; a node's top division has none above it, and there it takes the node's
 * operator.
 */
export function assertOwnRolesKept(actor: AuthUser, account: EditedAccount): void {
  if (account.id === actor.id)
    throw errors.conflict("cannot_change_own_roles", "不能修改自己的角色，请由上级管理员修改");
}

/**
 * An admin account is set up only below the acting admin's level: a peer admin, once made, is an
 * account its maker can no longer manage (see `assertMayEditAccount`), and could reset the
 * maker's colleagues. Asked when an account is created with the admin role, or when an edit
 * grants it or moves an admin account; the admins of a node's top division are the operator's.
 */
export function assertAdminBelowActor(
  actor: AuthUser,
  account: { roles: readonly string[]; divisionCode: string },
): void {
  if (account.roles.includes("admin") && canSeeDivision(account.divisionCode, actor.divisionCode))
    throw errors.forbidden(
      "管理员账号只能设在下级行政区划；同级管理员须由上级管理员或节点运维人员设立",
      "admin_not_below",
    );
}

/**
 * A proctor works at one test centre: it must exist, be in sight of the admin binding it, lie in
 * the proctor's own division (their scope is what they may act on), and be in use (a retired
 * centre holds no more sessions). Asked where a binding is set, not at every edit of the account.
 */
export function createProctorBindingCheck(candidates: CandidateLoginPort) {
  /**
   * Answers the centre (its own id to store, and its name for the audit entry) of a proctor, or
   * null (no proctor role: nothing checked).
   */
  return async function assertProctorBinding(
    actor: AuthUser | null,
    user: { roles: readonly StaffRole[]; divisionCode: string; testCentreId?: string | null | undefined },
  ): Promise<{ id: string; name: string } | null> {
    if (!user.roles.includes("proctor")) return null;
    if (!user.testCentreId) throw errors.badRequest("test_centre_required", "监考员须绑定考点");
    const centre = await candidates.testCentreDivision(user.testCentreId);
    if (!centre || (actor && !canSeeDivision(actor.divisionCode, centre.divisionCode)))
      throw errors.badRequest("unknown_test_centre", "考点不存在");
    if (!canSeeDivision(user.divisionCode, centre.divisionCode))
      throw errors.badRequest("test_centre_out_of_division", "监考员只能绑定其所属行政区划内的考点");
    if (centre.retired) throw errors.conflict("test_centre_retired", "该考点已停用，不能再绑定监考员");
    return { id: centre.id, name: centre.name };
  };
}

/** Whether `divisionCode` is at the province level (PROVINCE_LEVELS: the province or the ministry). */
export function isProvinceLevelDivision(divisionCode: string): boolean {
  return PROVINCE_LEVELS.includes(divisionLevel(divisionCode));
}

/**
 * The examiner and reviewer roles live at the province level only (PROVINCE_LEVEL_ROLES): the bank
 * is the province's, and a county admin who could grant them could make two accounts of their
 * own and approve their own questions. Asked wherever an account gets roles or a division, the
 * seed scripts' accounts included.
 */
export function assertRolesFitDivision(account: { roles: readonly string[]; divisionCode: string }): void {
  const held = PROVINCE_LEVEL_ROLES.filter((r) => account.roles.includes(r));
  if (held.length > 0 && !isProvinceLevelDivision(account.divisionCode))
    throw errors.forbidden(
      "命题员、审核员只能设在省级运管机构（题库由全省共用），不能设在市、县",
      "role_needs_province_level",
    );
}

/**
 * An account is re-enabled only by an admin at the level of the one who disabled it or above
 * (`deactivatedBy`): a city admin re-opened a proctor the province had closed, and two city admins
 * together (one re-enabling, the other approving the privileged roles it gives back) restored an
 * officer. Accounts disabled before the disabler was recorded carry none: any admin up to the
 * province may have closed them, so only a province-level admin (PROVINCE_LEVELS) re-opens them
 * (a city admin re-opened them at once, whoever had closed them).
 */
export function assertMayReEnable(
  actor: AuthUser,
  deactivatedBy: { id: string; divisionCode: string } | null | undefined,
): void {
  if (!deactivatedBy) {
    if (!isProvinceLevelDivision(actor.divisionCode))
      throw errors.forbidden(
        "该账号停用时未记录停用人，只能由省级管理员重新启用",
        "reenable_deactivator_unknown",
      );
    return;
  }
  if (!canSeeDivision(actor.divisionCode, deactivatedBy.divisionCode))
    throw errors.forbidden(
      "该账号由上级行政区划的管理员停用，只能由停用人所在级别或更高级别的管理员重新启用",
      "reenable_below_deactivator",
    );
}
