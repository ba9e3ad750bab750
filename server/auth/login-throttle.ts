import ipaddr from "ipaddr.js";
import type { ClientSession, Connection } from "mongoose";
import { AppError } from "../lib/errors.js";
import { loginThrottleModel } from "./user.model.js";

/**
 * Lockout policy: `maxFailures` failed logins within `windowMs` from one source lock the name
 * there for `lockMs`; `nameMaxFailures` from every source together lock it everywhere.
 */
export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  /**
   * Failures of a staff name from all sources together that lock it everywhere (guessing spread
   * over many addresses); default 50. Far above `maxFailures`: reaching it takes a guesser ten
   * addresses or more, while a lock by five failures from anywhere let anyone shut a proctor out.
   */
  nameMaxFailures?: number;
}

export const DEFAULT_LOCKOUT: Required<LockoutPolicy> = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  nameMaxFailures: 50,
};

/**
 * The key counting `key`'s failures from one source (a client address, a seat): `<key>@<source>`.
 * `reset(key)` and `locksOf([key])` cover these too. `key` must hold no "@" of its own (the
 * staff keys encode the typed name, see `staffLockoutKeys`), else one name's key could be another
 * name's key at some source.
 */
export function sourceLockoutKey(key: string, source: string): string {
  return `${key}@${source}`;
}

/**
 * A staff login name's lockout keys: the name from every source (`name`), and the name from the
 * client key of `ip` (`source`, as the per-IP limit counts it). The typed name is URI-encoded, so
 * no "@" in it (a name nobody may have) reaches another name's key at some address; a name an
 * account may have (letters, digits, `._-`) is its own encoding.
 */
export function staffLockoutKeys(name: string, ip: string | undefined): { name: string; source: string } {
  const key = `staff:${encodeURIComponent(name)}`;
  return { name: key, source: sourceLockoutKey(key, clientKey(ip ?? "")) };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Matches `key` and its per-source keys (`sourceLockoutKey`). */
const keyAndSources = (key: string) => ({
  $in: [key, new RegExp(`^${escapeRegex(sourceLockoutKey(key, ""))}`)],
});

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
    async attempt(key: string, now = clock(), maxFailures = policy.maxFailures): Promise<number> {
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
      if (counted > maxFailures) throw lockedError(await lock(key, now), now);
      return counted;
    },
    /**
     * The attempt `attempt` counted as `counted` failed: the one that reaches the limit (the one
     * `attempt` was given) locks the name.
     */
    async failed(
      key: string,
      counted: number,
      now = clock(),
      maxFailures = policy.maxFailures,
    ): Promise<{ locked: boolean }> {
      if (counted < maxFailures) return { locked: false };
      await lock(key, now);
      return { locked: true };
    },
    /**
     * The attempt `attempt` counted succeeded, on a key others' failures count on too (a staff
     * name from every source): it no longer counts, theirs still do. Clearing the count let each
     * login of the holder give a guesser spread over many addresses the whole limit again.
     */
    async forgive(key: string): Promise<void> {
      await Throttle.updateOne({ key, failures: { $gt: 0 } }, { $inc: { failures: -1 } });
    },
    /**
     * The locks in effect now among `keys` (key → until, the latest), each key counting as locked
     * when it is or when it is at some source (`sourceLockoutKey`); names never locked are absent.
     */
    async locksOf(keys: readonly string[], now = clock()): Promise<Map<string, Date>> {
      if (keys.length === 0) return new Map();
      const rows = await Throttle.find({
        $or: keys.map((key) => ({ key: keyAndSources(key) })),
        lockedUntil: { $gt: now },
      }).lean();
      const locks = new Map<string, Date>();
      for (const r of rows) {
        const key = keys.find((k) => r.key === k || r.key.startsWith(sourceLockoutKey(k, "")));
        const before = key === undefined ? undefined : locks.get(key);
        if (key !== undefined && r.lockedUntil && !(before && before >= r.lockedUntil))
          locks.set(key, r.lockedUntil);
      }
      return locks;
    },
    /** Clears `key`'s count and lock, and those of its per-source keys (an admin's unlock of a name). */
    async reset(key: string): Promise<void> {
      await Throttle.deleteMany({ key: keyAndSources(key) });
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

/** Keys the in-memory login counts keep; past it, keys that refuse nothing go first, oldest first. */
const LIMITER_CAPACITY = 10_000;

const MINUTE = 60_000;

/**
 * Who an IP limit counts: an IPv4 address (also as IPv4-mapped IPv6), or an IPv6 /64. One
 * IPv6 customer is routinely given a whole /64, so counting single addresses let one client
 * rotate through 2^64 of them.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === "ipv4") return parsed.toString();
  return ipv6Prefix(parsed as ipaddr.IPv6, 4);
}

/**
 * The IPv6 /48 an address lies in (null for IPv4 and what is no address): a site is routinely
 * given a whole /48, so one holder of it could rotate through 65,536 /64s, each with a limit of
 * its own.
 */
export function networkKey(ip: string): string | null {
  if (!ipaddr.isValid(ip)) return null;
  const parsed = ipaddr.process(ip);
  return parsed.kind() === "ipv6" ? ipv6Prefix(parsed as ipaddr.IPv6, 3) : null;
}

function ipv6Prefix(address: ipaddr.IPv6, groups: number): string {
  const parts = address.parts.slice(0, groups);
  return `${parts.map((p) => p.toString(16)).join(":")}::/${groups * 16}`;
}

/**
 * The attempts counted for a key: `current` let through in the minute window now running,
 * `previous` in the window before, `elapsedMs` into the current window.
 */
export interface SlidingCount {
  current: number;
  previous: number;
  elapsedMs: number;
}

/**
 * Whether one more attempt on top of `c` is over `limit` a sliding minute: null when it fits, else
 * how long until it would (if nobody is let through meanwhile), for the refusal's retry-after.
 * Refused attempts are not in `c`: counted, a room behind one NAT that overran its limit kept
 * itself refused for as long as it retried. In whole milliseconds and counts, so that no rounding
 * lets one more through: the estimate `current + 1 + previous × (MINUTE − elapsed) / MINUTE` is
 * compared multiplied by MINUTE. The estimate only falls while nobody is let through, so the wait
 * is the first moment it fits.
 */
export function slidingRefusal(c: SlidingCount, limit: number): number | null {
  if ((c.current + 1) * MINUTE + c.previous * (MINUTE - c.elapsedMs) <= limit * MINUTE) return null;
  // Still in this window, where the previous one weighs less as it leaves.
  if (c.current + 1 <= limit && c.previous > 0) {
    const at = MINUTE - Math.floor(((limit - c.current - 1) * MINUTE) / c.previous);
    if (at < MINUTE) return at - c.elapsedMs;
  }
  // Else in the next window, where this window's count is the previous one.
  const nextAt = c.current === 0 ? 0 : Math.max(0, MINUTE - Math.floor(((limit - 1) * MINUTE) / c.current));
  return MINUTE - c.elapsedMs + nextAt;
}

/**
 * One instance's own login counts per key, in memory, on the minute windows and the clock of the
 * shared ones (login-rates.ts): the attempts this instance sent on to the shared count and it did
 * not refuse, and until when the shared count last refused each key. Never more than the shared
 * count holds for the key, so a refusal here is one the shared count would give too (a flood at
 * one instance is refused there without a database read each); not in its own fixed windows,
 * which refused a room up to a minute after the shared count would have let it in.
 */
export function createLocalLoginCounts(capacity = LIMITER_CAPACITY) {
  interface Counts {
    minute: number;
    current: number;
    previous: number;
    limit: number;
    refusedUntil: number;
  }
  const counts = new Map<string, Counts>();

  /** `key`'s counts moved on to the window of `t` (undefined: none kept). */
  function at(key: string, t: number): Counts | undefined {
    const c = counts.get(key);
    const minute = Math.floor(t / MINUTE);
    if (!c || c.minute === minute) return c;
    // A clock set back starts the counts afresh: the shared count decides anyway.
    c.previous = c.minute === minute - 1 ? c.current : 0;
    c.current = 0;
    c.minute = minute;
    return c;
  }
  const sliding = (c: Counts, t: number): SlidingCount => ({
    current: c.current,
    previous: c.previous,
    elapsedMs: t - c.minute * MINUTE,
  });
  /** What one more attempt for `c` at `t` would wait (null: none). */
  function wait(c: Counts, t: number): number | null {
    if (c.refusedUntil > t) return c.refusedUntil - t;
    return slidingRefusal(sliding(c, t), c.limit);
  }
  /**
   * Room for one more key without forgetting a key that refuses (clearing every count let a flood
   * of new addresses lift a client's limit): map order is insertion order, the oldest go first.
   */
  function makeRoom(t: number): void {
    if (counts.size < capacity) return;
    for (const [key, c] of counts) {
      if (counts.size < capacity) break;
      at(key, t);
      if (wait(c, t) === null) counts.delete(key);
    }
  }

  return {
    /** How long an attempt for `key` at `t` must wait here (null: send it on to the shared count). */
    refusal(key: string, limit: number, t: number): number | null {
      const c = at(key, t);
      return c ? wait({ ...c, limit }, t) : null;
    },
    /** Counts an attempt for `key` sent on at `t`. */
    count(key: string, limit: number, t: number): void {
      let c = at(key, t);
      if (!c) {
        makeRoom(t);
        c = { minute: Math.floor(t / MINUTE), current: 0, previous: 0, limit, refusedUntil: 0 };
        counts.set(key, c);
      }
      c.limit = limit;
      c.current += 1;
    },
    /** The attempt counted at `countedAt` was not let through: it no longer counts. */
    uncount(key: string, countedAt: number): void {
      const c = counts.get(key);
      if (!c) return;
      const minute = Math.floor(countedAt / MINUTE);
      if (c.minute === minute) c.current = Math.max(0, c.current - 1);
      else if (c.minute === minute + 1) c.previous = Math.max(0, c.previous - 1);
    },
    /** The shared count refused `key` until `until`: nobody is let through before then. */
    refuseUntil(key: string, until: number): void {
      const c = counts.get(key);
      if (c) c.refusedUntil = Math.max(c.refusedUntil, until);
    },
  };
}
export type LocalLoginCounts = ReturnType<typeof createLocalLoginCounts>;
