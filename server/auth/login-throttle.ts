import ipaddr from "ipaddr.js";
import type { ClientSession, Connection } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import { loginThrottleModel } from "./user.model.js";

/** Lockout policy: `maxFailures` failed logins within `windowMs` lock the name for `lockMs`. */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

/**
 * Per-name lockout in the database (shared by every instance of the node). Its times are read off
 * `clock`, the node's database clock: on each instance's own clock, a lock written by one instance
 * and read by another ran longer or shorter by however far their clocks were apart (not at all
 * where the reader ran ahead by more than the lock), and the TTL index that drops the row runs on
 * the database's clock anyway.
 */
export function createLoginThrottle(
  conn: Connection,
  policy: LockoutPolicy = DEFAULT_LOCKOUT,
  clock: () => Date = () => new Date(),
) {
  const Throttle = loginThrottleModel(conn);
  /** A row touched at `now` outlives its window and a lock taken now (then the TTL index drops it). */
  const expiry = (now: Date) => new Date(now.getTime() + policy.windowMs + policy.lockMs);
  /** Locks the name unless it is locked already; returns until when it is locked. */
  async function lock(key: string, now: Date): Promise<Date> {
    const until = new Date(now.getTime() + policy.lockMs);
    const row = await Throttle.findOneAndUpdate(
      { key, $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }] },
      { $set: { lockedUntil: until, failures: 0, windowStartedAt: now, expireAt: expiry(now) } },
      { returnDocument: "after" },
    ).lean();
    if (row) return until;
    return (await Throttle.findOne({ key }).lean())?.lockedUntil ?? until;
  }
  return {
    /**
     * Counts an attempt before its password is checked, and throws 423 `account_locked` while the
     * name is locked or when the attempt is past the limit. Counting first is what makes the limit
     * hold for attempts sent at once: each takes its number in one atomic increment, so the sixth
     * of sixty parallel guesses is refused before any scrypt work (checking "not locked" and then
     * counting the failure after the check let all sixty through). `reset` on success clears it.
     */
    async attempt(key: string, now = clock()): Promise<number> {
      const windowFloor = new Date(now.getTime() - policy.windowMs);
      // Restart the window when the last one has expired (never under a lock still running),
      // then count this attempt; the count comes back with the lock, so one read decides.
      await Throttle.updateOne(
        {
          key,
          windowStartedAt: { $lt: windowFloor },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }],
        },
        { $set: { failures: 0, windowStartedAt: now, lockedUntil: null } },
      );
      const row = await Throttle.findOneAndUpdate(
        { key },
        { $inc: { failures: 1 }, $set: { expireAt: expiry(now) }, $setOnInsert: { windowStartedAt: now } },
        { upsert: true, returnDocument: "after" },
      ).lean();
      if (row?.lockedUntil && row.lockedUntil > now) throw lockedError(row.lockedUntil, now);
      const counted = row?.failures ?? 1;
      if (counted > policy.maxFailures) throw lockedError(await lock(key, now), now);
      return counted;
    },
    /** The attempt `attempt` counted as `counted` failed: the one that reaches the limit locks the name. */
    async failed(key: string, counted: number, now = clock()): Promise<{ locked: boolean }> {
      if (counted < policy.maxFailures) return { locked: false };
      await lock(key, now);
      return { locked: true };
    },
    /** The locks in effect now among `keys` (key → until); names never locked are absent. */
    async locksOf(keys: readonly string[], now = clock()): Promise<Map<string, Date>> {
      const rows = await Throttle.find({ key: { $in: keys }, lockedUntil: { $gt: now } }).lean();
      return new Map(rows.flatMap((r) => (r.lockedUntil ? [[r.key, r.lockedUntil] as const] : [])));
    },
    async reset(key: string): Promise<void> {
      await Throttle.deleteOne({ key });
    },
    /**
     * Clears every name starting with `prefix` (a candidate's lockouts at each seat or address),
     * in `session` when given; answers how many of them were locked at `now`.
     */
    async resetPrefix(prefix: string, session?: ClientSession, now = clock()): Promise<number> {
      const filter = { key: { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}` } };
      const locked = await Throttle.countDocuments({ ...filter, lockedUntil: { $gt: now } }, { session });
      await Throttle.deleteMany(filter, { session });
      return locked;
    },
  };
}
export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** 423 Locked, with the minutes left at `now` (the same answer for existing and unknown names). */
export function lockedError(until: Date, now: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return new AppError("account_locked", 423, `登录失败次数过多，请 ${minutes} 分钟后再试`);
}

/** Addresses a limiter keeps windows for; past it, finished windows go first, then the oldest. */
const LIMITER_CAPACITY = 10_000;

/**
 * Who an IP limit counts: an IPv4 address (also as IPv4-mapped IPv6), or an IPv6 /64. One
 * IPv6 customer is routinely given a whole /64, so counting single addresses let one client
 * rotate through 2^64 of them.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(":")}::/64`;
}

/**
 * In-memory fixed-window limit of login attempts per client (IPv4 address or IPv6 /64; a first
 * line against password spraying across many names; the per-name lockout above is the durable
 * one).
 */
export function createIpRateLimiter(limitPerMinute: number) {
  const windows = new Map<string, { start: number; count: number }>();
  /**
   * Room for one more client without forgetting a client that is over the limit (clearing every
   * window let a flood of new addresses lift a client's limit): finished windows go first, then
   * the oldest of those still under the limit.
   */
  function makeRoom(now: number): void {
    if (windows.size < LIMITER_CAPACITY) return;
    for (const [key, w] of windows) if (now - w.start >= 60_000) windows.delete(key);
    // Map order is insertion order: the oldest windows are first.
    for (const [key, w] of windows) {
      if (windows.size < LIMITER_CAPACITY) break;
      if (w.count <= limitPerMinute) windows.delete(key);
    }
  }
  return {
    hit(ip: string, now = Date.now()): void {
      const key = clientKey(ip);
      const w = windows.get(key);
      if (!w || now - w.start >= 60_000) {
        windows.delete(key);
        makeRoom(now);
        windows.set(key, { start: now, count: 1 });
        return;
      }
      w.count += 1;
      if (w.count > limitPerMinute) {
        // The same refusal as the shared limit's (login-rates.ts), retry-after included.
        const retryAfterSeconds = Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
        throw errors.tooMany("登录请求过于频繁，请稍后再试", { retryAfterSeconds });
      }
    },
  };
}
