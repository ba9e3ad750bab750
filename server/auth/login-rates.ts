import { Schema, type Connection, type Model } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { Logger } from "../lib/logger.js";
import { createRefusalBudget, refilledTokens, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { clientKey, createIpRateLimiter } from "./login-throttle.js";

const MINUTE = 60_000;

/**
 * Login counts kept in the node's database, so that every instance behind the load balancer
 * counts into the same number (in each instance's memory, N instances let an address try N times
 * its limit, and a restart forgot it). Three kinds of row, each dropped by the TTL index once it
 * can no longer matter: a per-minute count (`count`, `_id` `<what>:<client>:<minute>`, read in its
 * minute and the next, see `countSliding`), a token bucket (`tokens` at `at`, see `spend`), and the
 * failed-login summaries of failure-summaries.ts (`count`, `sources`, `sourcesLeftOut`, `period`,
 * `summarised`).
 */
const loginRateSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number },
    tokens: { type: Number },
    /** When `tokens` was last worked out (epoch ms of the database clock). */
    at: { type: Number },
    /** The distinct sources of a failed-login period, at most a bounded number per instance. */
    sources: { type: [String], default: undefined },
    /** Some instance counted more sources than it hands in (see failure-summaries.ts). */
    sourcesLeftOut: { type: Boolean },
    period: { type: Number },
    summarised: { type: Boolean },
    expireAt: { type: Date, required: true },
  },
  { collection: "login_rates", versionKey: false },
);
loginRateSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

export interface LoginRateDoc {
  _id: string;
  count?: number;
  tokens?: number;
  at?: number;
  sources?: string[];
  sourcesLeftOut?: boolean;
  period?: number;
  summarised?: boolean;
  expireAt: Date;
}

export function loginRateModel(conn: Connection): Model<LoginRateDoc> {
  return (
    (conn.models.LoginRate as Model<LoginRateDoc> | undefined) ??
    conn.model<LoginRateDoc>("LoginRate", loginRateSchema)
  );
}

/**
 * The attempts counted for a key, as `countSliding` answers them: `current` in the window now
 * running (the attempt just counted included), `previous` in the window before, `elapsedMs` into
 * the current window.
 */
export interface SlidingCount {
  current: number;
  previous: number;
  elapsedMs: number;
}

/** A row's count; undefined when it holds something else (the database took a write it should not have). */
function countOf(row: { count?: unknown } | null): number | undefined {
  const n = row?.count;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** How often a bucket is tried again when another instance spent from it in between. */
const SPEND_TRIES = 5;

/**
 * The shared counts. Windows and buckets run on `clock`, the node's database clock (see
 * AuthServiceOptions.now): on each instance's own clock, two instances apart would count one
 * attempt into different windows.
 */
export function createLoginRates(conn: Connection, clock: () => Date) {
  const Rates = loginRateModel(conn);
  async function add(_id: string, minute: number): Promise<number> {
    const row = await Rates.findOneAndUpdate(
      { _id },
      // Kept through the next minute, whose sliding count reads it, and one more: the TTL monitor
      // runs on the database's own clock, which the instances' reading of it may trail a little.
      { $inc: { count: 1 }, $setOnInsert: { expireAt: new Date((minute + 3) * MINUTE) } },
      { upsert: true, returnDocument: "after" },
    ).lean();
    const counted = countOf(row);
    if (counted === undefined) throw new Error(`login count ${_id} is not a count`);
    return counted;
  }

  /** Counts one more into `_id` (one atomic upsert); answers the count, this one included. */
  function count(_id: string, minute: number): Promise<number> {
    // Two instances creating the same row at once: the loser's insert collides, and its retry
    // finds the row there and counts into it.
    return add(_id, minute).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
      return add(_id, minute);
    });
  }

  /** One try at taking a token from `key`'s bucket: true or false, or null when it changed under us. */
  async function trySpend(key: string, perMinute: number, t: number): Promise<boolean | null> {
    // Gone once it would be full again anyway: a full bucket and no row are the same.
    const expireAt = new Date(t + 2 * MINUTE);
    const row = await Rates.findById(key, { tokens: 1, at: 1 }).lean();
    if (!row || row.tokens === undefined || row.at === undefined) {
      if (perMinute < 1) return false;
      return Rates.create({ _id: key, tokens: perMinute - 1, at: t, expireAt }).then(
        () => true,
        (err: unknown) => {
          if (isDuplicateKey(err)) return null;
          throw err;
        },
      );
    }
    // Another instance's database clock may read a few ms behind the one that wrote `at`: no
    // refill then. A bucket written more than a minute "later" than now is from a clock that was
    // set back (or a test's clock of its own): it would be full by now on any clock, so it is.
    const setBack = t < row.at - MINUTE;
    const at = setBack ? t : Math.max(t, row.at);
    const tokens = setBack ? perMinute : refilledTokens(row.tokens, row.at, at, perMinute);
    // A refusal writes nothing: a flood past the budget costs one read each.
    if (tokens < 1) return false;
    const spent = await Rates.updateOne(
      { _id: key, tokens: row.tokens, at: row.at },
      { $set: { tokens: tokens - 1, at, expireAt } },
    );
    return spent.matchedCount === 1 ? true : null;
  }

  return {
    /**
     * Counts one attempt for `key` now and answers its sliding count: the attempts of the minute
     * window now running (this one included) and those of the window before, weighted by how much
     * of that window is still inside the minute ending now (the two-bucket estimate; it takes the
     * previous window's attempts as spread evenly over it). Counted per whole minute instead, an
     * address spent its limit at the end of one minute and again at the start of the next.
     */
    async countSliding(key: string): Promise<SlidingCount> {
      // One reading of the clock for the window and the weight: read twice, an attempt at the turn
      // could take the new window's count with the old window's weight.
      const t = clock().getTime();
      const minute = Math.floor(t / MINUTE);
      // The previous window is closed (on the node's clock): read alongside the count, not after.
      // An instance whose reading of the database clock trails this one's by a few ms may still
      // count into it after this read: missed are only the attempts in flight in those ms.
      const [current, previousRow] = await Promise.all([
        count(`${key}:${minute}`, minute),
        Rates.findById(`${key}:${minute - 1}`, { count: 1 }).lean(),
      ]);
      const previous = previousRow ? countOf(previousRow) : 0;
      // A count that is no count would read as none: the attempt must not be let through on it.
      if (previous === undefined) throw new Error(`login count ${key}:${minute - 1} is not a count`);
      return { current, previous, elapsedMs: t - minute * MINUTE };
    },
    /**
     * Takes one of `perMinute` tokens from `key`'s bucket, which refills continuously at
     * `perMinute` a minute up to `perMinute` (as createRefusalBudget's do in memory): true when
     * taken. Counted per whole minute instead, a burst straddling a minute's turn got two minutes'
     * worth. Read, then written only if nobody wrote in between (compare and set); a bucket still
     * contended after a few tries answers false, the side that admits less.
     */
    async spend(key: string, perMinute: number): Promise<boolean> {
      for (let i = 0; i < SPEND_TRIES; i++) {
        const taken = await trySpend(key, perMinute, clock().getTime());
        if (taken !== null) return taken;
      }
      return false;
    },
    /** Gives back a token `spend` took (the other budget it was spent with refused). */
    async refund(key: string): Promise<void> {
      await Rates.updateOne({ _id: key, tokens: { $exists: true } }, { $inc: { tokens: 1 } });
    },
  };
}
export type LoginRates = ReturnType<typeof createLoginRates>;

/** The login could not be counted: refused (fail closed), or a database outage would lift the limit. */
function countUnavailable(cause: unknown): AppError {
  return new AppError("login_limit_unavailable", 503, "暂时无法登录，请稍后再试", undefined, { cause });
}

/**
 * Whether an attempt counted as `c` is over `limit` a sliding minute: null when it is within it,
 * else how long until one more attempt would be (if nobody else tries meanwhile), for the refusal's
 * retry-after. In whole milliseconds and counts, so that no rounding lets one more through: the
 * estimate `current + previous × (MINUTE − elapsed) / MINUTE` is compared multiplied by MINUTE.
 */
export function slidingRefusal(c: SlidingCount, limit: number): number | null {
  if (c.current * MINUTE + c.previous * (MINUTE - c.elapsedMs) <= limit * MINUTE) return null;
  // The next attempt counts one more in this window; the previous one weighs less as it leaves.
  if (c.current + 1 <= limit && c.previous > 0) {
    const at = MINUTE - Math.floor(((limit - c.current - 1) * MINUTE) / c.previous);
    if (at < MINUTE) return at - c.elapsedMs;
  }
  // Else in the next window, where this window's count is the previous one.
  const nextAt = Math.min(MINUTE, Math.max(0, MINUTE - Math.floor(((limit - 1) * MINUTE) / c.current)));
  return MINUTE - c.elapsedMs + nextAt;
}

/**
 * Login attempts per client (IPv4 address or IPv6 /64, see clientKey) per sliding minute (see
 * `countSliding`), across every instance of the node: a line against password spraying across many
 * names (the per-name lockout is the other). Each instance first counts in memory at the same
 * limit, which can only refuse earlier, never let more through: a flood at one instance is refused
 * there without a database write per attempt. An attempt that cannot be counted is refused with
 * `login_limit_unavailable`.
 *
 * What the estimate bounds: in any span of `d` ms around a window's turn an address is let through
 * at most `limit × (1 + d / MINUTE)` (the fixed windows let through twice the limit in a moment).
 * A whole minute holding the end of one window and most of the next may still let through up to
 * twice the limit, spread over that minute, when the previous window's attempts all came at its
 * end: the estimate takes them as spread evenly. Over longer spans, the limit a minute on average.
 */
export function createLoginRateLimiter(limitPerMinute: number, rates: LoginRates) {
  const local = createIpRateLimiter(limitPerMinute);
  return {
    /**
     * Counts an attempt from `ip`; throws 429 past the limit (`details.retryAfterSeconds`: when one
     * more would be let through if the client waits), 503 when it cannot be counted. Refused
     * attempts count too: an address that keeps trying past its limit stays refused.
     */
    async hit(ip: string): Promise<void> {
      local.hit(ip);
      const counted = await rates.countSliding(`ip:${clientKey(ip)}`).catch((err: unknown) => {
        throw countUnavailable(err);
      });
      const wait = slidingRefusal(counted, limitPerMinute);
      if (wait !== null) {
        const retryAfterSeconds = Math.max(1, Math.ceil(wait / 1000));
        throw errors.tooMany("登录请求过于频繁，请稍后再试", { retryAfterSeconds });
      }
    },
  };
}
export type LoginRateLimiter = ReturnType<typeof createLoginRateLimiter>;

/**
 * The failed-login audit budget (FAILED_LOGIN_BUDGET in auth.service.ts) in shared token buckets:
 * at most `perSourcePerMinute` entries per client and `totalPerMinute` in all reach the audit chain
 * one by one, node-wide, whatever the number of instances; a burst gets a bucket's worth and then
 * its rate, wherever the minute turns. A token is spent from both buckets or from neither: a
 * source over its own budget spends none of everyone's. Each instance first asks its own buckets
 * in memory at the same numbers (createRefusalBudget), which see only its share of the failures
 * and so spare the database the budget's reads and writes for most of a flood; the shared
 * buckets decide every admission. Failures not admitted are summed up (failure-summaries.ts).
 */
export function createFailedLoginBudget(
  options: RefusalBudgetOptions,
  rates: LoginRates,
  logger: Logger,
  clock: () => Date,
) {
  const local = createRefusalBudget({ ...options, now: () => clock().getTime() });
  const EVERYONE = "failed-all";

  async function sharedAdmits(key: string): Promise<boolean> {
    if (!(await rates.spend(key, options.perSourcePerMinute))) return false;
    if (await rates.spend(EVERYONE, options.totalPerMinute)) return true;
    await rates.refund(key);
    return false;
  }

  return {
    /** True when this failed login from `source` is audited one by one; false when it is only summed up. */
    async admit(source: string): Promise<boolean> {
      if (!local.admit(source)) return false;
      return sharedAdmits(`failed:${source}`).catch((err: unknown) => {
        logger.warn({ err }, "failed-login budget not read; the failure is summed up");
        return false;
      });
    },
  };
}
