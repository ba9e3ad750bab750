import type { Types } from "mongoose";
import type { StaffRole } from "../contracts/auth.js";
import type { StaffUserDto } from "../contracts/staff-accounts.js";
import { pendingGrantDto } from "./grant-approvals.js";
import type { StaffUserDoc } from "./user.model.js";

/** A staff account as read with `.lean()`. */
export type StaffLean = StaffUserDoc & { _id: Types.ObjectId; createdAt?: Date };

/** What the users page sees of an account: never a password hash, its own or a grant's. */
export function toDto(u: StaffLean, lockedUntil: Date | null = null): StaffUserDto {
  return {
    id: String(u._id),
    username: u.username,
    displayName: u.displayName,
    roles: u.roles as StaffRole[],
    divisionCode: u.divisionCode,
    testCentreId: u.testCentreId ?? null,
    active: u.active ?? true,
    mustChangePassword: u.mustChangePassword ?? false,
    passwordUsable: !(u.passwordUnusable ?? false),
    lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
    createdAt: (u.createdAt ?? new Date(0)).toISOString(),
    version: u.version ?? 0,
    pendingGrant: pendingGrantDto(u.pendingGrant),
  };
}
