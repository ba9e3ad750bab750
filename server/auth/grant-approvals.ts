/**
 * Four-eyes over privileged grants (PRIVILEGED_ROLES): an admin who creates such an account, adds
 * such a role or resets such an account's password knows the password, and could log in as the
 * account to approve their own questions, publish their own blueprint or report, or look people up
 * nationally. The grant is held on the account (`pendingGrant`) until a different admin, at the
 * requester's level or above and able to manage the account, approves it; meanwhile the roles are
 * not in `roles` and the password set is not the account's (its own is unusable). A replacement
 * taking away only unprivileged roles ([proctor] → [officer]) waits whole: the account keeps the
 * roles it replaces until then (role-replacement.ts; a privileged role taken away goes at once). A grant is
 * approved only on the account as it was asked on (`askedOn`), never after its roles or division moved.
 *
 * Privileged roles asked for an existing account without a new password end its current password
 * when approved (`endsPassword`): the requester may know it (they made the account a proctor,
 * logged in as it and set its forced password), and the approver saw only a role grant. The holder
 * gets a password through a reset, itself a grant the approver sees as one. Taking the roles only
 * once the holder signs in again and sets a new password would not do: the requester can sign in.
 */
import { Types, type ClientSession, type Connection } from "mongoose";
import type { AuthUser, StaffRole } from "../contracts/auth.js";
import type { StaffUserDto } from "../contracts/staff-accounts.js";
import type { AuditLog } from "../audit/index.js";
import { canSeeDivision } from "../access/index.js";
import { errors } from "../lib/errors.js";
import {
  assertAdminBelowActor,
  assertMayEditAccount,
  assertMayReEnable,
  assertRolesFitDivision,
} from "./account-rules.js";
import {
  endsPassword,
  pendingGrantDto,
  removedBy,
  sameRoles,
  unusablePasswordHash,
  type StoredGrant,
} from "./grant-requests.js";
import type { PasswordGate } from "./password-gate.js";
import { endStaffLogins } from "./session.js";
import { staffUserModel, type StaffUserDoc } from "./user.model.js";

// Asking for a grant lives in grant-requests.ts; its importers reach it through here too.
export {
  adminPasswordReset,
  appendGrantRequest,
  assertNoGrantWaiting,
  assertNoPasswordWaiting,
  pendingGrantDto,
  privilegedOf,
  requestedGrant,
  sameRoles,
  unusablePasswordHash,
} from "./grant-requests.js";

/** Whether the edit's previous roles may come back at a rejection (see roleChange in user.model.ts). */
function rolesToRestore(
  user: { roles: readonly string[]; divisionCode: string },
  grant: StoredGrant,
): string[] | null {
  const change = grant.roleChange;
  // A kept replacement took nothing away (see removedBy).
  if (!change || change.kept) return null;
  if (!sameRoles(user.roles, change.to)) return null;
  try {
    assertRolesFitDivision({ roles: change.from, divisionCode: user.divisionCode });
  } catch {
    return null;
  }
  return [...change.from];
}

interface Deps {
  audit: AuditLog;
  holdActingAdmin: (actor: AuthUser, session: ClientSession) => Promise<void>;
  assertRolesAllowed: (roles: readonly StaffRole[]) => void;
  toDto: (u: StaffUserDoc & { _id: Types.ObjectId }) => StaffUserDto;
  /** The bound on password checks at once (password-gate.ts), which ending a password's hash takes a place in. */
  passwordGate: PasswordGate;
}

/** Approving or rejecting an account's pending grant. */
export function createGrantDecisions(conn: Connection, deps: Deps) {
  const Users = staffUserModel(conn);
  const { audit } = deps;
  const accountChanged = () => errors.conflict("account_changed", "该账号刚被其他管理员修改，请刷新后重试");

  /**
   * Holds the grant's requester as an active admin through the approval's write, as holdActingAdmin
   * holds the approver: a grant stands on its requester's authority, and one asked by an admin
   * removed since (deactivated, no longer an admin) may be the account they meant to keep a way
   * into. Read live, inside the transaction, so a removal committed meanwhile is seen (or makes
   * this write conflict); rejecting such a grant stays open.
   */
  async function holdRequester(grant: StoredGrant, session: ClientSession): Promise<void> {
    const held = Types.ObjectId.isValid(grant.requestedBy)
      ? await Users.updateOne(
          { _id: grant.requestedBy, active: { $ne: false }, roles: "admin" },
          { $set: { updatedAt: new Date() } },
          { session, timestamps: false },
        )
      : null;
    if (held?.matchedCount !== 1)
      throw errors.conflict(
        "grant_requester_inactive",
        "提出该授权的管理员已被停用或不再是管理员，不能再批准；请驳回后由在职管理员重新提出",
      );
  }

  /**
   * Decides the grant waiting on account `id`. Approval is a different admin's: not the requester,
   * not the account itself, at the requester's level or above, and one who may edit the account
   * (the roles are checked again against it as it is now). A rejection may come from the requester
   * too (a withdrawal); a rejected new account is removed (it never logged in).
   */
  async function decideGrant(
    actor: AuthUser,
    id: string,
    decision: "approve" | "reject",
    expectedVersion: number | undefined,
  ): Promise<{ user: StaffUserDto; changes: Record<string, unknown> }> {
    const user = Types.ObjectId.isValid(id) ? await Users.findById(id).lean() : null;
    if (!user || !canSeeDivision(actor.divisionCode, user.divisionCode)) throw errors.notFound("用户");
    const version = user.version ?? 0;
    // Required (updateUser refuses a decision without it): the grant decided is the one shown.
    if (expectedVersion !== version) throw accountChanged();
    const grant = user.pendingGrant;
    if (!grant) throw errors.conflict("no_pending_grant", "该账号没有待批准的授权");
    const account = { id: String(user._id), roles: [...user.roles], divisionCode: user.divisionCode };
    // A kept replacement swaps the roles it replaces for the ones it adds (see removedBy).
    const removed = removedBy(grant);
    const roles = [...new Set([...user.roles, ...grant.roles])].filter(
      (r) => !removed.includes(r),
    ) as StaffRole[];
    assertMayEditAccount(actor, account, decision === "approve" ? { roles } : {});
    if (decision === "approve") {
      if (grant.requestedBy === actor.id)
        throw errors.forbidden("本人提出的授权须由另一名管理员批准", "approval_by_requester");
      if (account.id === actor.id) throw errors.forbidden("不能批准授予自己的权限", "approval_by_grantee");
    }
    // A rejection is a decision too: one from below the requester let a city admin undo a province
    // admin's grant (and, for a reset, leave the account without a password). The requester may
    // still withdraw their own.
    if (grant.requestedBy !== actor.id && !canSeeDivision(actor.divisionCode, grant.requesterDivision))
      throw errors.forbidden("授权须由与提出人同级或上级的管理员批准或驳回", "approver_below_requester");
    if (decision === "approve") {
      // Approved on the account it was asked on: a role removed or a division moved since was not
      // what the approver's grant was judged against (a re-enabling gave back a role removed
      // meanwhile). The stale grant is rejected, and asked again on the account as it is.
      const askedOn = grant.askedOn;
      if (askedOn && (!sameRoles(user.roles, askedOn.roles) || user.divisionCode !== askedOn.divisionCode))
        throw errors.conflict(
          "grant_outdated",
          "提出授权后该账号的角色或行政区划已被修改，不能再批准；请驳回后按账号现状重新提出",
        );
      // Re-enabling under the rule the request met (accounts disabled before it recorded who).
      if (grant.reEnable) assertMayReEnable(actor, user.deactivatedBy);
      deps.assertRolesAllowed(roles);
      assertRolesFitDivision({ roles, divisionCode: user.divisionCode });
      assertAdminBelowActor(actor, { roles, divisionCode: user.divisionCode });
    }
    const filter = {
      _id: user._id,
      "pendingGrant.requestedAt": grant.requestedAt,
      version: version === 0 ? { $in: [0, null] } : version,
      // The owner's own change does not move the version: the password judged above must be the one.
      ...(decision === "reject" && grant.passwordHash ? { passwordHash: user.passwordHash } : {}),
    };
    const details: Record<string, unknown> = {
      username: user.username,
      requestedBy: grant.requestedBy,
      requestedByName: grant.requestedByName,
      pendingGrant: pendingGrantDto(grant),
    };
    const changes: Record<string, unknown> = { grant: decision };
    if (decision === "approve" && grant.roles.length > 0) {
      changes.roles = { from: account.roles, to: roles };
      details.roles = changes.roles;
    }
    // A rejected (or withdrawn) reset puts the previous password back, with its change-first flag:
    // rejecting it left the account with none usable. Its logins stay ended (the epoch moves on
    // again, never back). A reset marked compromised keeps none: that password may be what leaked,
    // and no admin-set password is in force either, so the flag that made its owner change one goes.
    const resetRejected = decision === "reject" && Boolean(grant.passwordHash) && !grant.newAccount;
    // Only over the placeholder the reset set (grants stored before it was kept: the account's own
    // still unusable): a password written since (the owner's, another reset's) is the current one
    // and stays, said so in the audit entry. The write below holds on the hash read here.
    const placeholderHeld =
      resetRejected &&
      (grant.placeholderHash ? user.passwordHash === grant.placeholderHash : user.passwordUnusable === true);
    const previous = placeholderHeld ? (grant.previousPassword ?? null) : null;
    if (resetRejected) {
      changes.passwordRestored = details.passwordRestored = previous !== null;
      if (!placeholderHeld) changes.currentPasswordKept = details.currentPasswordKept = true;
      else if (!previous) changes.usablePassword = details.usablePassword = false;
    }
    // A rejected role replacement stored before the roles were kept puts the previous ones back (it
    // left none, or fewer); a kept one has nothing to put back.
    const restoredRoles = decision === "reject" && !grant.newAccount ? rolesToRestore(user, grant) : null;
    if (decision === "reject" && grant.roleChange && !grant.roleChange.kept) {
      details.rolesRestored = restoredRoles !== null;
      if (restoredRoles) changes.roles = details.roles = { from: account.roles, to: restoredRoles };
    }
    // An approved replacement moves the centre with the roles (both were kept while it waited).
    const change = grant.roleChange;
    if (decision === "approve" && change?.kept && change.toTestCentreId !== (user.testCentreId ?? null))
      changes.testCentreId = details.testCentreId = {
        from: user.testCentreId ?? null,
        to: change.toTestCentreId,
      };
    // An approved re-enabling opens the account (it stayed disabled while the grant waited).
    if (decision === "approve" && grant.reEnable) changes.active = details.active = true;
    const endsCurrent = decision === "approve" && endsPassword(grant);
    if (endsCurrent) changes.passwordEnded = details.passwordEnded = true;
    const unusable = endsCurrent ? await deps.passwordGate.run(unusablePasswordHash) : null;
    const written = await audit.transaction(async (session) => {
      await deps.holdActingAdmin(actor, session);
      if (decision === "approve") await holdRequester(grant, session);
      if (decision === "reject" && grant.newAccount) {
        const gone = await Users.deleteOne(filter, { session });
        if (gone.deletedCount !== 1) throw accountChanged();
      }
      const doc =
        decision === "reject" && grant.newAccount
          ? { ...user, pendingGrant: null }
          : await Users.findOneAndUpdate(
              filter,
              decision === "approve"
                ? {
                    $set: {
                      roles,
                      ...(grant.passwordHash
                        ? { passwordHash: grant.passwordHash, passwordUnusable: false }
                        : {}),
                      // Nobody knows it now: an admin-set password was never given, so no flag.
                      ...(unusable
                        ? { passwordHash: unusable, passwordUnusable: true, mustChangePassword: false }
                        : {}),
                      ...(grant.reEnable ? { active: true, deactivatedBy: null } : {}),
                      ...(grant.roleChange?.kept
                        ? { testCentreId: grant.roleChange.toTestCentreId ?? null }
                        : {}),
                      pendingGrant: null,
                      lastGrant: {
                        roles: grant.roles,
                        passwordReset: Boolean(grant.passwordHash) && !grant.newAccount,
                        newAccount: grant.newAccount ?? false,
                        requestedBy: grant.requestedBy,
                        approvedBy: actor.id,
                        approvedAt: new Date(),
                      },
                    },
                    $inc: { version: 1, ...(unusable ? { credEpoch: 1 } : {}) },
                  }
                : {
                    $set: {
                      pendingGrant: null,
                      ...(previous
                        ? {
                            passwordHash: previous.passwordHash,
                            mustChangePassword: previous.mustChangePassword,
                            passwordUnusable: previous.passwordUnusable,
                          }
                        : {}),
                      // Compromised: the account's own hash is the unusable one set at the request.
                      ...(placeholderHeld && !previous
                        ? { mustChangePassword: false, passwordUnusable: true }
                        : {}),
                      ...(restoredRoles
                        ? { roles: restoredRoles, testCentreId: grant.roleChange?.testCentreId ?? null }
                        : {}),
                    },
                    $inc: { version: 1, ...(placeholderHeld ? { credEpoch: 1 } : {}) },
                  },
              { session, returnDocument: "after", lean: true },
            );
      if (!doc) throw accountChanged();
      // Logins made with the password just ended go with it (the epoch moved in the write above).
      if (unusable) await endStaffLogins(conn, session, account.id);
      await audit.append(session, {
        action: decision === "approve" ? "user.grant_approved" : "user.grant_rejected",
        actor,
        divisionCode: user.divisionCode,
        target: { type: "user", id: account.id },
        details,
      });
      return doc;
    });
    return { user: deps.toDto(written as StaffUserDoc & { _id: Types.ObjectId }), changes };
  }

  return { decideGrant };
}
