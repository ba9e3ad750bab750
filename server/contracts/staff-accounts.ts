/**
 * Staff-account administration: the bodies and pages of /api/users, the password change, the
 * accounts' DTOs with their pending grants, and identity's error codes. Kept apart from auth.ts
 * (roles, logins, sessions), which it builds on; auth.ts must not re-export it, or the two would
 * import each other and `z.array(StaffRole)` would run before StaffRole exists.
 */
import { z } from "zod";
import { DivisionCode, ObjectIdString, StaffRole } from "./auth.js";
import { personName, wholeNumber } from "./validation.js";

const Username = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-zA-Z0-9._-]+$/, "用户名只能包含字母、数字和 . _ -");
const Password = z.string().min(10, "密码至少 10 位").max(128);

/**
 * A staff member's name as shown in audit entries, case histories and, as `Officer.name` (at most
 * 50), to other provinces: trimmed, never blank, free of invisible and direction-control
 * characters (a right-to-left override showed another province's officers a reordered name).
 */
const DisplayName = personName(1, 50);

/**
 * An account's roles as an admin sends them: at least one, each once (a list repeating a role was
 * stored as sent, and read as a role change at every later edit), and so at most all of them.
 */
const StaffRoles = z
  .array(StaffRole)
  .min(1)
  .max(StaffRole.options.length)
  .refine((roles) => new Set(roles).size === roles.length, "角色不能重复");

export const CreateUserBody = z
  .object({
    username: Username,
    displayName: DisplayName,
    password: Password,
    roles: StaffRoles,
    divisionCode: DivisionCode,
    testCentreId: ObjectIdString.optional(),
  })
  .strict();
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    displayName: DisplayName.optional(),
    roles: StaffRoles.optional(),
    divisionCode: DivisionCode.optional(),
    testCentreId: ObjectIdString.nullable().optional(),
    active: z.boolean().optional(),
    /** Admin reset: sets a new password and clears any lockout. */
    password: Password.optional(),
    unlock: z.literal(true).optional(),
    /**
     * With `password`: the reset is because the old password may be known to someone else. A
     * privileged reset waits for approval; rejected or withdrawn, its old password is put back
     * unless this is set (the account then has no usable password until a new reset is approved).
     */
    compromised: z.literal(true).optional(),
    /**
     * The account's `version` the edit was made on (StaffUserDto.version): a stale edit is refused
     * with account_changed. Required (expected_version_required) with any of VERSIONED_USER_FIELDS:
     * left out, a second admin's save silently undid the first's. The users page always sends it.
     */
    expectedVersion: z.number().int().min(0).optional(),
    /** Decides the account's pending grant (see PRIVILEGED_ROLES); sent alone. */
    grant: z.enum(["approve", "reject"]).optional(),
  })
  .strict()
  .refine((b) => b.compromised === undefined || b.password !== undefined, {
    message: "“密码可能已泄露”只能与重置密码一起提交",
    path: ["compromised"],
  });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

/**
 * The edits that must name the version they were made on (`expectedVersion`): roles, scope,
 * centre, status, password and a grant decision. A rename or an unlock overwrites nothing another
 * admin decided, and may go without.
 */
export const VERSIONED_USER_FIELDS = [
  "roles",
  "divisionCode",
  "testCentreId",
  "active",
  "password",
  "grant",
] as const satisfies readonly (keyof UpdateUserBody)[];

/** The most accounts one page of GET /api/users lists. */
export const MAX_USERS_PAGE = 200;

/**
 * GET /api/users: one page of the staff accounts in the admin's scope, ordered by division and
 * username. `grants=waiting` lists only the accounts with a grant waiting for approval (待批准).
 */
export const ListUsersQuery = z
  .object({
    page: wholeNumber(1, 10_000).default(1),
    pageSize: wholeNumber(1, MAX_USERS_PAGE).default(100),
    grants: z.literal("waiting").optional(),
  })
  .strict();
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

/** A page of staff accounts, and how many there are in all under the same filter. */
export interface StaffUserPageDto {
  users: StaffUserDto[];
  total: number;
  page: number;
  pageSize: number;
}

export const ChangePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(128), newPassword: Password })
  .strict();

export interface StaffUserDto {
  id: string;
  username: string;
  displayName: string;
  roles: StaffRole[];
  divisionCode: string;
  testCentreId: string | null;
  active: boolean;
  /** The password was set by an admin and has not been changed by its owner since. */
  mustChangePassword: boolean;
  /**
   * False when nobody knows the account's password (a privileged role approved without a new one,
   * a compromised reset rejected): it logs in again only after an admin's reset is approved.
   */
  passwordUsable: boolean;
  lockedUntil: string | null;
  createdAt: string;
  /** Raised at every admin change: an edit sends it back as `expectedVersion`. */
  version: number;
  /** A privileged grant waiting for a second admin (待批准), or null. */
  pendingGrant: PendingGrantDto | null;
}

/**
 * A grant an admin asked for and another admin must approve: a new account (it cannot log in
 * yet), privileged roles added (not effective yet), or a password reset (the old password has
 * ended; the new one works once approved).
 */
export interface PendingGrantDto {
  kind: "account" | "roles" | "password";
  /** The privileged roles waiting (none for a reset alone). */
  roles: StaffRole[];
  /**
   * The roles a replacement ([proctor] → [officer]) takes away when approved: the account keeps them
   * while it waits, and keeps them when it is rejected. Empty (or absent) for other grants (a
   * privileged role an edit takes away goes at once, not on approval).
   */
  removesRoles?: StaffRole[];
  passwordReset: boolean;
  /**
   * Approval ends the account's current password and its logins (privileged roles asked without a
   * new password: the requester may know the current one); a reset, itself approved, gives a new one.
   */
  endsPassword: boolean;
  /** A reset whose rejection or withdrawal puts the previous password back (not marked compromised). */
  restoresPassword: boolean;
  /** A reset marked 密码可能已泄露: its rejection or withdrawal leaves no usable password. */
  compromised: boolean;
  /** A re-enabling: the account stays disabled until approved, and a rejection leaves it so. */
  reEnables: boolean;
  requestedBy: string;
  requestedByName: string;
  /**
   * The requester's division when they asked: only an admin who sees it (same level or above) may
   * approve, so the page offers 批准 to no one the server would refuse.
   */
  requesterDivision: string;
  requestedAt: string;
}

/**
 * Stable error codes of identity (logins, sessions, staff accounts and their grants), REST and
 * socket refusals alike. Complete: a unit test compares it with the codes server/auth answers.
 * Codes the access layer answers for every feature (password_change_required, forbidden) and the
 * validation middleware's (validation_failed) are not identity's own.
 */
export const AUTH_ERROR_CODES = [
  // Logins and sessions.
  "invalid_credentials",
  "account_locked",
  "too_many_requests",
  "login_limit_unavailable",
  "login_busy",
  "unauthenticated",
  "session_ended",
  "csrf_failed",
  "logout_failed",
  "wrong_password",
  "password_unchanged",
  "password_changed_meanwhile",
  "password_too_common",
  // A candidate's login.
  "outside_session_window",
  "not_assigned_seat",
  "session_cancelled",
  // Staff administration.
  "not_found",
  "account_changed",
  "expected_version_required",
  "actor_not_admin",
  "admin_not_below",
  "peer_admin_account",
  "own_password_needs_current",
  "cannot_unlock_self",
  "cannot_change_own_division",
  "cannot_change_own_roles",
  "cannot_deactivate_self",
  "reenable_below_deactivator",
  "reenable_deactivator_unknown",
  "role_not_allowed",
  "role_needs_province_level",
  "replacement_with_move",
  "test_centre_required",
  "unknown_test_centre",
  "test_centre_out_of_division",
  "test_centre_retired",
  // Grants waiting for a second admin.
  "grant_pending",
  "reset_pending",
  "grant_decision_alone",
  "no_pending_grant",
  "grant_outdated",
  "grant_requester_inactive",
  "approval_by_requester",
  "approval_by_grantee",
  "approver_below_requester",
] as const;
