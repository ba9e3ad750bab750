import { AppError } from "../lib/errors.js";

/**
 * Password checks running at once (the other logins admitted wait their turn). A staff login's
 * scrypt (password.ts) holds one of libuv's four shared threads, which also serve file reads and
 * zlib; two leave the other two to them.
 */
const RUNNING = 2;

/** A login refused because the node's logins are full: the same for every name. */
const loginBusy = () => new AppError("login_busy", 503, "登录请求过多，请稍后重试", { retryAfterSeconds: 1 });

/** Runs a password check within the bound on checks running at once. */
export type CheckPassword = <R>(check: () => Promise<R>) => Promise<R>;

/**
 * A bound on the staff logins of one auth service (one node instance): at most `places` in
 * progress at once, of which RUNNING (fewer if `places` is smaller) check their password while
 * the rest wait their turn. The per-address login limit alone let some sixty addresses keep every
 * libuv thread hashing. Past the bound a login is refused `login_busy` at once, never queued
 * without end, and before anything of its name is read or counted: the refusal is alike for
 * every name, and counts toward no lockout (its password was never tried).
 *
 * Every other scrypt on a request (a password change's check and new hash, an admin's reset, a new
 * account's hash, a grant that ends a password) takes a place the same way, and is refused alike:
 * bounded only at the login, a burst of password changes was scrypt work without bound.
 */
export function createPasswordGate(places: number) {
  const running = Math.max(1, Math.min(RUNNING, places));
  let admitted = 0;
  let checking = 0;
  const waiting: (() => void)[] = [];

  const check: CheckPassword = async (run) => {
    if (checking < running) checking++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await run();
    } finally {
      // A waiting check takes the place over: `checking` stays as it is.
      const next = waiting.shift();
      if (next) next();
      else checking--;
    }
  };

  /** Admits one login to run `login` (given `check` for its password), or throws `login_busy`. */
  async function admit<T>(login: (check: CheckPassword) => Promise<T>): Promise<T> {
    if (admitted >= places) throw loginBusy();
    admitted++;
    try {
      return await login(check);
    } finally {
      admitted--;
    }
  }

  return {
    admit,
    /** Runs password work outside a login (one or more hashes in turn) under the same bound, or throws `login_busy`. */
    run: <R>(work: () => Promise<R>): Promise<R> => admit((c) => c(work)),
  };
}
export type PasswordGate = ReturnType<typeof createPasswordGate>;
