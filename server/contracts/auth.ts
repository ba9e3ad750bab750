import { z } from "zod";
import { personName, typedCode } from "./validation.js";

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
export const StaffRole = Role.exclude(["candidate"]);
export type StaffRole = z.infer<typeof StaffRole>;

const Username = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-zA-Z0-9._-]+$/, "用户名只能包含字母、数字和 . _ -");
const Password = z.string().min(10, "密码至少 10 位").max(128);

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

export const CreateUserBody = z
  .object({
    username: Username,
    displayName: DisplayName,
    password: Password,
    roles: z.array(StaffRole).min(1).max(6),
    divisionCode: DivisionCode,
    testCentreId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    displayName: DisplayName.optional(),
    roles: z.array(StaffRole).min(1).max(6).optional(),
    divisionCode: DivisionCode.optional(),
    testCentreId: z.string().min(1).max(64).nullable().optional(),
    active: z.boolean().optional(),
    /** Admin reset: sets a new password and clears any lockout. */
    password: Password.optional(),
    unlock: z.literal(true).optional(),
  })
  .strict();
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

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
  lockedUntil: string | null;
  createdAt: string;
}
