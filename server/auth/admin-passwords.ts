/**
 * The passwords set for someone else (an admin's new account, a seed script's) and the common
 * password refusal every password set goes through. Kept apart from staff-accounts.ts, so the
 * account rules read there without the hashing and its bound on scrypts (password-gate.ts).
 */
import { isCommonPassword } from "../contracts/auth.js";
import { errors } from "../lib/errors.js";
import { unusablePasswordHash } from "./grant-approvals.js";
import { hashPassword } from "./password.js";
import type { CheckPassword, PasswordGate } from "./password-gate.js";

/** Refuses a password every guesser tries first (see isCommonPassword), wherever one is set. */
export function assertNotCommon(password: string): void {
  if (isCommonPassword(password))
    throw errors.badRequest("password_too_common", "该密码过于常见，很容易被猜中，请换一个");
}

/**
 * A new account's hashes: of the password chosen for it and, when it waits for a second admin
 * (`waits`: a privileged account an admin makes), of the unusable one it has until approved.
 * An admin's request hashes within the logins' bound (`gate`); seeding (`seeded`, no acting admin)
 * is no request: it hashes outside the bound.
 */
export async function newAccountHashes(
  gate: PasswordGate,
  password: string,
  { seeded, waits }: { seeded: boolean; waits: boolean },
): Promise<{ passwordHash: string; unusable: string | null }> {
  const hashes = async (check: CheckPassword) => ({
    passwordHash: await check(() => hashPassword(password)),
    unusable: waits ? await check(unusablePasswordHash) : null,
  });
  return seeded ? hashes((run) => run()) : gate.admit(hashes);
}
