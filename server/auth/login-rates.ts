import { Schema, type Connection, type Model } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { Logger } from "../lib/logger.js";
import { createRefusalBudget, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { clientKey, createIpRateLimiter } from "./login-throttle.js";

const MINUTE = 60_000;

/**
 * Per-minute counts of login attempts and failures, kept in the node's database so that every
 * instance behind the load balancer counts into the same number (in each instance's memory, N
 * instances let an address try N times its limit, and a restart forgot it). `_id` is
 * `<what>:<client>:<minute>`; a row is dropped by the TTL index a minute after its window.
 */
const loginRateSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    expireAt: { type: Date, required: true },
  },
  { collection: "login_rates", versionKey: false },
);
loginRateSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

interface LoginRateDoc {
  _id: string;
  count: number;
  expireAt: Date;
}

function loginRateModel(conn: Connection): Model<LoginRateDoc> {
  return (
    (conn.models.LoginRate as Model<LoginRateDoc> | undefined) ??
    conn.model<LoginRateDoc>("LoginRate", loginRateSchema)
  );
}

/**
 * The shared counts. Windows are whole minutes of `clock`, the node's database clock (see
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
 * This instance's counts in the current minute, a first check before the shared ones: the oldest
 * client is forgotten past `maxSources` (it is then only asked of the database again).
 */
function createLocalCounts(maxSources: number) {
  let window = Number.NaN;
  const counts = new Map<string, number>();
  return {
    add(key: string, minute: number): number {
      if (minute !== window) {
        counts.clear();
        window = minute;
      }
      const n = (counts.get(key) ?? 0) + 1;
      if (!counts.has(key) && counts.size >= maxSources) {
        const oldest = counts.keys().next().value;
        if (oldest !== undefined) counts.delete(oldest);
      }
      counts.set(key, n);
      return n;
    },
  };
}

/**
 * The failed-login audit budget (FAILED_LOGIN_BUDGET in auth.service.ts) in the shared counts: at
 * most `perSourcePerMinute` entries per client and `totalPerMinute` in all reach the audit chain
 * one by one each minute, node-wide, whatever the number of instances. A source over its own
 * budget spends none of everyone's. The rest are tallied in this instance's `tally` and summed up
 * by its refusal summaries (refusal-summary.ts): at most one summary entry per instance and window.
 * A failure whose count cannot be written is summed up too, never audited past the budget.
 */
export function createFailedLoginBudget(options: RefusalBudgetOptions, rates: LoginRates, logger: Logger) {
  const local = createLocalCounts(options.maxSources);
  // A budget of nothing admits no refusal: it only counts them, and sources, for the summary.
  const tally = createRefusalBudget({ ...options, perSourcePerMinute: 0, totalPerMinute: 0 });
  const EVERYONE = "failed-all";

  async function sharedAdmits(key: string, minute: number): Promise<boolean> {
    if ((await rates.count(key, minute)) > options.perSourcePerMinute) return false;
    return (await rates.count(EVERYONE, minute)) <= options.totalPerMinute;
  }

  return {
    tally,
    /** True when this failed login from `source` is audited one by one; false when it is only tallied. */
    async admit(source: string): Promise<boolean> {
      const minute = rates.minute();
      const key = `failed:${source}`;
      // Memory first, at the same numbers: it can only refuse earlier than the shared counts.
      const admitted =
        local.add(key, minute) <= options.perSourcePerMinute &&
        local.add(EVERYONE, minute) <= options.totalPerMinute &&
        (await sharedAdmits(key, minute).catch((err: unknown) => {
          logger.warn({ err }, "failed-login count not written; the failure is summed up");
          return false;
        }));
      if (!admitted) tally.admit(source);
      return admitted;
    },
  };
}
