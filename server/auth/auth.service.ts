import { Types, type ClientSession, type Connection } from "mongoose";
import type { AuthUser, CandidateLoginBody, StaffRole } from "../contracts/auth.js";
import { createAuditService, type AuditLog } from "../audit/index.js";
import { AppError, errors } from "../lib/errors.js";
import { createLogger, type Logger } from "../lib/logger.js";
import type { RefusalBudgetOptions } from "../lib/refusal-budget.js";
import {
  clientKey,
  createLoginThrottle,
  DEFAULT_LOCKOUT,
  staffLockoutKeys,
  type LockoutPolicy,
} from "./login-throttle.js";
import { createFailedLoginBudget, createLoginRates } from "./login-rates.js";
import { createFailureSummaries } from "./failure-summaries.js";
import { dummyHash, hashPassword, verifyPassword } from "./password.js";
import { createPasswordGate } from "./password-gate.js";
import { candidateLockoutPrefix, createCandidateCheck, type CandidateLoginPort } from "./candidate-login.js";
import { endStaffLogins } from "./session.js";
import { assertNotCommon } from "./admin-passwords.js";
import { createStaffAccounts, type StaffLean } from "./staff-accounts.js";
import { staffUserModel } from "./user.model.js";
import { withCredEpoch } from "./cred-epoch.js";

export { type CandidateLoginPort, type CandidateTicket } from "./candidate-login.js";

/** The same answer for an unknown name and a wrong password: no user enumeration. */
const invalidCredentials = () => errors.unauthorized("用户名或密码错误", "invalid_credentials");

export interface AuthServiceOptions {
  provinceCode: string | null;
  lockout?: LockoutPolicy;
  candidates: CandidateLoginPort;
  /** Where logins and account changes are audited (default: this database's log). */
  audit?: AuditLog;
  /** Password check (injected so tests can observe that unknown names cost the same scrypt work). */
  verifyPassword?: (password: string, stored: string) => Promise<boolean>;
  /**
   * Staff logins in progress at once in this service, two of them checking their password
   * (password-gate.ts; config LOGIN_PASSWORD_CHECKS_MAX); past it a login is refused `login_busy`,
   * and so is every other request that hashes a password (a change, an admin's reset or new account).
   * Default 8.
   */
  maxPasswordChecks?: number;
  /**
   * The time login decisions are made at (a candidate's window, lockouts): the node's database
   * clock, which exam delivery decides by, so every instance and the socket answer alike (wired in
   * server/features.ts). Default: this instance's own clock.
   */
  now?: () => Date;
  /** How many failed logins are audited one by one (default FAILED_LOGIN_BUDGET); the rest are summed up. */
  failedLoginBudget?: RefusalBudgetOptions;
  logger?: Logger;
}

/**
 * Failed logins audited one by one: 10 a minute per client address and 120 a minute in all, across
 * every instance of the node (counted in the database, see login-rates.ts); the rest are counted
 * and audited as one summary a minute for the whole node (failure-summaries.ts). Anyone can send a failed login, and each
 * was an entry in the hash-chained audit log that every audited action waits behind: a flood from
 * many addresses held proctors' and officers' actions. The lockouts count every failure still.
 */
const FAILED_LOGIN_BUDGET: RefusalBudgetOptions = {
  perSourcePerMinute: 10,
  totalPerMinute: 120,
  maxSources: 10_000,
};

/** Staff accounts, staff and candidate authentication, and the AuthUser they act as. */
export function createAuthService(conn: Connection, options: AuthServiceOptions) {
  const Users = staffUserModel(conn);
  const clock = options.now ?? (() => new Date());
  const lockout = options.lockout ?? DEFAULT_LOCKOUT;
  const throttle = createLoginThrottle(conn, lockout, clock);
  const nameWideLimit = lockout.nameMaxFailures ?? DEFAULT_LOCKOUT.nameMaxFailures;

  /**
   * Counts an attempt at a staff name's password (a login, or the current password on a change)
   * under both its locks, before the password is checked: the name from this source (the client
   * address, as the per-IP limit counts it), and the name from every source at a far higher limit.
   * Keyed by the name alone, five wrong passwords from anyone's address locked a proctor out on
   * exam day, and again every 15 minutes; now only the guesser's own address is shut out, unless
   * the guessing is spread wide enough to reach the name-wide limit. Computed from the name as
   * typed, so an unknown name is counted and answered as a known one. Answers how to record the
   * outcome (`failed` or `succeeded`).
   */
  async function staffAttempt(name: string, ip: string | undefined) {
    const keys = staffLockoutKeys(name, ip);
    // The source first: an attempt counts before its lock is read, and an address already shut out
    // must not go on counting toward the name-wide limit (one address could then lock the name
    // everywhere). The cost: the holder retrying during a name-wide lock builds their own.
    const bySource = await throttle.attempt(keys.source);
    const byName = await throttle.attempt(keys.name, clock(), nameWideLimit);
    return {
      async failed(): Promise<void> {
        await throttle.failed(keys.source, bySource);
        await throttle.failed(keys.name, byName, clock(), nameWideLimit);
      },
      /** The source's count is cleared; the name-wide one keeps others' failures (see `forgive`). */
      async succeeded(): Promise<void> {
        await Promise.all([throttle.reset(keys.source), throttle.forgive(keys.name)]);
      },
    };
  }
  const checkCandidate = createCandidateCheck({
    throttle,
    candidates: options.candidates,
    provinceCode: options.provinceCode,
    now: clock,
  });
  const verify = options.verifyPassword ?? verifyPassword;
  const passwordGate = createPasswordGate(options.maxPasswordChecks ?? 8);
  const audit = options.audit ?? createAuditService(conn);
  const logger = options.logger ?? createLogger({ level: "warn" });
  const rates = createLoginRates(conn, clock);
  const budget = options.failedLoginBudget ?? FAILED_LOGIN_BUDGET;
  const failures = createFailedLoginBudget(budget, rates, logger, clock);
  const failureSummaries = createFailureSummaries(conn, {
    windowMs: budget.summaryWindowMs ?? 60_000,
    clock,
    audit,
    logger,
  });

  /** Every refused login is audited with its reason code, whatever refused it. */
  async function auditedLogin<T>(
    failedAction: "auth.login_failed" | "candidate.login_failed",
    loginName: string,
    ip: string | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (await failures.admit(clientKey(ip ?? "")))
        await audit.record({
          action: failedAction,
          actor: null,
          details: { loginName, reason: err instanceof AppError ? err.code : "error", ip: ip ?? "" },
        });
      // Counted in memory: a flood past the budget waits on no database write (failure-summaries.ts).
      else failureSummaries.count(clientKey(ip ?? ""));
      throw err;
    }
  }

  function toAuthUser(u: StaffLean): AuthUser {
    const user: AuthUser = {
      id: String(u._id),
      kind: "staff",
      roles: u.roles as StaffRole[],
      displayName: u.displayName,
      divisionCode: u.divisionCode,
      provinceCode: options.provinceCode,
    };
    // Lower-cased: an account bound before ids were checked may hold one typed in upper case.
    if (u.testCentreId) user.testCentreId = u.testCentreId.toLowerCase();
    if (u.mustChangePassword) user.mustChangePassword = true;
    // A login made as this user keeps the epoch of this very document (see passport.ts).
    return withCredEpoch(user, u.credEpoch);
  }

  const accounts = createStaffAccounts(conn, {
    provinceCode: options.provinceCode,
    candidates: options.candidates,
    audit,
    throttle,
    passwordGate,
  });

  /** The current AuthUser of a staff id, or null when the account is gone or inactive. */
  async function staffById(id: string): Promise<AuthUser | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const u = (await Users.findById(id).lean()) as StaffLean | null;
    return u && u.active !== false ? toAuthUser(u) : null;
  }

  return {
    toAuthUser,

    /** The time identity decides by (see AuthServiceOptions.now): the socket guard and sessions read it too. */
    now: clock,

    /**
     * A candidate's login window, asked again once the one given at login has passed: it holds on
     * while their attempt runs (see CandidateLoginPort.sittingUntil), else null.
     */
    candidateSittingUntil(user: AuthUser): Promise<Date | null> {
      const c = user.candidate;
      return c ? options.candidates.sittingUntil(c.sessionId, c.candidateId) : Promise.resolve(null);
    },

    // Staff account administration: see staff-accounts.ts.
    bootstrapUser: accounts.bootstrapUser,
    createUser: accounts.createUser,
    listUsers: accounts.listUsers,
    updateUser: accounts.updateUser,

    /**
     * A staff member changes their own password. The current password is checked under the
     * login's lockout (a taken session must not guess it at scrypt speed). The write lands only on
     * the password just checked: an admin's reset between the check and the write is not
     * overwritten (409), its flag stands. Every login of the account ends with the change, this one
     * included, which must still exist (a reset or logout meanwhile ended it: 401); the caller
     * renews it as the returned user, whose credential epoch is the change's. Returns the other
     * logins that ended. `from` is the request's address: the check counts under the login's locks
     * (`staffAttempt`), so guesses here and at the login page add up where they come from. Its
     * scrypts take a place among the logins' (password-gate.ts): past the bound it is refused
     * `login_busy` as a login is.
     */
    async changeOwnPassword(
      actor: AuthUser,
      currentPassword: string,
      newPassword: string,
      keepLogin?: string,
      from: { ip?: string } = {},
    ): Promise<{ endedLogins: string[]; user: AuthUser }> {
      const user = Types.ObjectId.isValid(actor.id)
        ? ((await Users.findById(actor.id).lean()) as StaffLean | null)
        : null;
      if (!user || user.active === false) throw invalidCredentials();
      assertNotCommon(newPassword);
      // Both scrypts under the logins' bound (password-gate.ts), admitted before the guess is
      // counted: a change refused busy tried no password and touched nothing.
      const passwordHash = await passwordGate.admit(async (check) => {
        const attempt = await staffAttempt(user.username, from.ip);
        if (!(await check(() => verify(currentPassword, user.passwordHash)))) {
          await attempt.failed();
          throw errors.badRequest("wrong_password", "当前密码不正确");
        }
        await attempt.succeeded();
        // A "change" to the same password would clear a reset's flag and leave the admin's password.
        if (newPassword === currentPassword)
          throw errors.badRequest("password_unchanged", "新密码不能与当前密码相同");
        return check(() => hashPassword(newPassword));
      });
      return audit.transaction(async (session) => {
        const changed = (await Users.findOneAndUpdate(
          { _id: user._id, passwordHash: user.passwordHash, active: { $ne: false } },
          { $set: { passwordHash, mustChangePassword: false }, $inc: { credEpoch: 1 } },
          { session, returnDocument: "after" },
        ).lean()) as StaffLean | null;
        if (!changed)
          throw errors.conflict(
            "password_changed_meanwhile",
            "密码刚被管理员重置或账号已变更，本次修改未生效，请重新登录后再试",
          );
        // Deleted in this transaction, the login's own session conflicts with a concurrent reset's
        // or logout's deletion of it, so it cannot be found "still there" after either ended it.
        const ended = await endStaffLogins(conn, session, actor.id);
        if (keepLogin !== undefined && !ended.includes(keepLogin))
          throw errors.unauthorized("登录已失效，请重新登录", "session_ended");
        const others = ended.filter((id) => id !== keepLogin);
        await audit.append(session, {
          action: "auth.password_changed",
          actor,
          divisionCode: actor.divisionCode,
          target: { type: "user", id: actor.id },
          details: { endedLogins: others.length },
        });
        return { endedLogins: others, user: toAuthUser(changed) };
      });
    },

    /**
     * Lifts a candidate's login lockouts wherever they were earned (each seat and address counts
     * its own), in the caller's transaction: the proctor in the room has checked the person. The
     * failure counts go too. Answers whether any lock was in effect.
     */
    async unlockCandidateLogins(idNumber: string, session: ClientSession): Promise<boolean> {
      return (await throttle.resetPrefix(candidateLockoutPrefix(idNumber), session)) > 0;
    },

    /** Audits the failed logins still only counted (node shutdown). */
    closeFailureSummaries: (): Promise<void> => failureSummaries.close(),

    /** Records a logout (the caller ends the login session). */
    async logout(actor: AuthUser): Promise<void> {
      await audit.record({ action: "auth.logout", actor, divisionCode: actor.divisionCode });
    },

    /**
     * Staff login. The same `invalid_credentials` answer and the same scrypt work whether the name
     * is unknown, the password is wrong or the account is inactive; the lockouts count by name,
     * existing or not, from this address and from everywhere (`staffAttempt`).
     */
    async authenticateStaff(
      username: string,
      password: string,
      from: { ip?: string } = {},
    ): Promise<AuthUser> {
      const name = username.trim().toLowerCase();
      const authUser = await auditedLogin("auth.login_failed", name, from.ip, () =>
        // Admitted before the name is counted or read (password-gate.ts): busy is alike for every name.
        passwordGate.admit(async (check) => {
          const attempt = await staffAttempt(name, from.ip);
          const user = (await Users.findOne({ username: name }).lean()) as StaffLean | null;
          const ok = await check(async () => verify(password, user?.passwordHash ?? (await dummyHash())));
          if (!user || !ok || user.active === false) {
            await attempt.failed();
            throw invalidCredentials();
          }
          await attempt.succeeded();
          return toAuthUser(user);
        }),
      );
      await audit.record({
        action: "auth.login",
        actor: authUser,
        divisionCode: authUser.divisionCode,
        details: { ip: from.ip ?? "" },
      });
      return authUser;
    },

    /**
     * Candidate login with ID number + admission ticket number, valid only from 30 minutes before
     * the session starts until it ends, and only from a seat of the session's room.
     */
    async authenticateCandidate(
      body: CandidateLoginBody,
      from: { ip?: string },
      now = clock(),
    ): Promise<{ user: AuthUser; validUntil: Date }> {
      const idNumber = body.idNumber.trim().toUpperCase();
      const result = await auditedLogin("candidate.login_failed", idNumber, from.ip, () =>
        checkCandidate(body, from, now),
      );
      const { user } = result;
      await audit.record({
        action: "candidate.login",
        actor: user,
        divisionCode: user.divisionCode,
        details: {
          ip: from.ip ?? "",
          ...(user.candidate ? { sessionId: user.candidate.sessionId, seatId: user.candidate.seatId } : {}),
        },
      });
      return result;
    },

    /**
     * The account as it is now, for the access layer: staff re-read (gone or inactive → null),
     * candidates as their login holds them (bound to one session; the login session expires with it).
     */
    currentAccount(actor: AuthUser): Promise<AuthUser | null> {
      return actor.kind === "staff" ? staffById(actor.id) : Promise.resolve(actor);
    },

    staffById,
  };
}
export type AuthService = ReturnType<typeof createAuthService>;
