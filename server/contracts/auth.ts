import { z } from "zod";

/** Roles of roadcert users (see server/auth/index.ts for what each may do). */
export const Role = z.enum(["candidate", "examiner", "reviewer", "proctor", "officer", "admin", "hub_operator"]);
export type Role = z.infer<typeof Role>;

/** GB/T 2260 six-digit division code (province XX0000, city XXXX00, county XXXXXX). */
export const DivisionCode = z.string().regex(/^\d{6}$/, "行政区划代码须为 6 位数字");

/**
 * Who is acting: what passport puts on `req.user` and on `socket.data.user`. Staff act inside a
 * division; candidates carry their registration and scheduled session.
 */
export const AuthUser = z.object({
  id: z.string(),
  kind: z.enum(["staff", "candidate"]),
  roles: z.array(Role),
  displayName: z.string(),
  /** The division the user acts in (a candidate: the division of the registering authority). */
  divisionCode: DivisionCode,
  /** The node's province (GB/T 2260) or null on the hub. */
  provinceCode: z.string().nullable(),
  /** Test centre a proctor belongs to. */
  testCentreId: z.string().optional(),
  /** For candidates: their exam session and seat binding. */
  candidate: z
    .object({ candidateId: z.string(), sessionId: z.string(), ticketNo: z.string(), seatId: z.string().optional() })
    .optional(),
});
export type AuthUser = z.infer<typeof AuthUser>;
