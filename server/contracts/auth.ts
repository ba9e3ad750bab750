import { z } from "zod";
import { typedCode } from "./validation.js";

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
