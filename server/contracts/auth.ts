import { z } from "zod";
import { personName, typedCode, wholeNumber } from "./validation.js";

/** Roles of roadcert users (see server/auth/index.ts for what each may do). */
export const Role = z.enum([
  "candidate",
  "examiner",
  "reviewer",
  "proctor",
  "officer",
  "admin",
  "hub_operator",
]);
export type Role = z.infer<typeof Role>;

/**
 * The one set of Chinese role names: the README, the `npm start` account list and the UI badges
 * all use these (命题员 writes questions; 考试员 would suggest someone who sits or runs exams).
 */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  candidate: "考生",
  examiner: "命题员",
  reviewer: "审题员",
  proctor: "监考员",
  officer: "运管业务员",
  admin: "系统管理员",
  hub_operator: "共享平台运维员",
};

/** GB/T 2260 six-digit division code (province XX0000, city XXXX00, county XXXXXX). */
export const DivisionCode = z.string().regex(/^\d{6}$/, "行政区划代码须为 6 位数字");

const OBJECT_ID_ANY_CASE = /^[a-f\d]{24}$/i;
const CANONICAL_OBJECT_ID = /^[a-f\d]{24}$/;

/**
 * A database id as text (a MongoDB ObjectId: 24 hexadecimal digits), lower-cased. Ids are compared
 * as strings (a proctor's centre with a session's, a centre's authority when counting its centres);
 * one typed in upper case, which the database's own lookup accepts, was stored as typed and then
 * matched none of them.
 */
export const ObjectIdString = z
  .string()
  .trim()
  .toLowerCase()
  .regex(CANONICAL_OBJECT_ID, "标识须为 24 位十六进制数");

/**
 * True when `id` is an ObjectId in the one text form the database writes wherever it refers to one
 * (24 lower-case hexadecimal digits). Lookups by `_id` also take it in upper case (and any
 * 12-character string as raw bytes), so a looser check let a write find its record and then match
 * the id as given against fields (`sessionId`, `candidateId`) that store the canonical text, and
 * so match nothing. Contracts lower-case ids at the edge (`RecordId`); services refuse the rest.
 */
export function isCanonicalObjectId(id: string): boolean {
  return CANONICAL_OBJECT_ID.test(id);
}

/**
 * The one text form of an id: an ObjectId (24 hexadecimal digits, in either case) lower-cased,
 * as the database writes it into every field that refers to it; any other id as it is.
 */
export function canonicalId(id: string): string {
  return OBJECT_ID_ANY_CASE.test(id) ? id.toLowerCase() : id;
}

/**
 * An id sent by a client that is an ObjectId on a province node (sessions, candidates, seats) but
 * comes from a feature's port, whose stand-ins may use other forms (`ses_…`), or has a form of its
 * own (`att_…`). Made canonical here (`canonicalId`), as `ObjectIdString` is: the database's lookup
 * by id takes an ObjectId in upper case too, so a session typed that way passed the access check,
 * and every action then matched the id as typed against fields holding it in lower case: a release
 * audited with nobody released, an incident outside its room's list.
 */
export const RecordId = z.string().min(1).max(64).overwrite(canonicalId);

/**
 * Who is acting: what passport puts on `req.user` and on `socket.data.user`. Staff act inside a
 * division; candidates carry their registration and scheduled session.
 */
export const AuthUser = z.object({
  id: z.string().max(64),
  kind: z.enum(["staff", "candidate"]),
  roles: z.array(Role).max(Role.options.length),
  /** A staff display name (≤ 64) or a candidate's name. */
  displayName: z.string().max(64),
  /** The division the user acts in (a candidate: the division of the registering authority). */
  divisionCode: DivisionCode,
  /** The node's province (GB/T 2260) or null on the hub. */
  provinceCode: z.string().max(6).nullable(),
  /** Test centre a proctor belongs to. */
  testCentreId: z.string().max(64).optional(),
  /**
   * Staff whose password an admin set (a new account, a reset): until they change it, the account
   * may do nothing else (`password_change_required`).
   */
  mustChangePassword: z.literal(true).optional(),
  /** For candidates: their exam session and seat binding. */
  candidate: z
    .object({
      candidateId: z.string().max(64),
      sessionId: z.string().max(64),
      ticketNo: z.string().max(32),
      seatId: z.string().max(64).optional(),
    })
    .optional(),
});
export type AuthUser = z.infer<typeof AuthUser>;

/** Staff roles a node may grant: a province node never has hub operators, the hub only admins and hub operators. */
export const PROVINCE_STAFF_ROLES = [
  "examiner",
  "reviewer",
  "proctor",
  "officer",
  "admin",
] as const satisfies readonly Role[];
export const HUB_STAFF_ROLES = ["admin", "hub_operator"] as const satisfies readonly Role[];
/**
 * Roles held only by accounts of a province-level division (PROVINCE_LEVELS): examiners and
 * reviewers write and approve the province's one question bank, which every city's exams draw on,
 * so a city or county admin neither grants them nor moves such an account down to a city.
 */
export const PROVINCE_LEVEL_ROLES = ["examiner", "reviewer"] as const satisfies readonly Role[];
export const StaffRole = Role.exclude(["candidate"]);
export type StaffRole = z.infer<typeof StaffRole>;

/**
 * The roles whose grant needs a second admin (four-eyes): an admin who creates or resets such an
 * account knows its password, and could approve their own questions (reviewer), publish their own
 * blueprint (examiner), run national lookups (officer), publish the monthly report (hub_operator)
 * or make further accounts (admin) as it.
 */
export const PRIVILEGED_ROLES = [
  "examiner",
  "reviewer",
  "officer",
  "hub_operator",
  "admin",
] as const satisfies readonly StaffRole[];

const Username = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-zA-Z0-9._-]+$/, "用户名只能包含字母、数字和 . _ -");
const Password = z.string().min(10, "密码至少 10 位").max(128);

/**
 * The passwords guessers try first, as far as the 10-character minimum lets them through:
 * keyboard runs, number runs with a letter, and the Chinese favourites (我爱你 = 520, 一生一世 =
 * 1314). A short list of our own, compared ignoring case; not a dictionary.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  "1234567890",
  "0123456789",
  "0987654321",
  "9876543210",
  "12345678910",
  "123456789a",
  "a123456789",
  "a1234567890",
  "1234567890a",
  "123456789abc",
  "abc1234567",
  "abc123456789",
  "abcd123456",
  "aa12345678",
  "aa123456789",
  "qwertyuiop",
  "qwertyuiop123",
  "qwer123456",
  "qwe1234567",
  "asdfghjkl1",
  "asdfghjkl123",
  "zxcvbnm123",
  "1qaz2wsx3edc",
  "1qaz2wsx3e",
  "1q2w3e4r5t",
  "1q2w3e4r5t6y",
  "q1w2e3r4t5",
  "qazwsxedc123",
  "password123",
  "password1234",
  "passw0rd123",
  "iloveyou123",
  "woaini1314",
  "woaini520",
  "woaini5201314",
  "5201314520",
  "5201314woaini",
  "1314520520",
  "13145201314",
  "5211314521",
  "admin12345",
  "admin123456",
  "root123456",
]);

/**
 * Whether a password is one every guesser tries first: on the list (ignoring case and spaces at
 * the ends), or one character over and over (`1111111111`).
 */
export function isCommonPassword(password: string): boolean {
  const p = password.trim().toLowerCase();
  return COMMON_PASSWORDS.has(p) || /^(.)\1*$/u.test(p);
}

/** POST /api/auth/login (staff). */
export const LoginBody = z
  .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(128) })
  .strict();
export type LoginBody = z.infer<typeof LoginBody>;

/**
 * POST /api/auth/candidate-login: ID number + admission ticket number, from a seat of the
 * session's room (the seat's kiosk token, or the seat's registered IP when no token is sent).
 */
export const CandidateLoginBody = z
  .object({
    idNumber: typedCode().min(1).max(18),
    ticketNo: typedCode().min(1).max(32),
    seatToken: z.string().min(1).max(128).optional(),
  })
  .strict();
export type CandidateLoginBody = z.infer<typeof CandidateLoginBody>;

/** Login answer: the user and the CSRF token of the new session (send it as `x-csrf-token`). */
export interface LoginResultDto {
  user: AuthUser;
  csrfToken: string;
}

/** `/api/auth/session`: who is here (null when nobody is logged in) and the session's CSRF token. */
export interface SessionStateDto {
  user: AuthUser | null;
  csrfToken: string;
}

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
