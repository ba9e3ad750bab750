import type { AuthUser } from "../contracts/auth.js";

/**
 * The credential epoch (see user.model.ts `credEpoch`) of the account document each staff AuthUser
 * was made from. Kept beside the object, not in it: AuthUser is the contract's and is sent to pages.
 */
const epochs = new WeakMap<AuthUser, number>();

/** Records that `user` was made from an account document at `epoch`; returns `user`. */
export function withCredEpoch(user: AuthUser, epoch: number | null | undefined): AuthUser {
  epochs.set(user, epoch ?? 0);
  return user;
}

/** The epoch `user` was made at, or undefined for an AuthUser not made from an account document. */
export function credEpochOf(user: AuthUser): number | undefined {
  return epochs.get(user);
}
