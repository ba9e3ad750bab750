/**
 * Asking for a grant that waits for a second admin (the rule is in grant-approvals.ts): the grant
 * as stored on the account, what the users page shows of it, the password reset it may carry, and
 * the refusals of a second request while one waits. Deciding it is grant-approvals.ts.
 */
import { randomBytes } from "node:crypto";
import type { ClientSession, Types } from "mongoose";
import type { AuthUser, StaffRole } from "../contracts/auth.js";
import type { PendingGrantDto } from "../contracts/staff-accounts.js";
import { PRIVILEGED_ROLES } from "../contracts/auth.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { hashPassword } from "./password.js";
import type { StaffUserDoc } from "./user.model.js";

export type StoredGrant = NonNullable<StaffUserDoc["pendingGrant"]>;

/** The privileged roles among `roles`. */
export function privilegedOf(roles: readonly string[]): StaffRole[] {
  return PRIVILEGED_ROLES.filter((r) => roles.includes(r));
}

/** A hash nobody knows the password of: the account's own while its grant waits. */
export function unusablePasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString("base64url"));
}

/** What the users page shows of a waiting grant (never its password hash). */
export function pendingGrantDto(p: StoredGrant | null | undefined): PendingGrantDto | null {
  if (!p) return null;
  return {
    kind: p.newAccount ? "account" : p.passwordHash ? "password" : "roles",
    roles: [...p.roles] as StaffRole[],
    removesRoles: removedBy(p) as StaffRole[],
    passwordReset: Boolean(p.passwordHash) && !p.newAccount,
    endsPassword: endsPassword(p),
    restoresPassword: Boolean(p.previousPassword),
    compromised: p.compromised ?? false,
    reEnables: p.reEnable ?? false,
    requestedBy: p.requestedBy,
    requestedByName: p.requestedByName,
    requesterDivision: p.requesterDivision,
    requestedAt: p.requestedAt.toISOString(),
  };
}

/**
 * The roles a replacement takes away at its approval (the account keeps them while it waits; see
 * roleChange.kept in user.model.ts). None for other grants, and for replacements stored before
 * the roles were kept: theirs were taken at the request.
 */
export function removedBy(p: StoredGrant): string[] {
  const change = p.roleChange;
  return change?.kept ? change.from.filter((r) => !change.to.includes(r)) : [];
}

/** Whether two role lists hold the same roles, in any order. */
export const sameRoles = (a: readonly string[], b: readonly string[]) =>
  [...a].sort().join() === [...b].sort().join();

/** Whether approving the grant ends the account's current password (see the module comment). */
export function endsPassword(p: StoredGrant): boolean {
  return !p.newAccount && p.roles.length > 0 && !p.passwordHash;
}

/** The password a reset replaces, to put back if the reset is rejected (see user.model.ts). */
export interface PreviousPassword {
  passwordHash: string;
  mustChangePassword: boolean;
  passwordUnusable: boolean;
}

/** The grant as stored, asked for by `actor` now. */
export function requestedGrant(
  actor: AuthUser,
  grant: {
    newAccount?: boolean;
    roles: readonly StaffRole[];
    passwordHash?: string | null;
    previousPassword?: PreviousPassword | null;
    compromised?: boolean;
    placeholderHash?: string | null;
    reEnable?: boolean;
    roleChange?: {
      from: string[];
      to: string[];
      testCentreId: string | null;
      kept: boolean;
      toTestCentreId: string | null;
    } | null;
    /** The account as the request writes it (see askedOn in user.model.ts). */
    askedOn: { roles: readonly string[]; divisionCode: string };
  },
) {
  return {
    newAccount: grant.newAccount ?? false,
    roles: [...grant.roles],
    passwordHash: grant.passwordHash ?? null,
    previousPassword: grant.previousPassword ?? null,
    compromised: grant.compromised ?? false,
    placeholderHash: grant.placeholderHash ?? null,
    reEnable: grant.reEnable ?? false,
    roleChange: grant.roleChange ?? null,
    askedOn: { roles: [...grant.askedOn.roles], divisionCode: grant.askedOn.divisionCode },
    requestedBy: actor.id,
    requestedByName: actor.displayName,
    requesterDivision: actor.divisionCode,
    requestedAt: new Date(),
  };
}

/**
 * An admin's reset of `account`'s password: set at once on an unprivileged account; on one that
 * is (or is about to be) privileged, held in the grant (`grantPassword`) while the account's own
 * becomes unusable, with the password it replaces kept to put back on a rejection unless the reset
 * says the account is compromised. Either way the owner must change it first.
 */
export async function adminPasswordReset(
  account: { passwordHash: string; mustChangePassword?: boolean | null; passwordUnusable?: boolean | null },
  password: string,
  privileged: boolean,
  compromised: boolean,
): Promise<{
  set: { passwordHash: string; mustChangePassword: true; passwordUnusable: boolean };
  grantPassword: string | null;
  previousPassword: PreviousPassword | null;
}> {
  const passwordHash = await hashPassword(password);
  if (!privileged)
    return {
      set: { passwordHash, mustChangePassword: true, passwordUnusable: false },
      grantPassword: null,
      previousPassword: null,
    };
  return {
    set: { passwordHash: await unusablePasswordHash(), mustChangePassword: true, passwordUnusable: true },
    grantPassword: passwordHash,
    previousPassword: compromised
      ? null
      : {
          passwordHash: account.passwordHash,
          mustChangePassword: account.mustChangePassword ?? false,
          passwordUnusable: account.passwordUnusable ?? false,
        },
  };
}

/**
 * Refuses any password reset while a waiting grant carries a password (a reset, a new account):
 * one applied meanwhile (its privileged role removed, so at once) was overwritten by the grant's
 * approval, or by the old password its withdrawal put back.
 */
export function assertNoPasswordWaiting(account: { pendingGrant?: StoredGrant | null }): void {
  if (account.pendingGrant?.passwordHash)
    throw errors.conflict(
      "reset_pending",
      "该账号有待批准的密码（重置或新账号），请先由另一名管理员批准或驳回后再重置密码",
    );
}

/** Refuses a second grant on an account whose first still waits: it is decided first. */
export function assertNoGrantWaiting(account: { pendingGrant?: StoredGrant | null }): void {
  if (account.pendingGrant)
    throw errors.conflict("grant_pending", "该账号已有待批准的授权，请先由另一名管理员批准或驳回");
}

/** Audits a grant asked for, in the request's own transaction (its approval has its own). */
export async function appendGrantRequest(
  audit: AuditLog,
  session: ClientSession,
  actor: AuthUser,
  account: { _id: Types.ObjectId; username: string; divisionCode: string; pendingGrant?: unknown },
): Promise<void> {
  await audit.append(session, {
    action: "user.grant_requested",
    actor,
    divisionCode: account.divisionCode,
    target: { type: "user", id: String(account._id) },
    details: {
      username: account.username,
      pendingGrant: pendingGrantDto(account.pendingGrant as StoredGrant | null | undefined),
    },
  });
}
