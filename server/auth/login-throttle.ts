import type { Connection } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import { loginThrottleModel } from "./user.model.js";

/** Lockout policy: `maxFailures` failed logins within `windowMs` lock the name for `lockMs`. */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/** Per-name lockout in the database (shared by every instance of the node). */
export function createLoginThrottle(conn: Connection, policy: LockoutPolicy = DEFAULT_LOCKOUT) {
  const Throttle = loginThrottleModel(conn);
  return {
    /** Throws 423 `account_locked` while the name is locked. */
    async assertNotLocked(key: string, now = new Date()): Promise<void> {
      const row = await Throttle.findOne({ key }).lean();
      if (row?.lockedUntil && row.lockedUntil > now) {
        throw lockedError(row.lockedUntil);
      }
    },
    /** Counts one failure; locks the name when the policy's limit is reached. */
    async recordFailure(key: string, now = new Date()): Promise<{ locked: boolean }> {
      const windowFloor = new Date(now.getTime() - policy.windowMs);
      // Restart the window when the last one has expired, then count this failure.
      await Throttle.updateOne(
        { key, windowStartedAt: { $lt: windowFloor } },
        { $set: { failures: 0, windowStartedAt: now, lockedUntil: null } },
      );
      const row = await Throttle.findOneAndUpdate(
        { key },
        { $inc: { failures: 1 }, $setOnInsert: { windowStartedAt: now } },
        { upsert: true, returnDocument: "after" },
      ).lean();
      if (row && row.failures >= policy.maxFailures) {
        await Throttle.updateOne(
          { key },
          {
            $set: { lockedUntil: new Date(now.getTime() + policy.lockMs), failures: 0, windowStartedAt: now },
          },
        );
        return { locked: true };
      }
      return { locked: false };
    },
    /** The locks in effect now among `keys` (key → until); names never locked are absent. */
    async locksOf(keys: readonly string[], now = new Date()): Promise<Map<string, Date>> {
      const rows = await Throttle.find({ key: { $in: keys }, lockedUntil: { $gt: now } }).lean();
      return new Map(rows.flatMap((r) => (r.lockedUntil ? [[r.key, r.lockedUntil] as const] : [])));
    },
    async reset(key: string): Promise<void> {
      await Throttle.deleteOne({ key });
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** 423 Locked, with the minutes left (the same answer for existing and unknown names). */
export function lockedError(until: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new AppError("account_locked", 423, `登录失败次数过多，请 ${minutes} 分钟后再试`);
}

/**
 * In-memory fixed-window limit of login attempts per client IP (a first line against password
 * spraying across many names; the per-name lockout above is the durable one).
 */
export function createIpRateLimiter(limitPerMinute: number) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(ip: string, now = Date.now()): void {
      const w = windows.get(ip);
      if (!w || now - w.start >= 60_000) {
        if (windows.size > 10_000) windows.clear();
        windows.set(ip, { start: now, count: 1 });
        return;
      }
      w.count += 1;
      if (w.count > limitPerMinute) throw errors.tooMany("登录请求过于频繁，请稍后再试");
    },
  };
}
