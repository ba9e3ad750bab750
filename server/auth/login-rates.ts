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
 * can no longer matter: a per-minute count (`count`, `_id` `<what>:<client>:<minute>`), a token
 * bucket (`tokens` at `at`, see `spend`), and the failed-login summaries of failure-summaries.ts
 * (`count`, `sources`, `sourcesLeftOut`, `period`, `summarised`).
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
      { $inc: { count: 1 }, $setOnInsert: { expireAt: new Date((minute + 2) * MINUTE) } },
      { upsert: true, returnDocument: "after" },
    ).lean();
    return row?.count ?? 1;
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
    /** The window `count` counts in now. */
    minute: (): number => Math.floor(clock().getTime() / MINUTE),
    /** Counts one more for `key` in `minute`'s window (one atomic upsert); answers the count, this one included. */
    async count(key: string, minute: number): Promise<number> {
      const id = `${key}:${minute}`;
      // Two instances creating the same row at once: the loser's insert collides, and its retry
      // finds the row there and counts into it.
      return add(id, minute).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
        return add(id, minute);
      });
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
 * Login attempts per client (IPv4 address or IPv6 /64, see clientKey) per minute, across every
 * instance of the node: a line against password spraying across many names (the per-name lockout
 * is the other). Each instance first counts in memory at the same limit, which can only refuse
 * earlier, never let more through: a flood at one instance is refused there without a database
 * write per attempt. An attempt that cannot be counted is refused with `login_limit_unavailable`.
 */
export function createLoginRateLimiter(limitPerMinute: number, rates: LoginRates) {
  const local = createIpRateLimiter(limitPerMinute);
  return {
    /** Counts an attempt from `ip`; throws 429 past the limit, 503 when it cannot be counted. */
    async hit(ip: string): Promise<void> {
      local.hit(ip);
      const counted = await rates.count(`ip:${clientKey(ip)}`, rates.minute()).catch((err: unknown) => {
        throw countUnavailable(err);
      });
      if (counted > limitPerMinute) throw errors.tooMany("登录请求过于频繁，请稍后再试");
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
