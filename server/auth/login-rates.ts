import { Schema, type Connection, type Model } from "mongoose";
import { AppError, errors } from "../lib/errors.js";
import { isDuplicateKey } from "../lib/mongo.js";
import type { Logger } from "../lib/logger.js";
import { createRefusalBudget, refilledTokens, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { clientKey, createLocalLoginCounts, networkKey, slidingRefusal } from "./login-throttle.js";

const MINUTE = 60_000;

/**
 * Login counts kept in the node's database, so that every instance behind the load balancer
 * counts into the same number (in each instance's memory, N instances let an address try N times
 * its limit, and a restart forgot it). Three kinds of row, each dropped by the TTL index once it
 * can no longer matter: a per-minute count (`count`, `_id` `<what>:<client>:<minute>`, read in its
 * minute and the next, see `admitSliding`), a token bucket (`tokens` at `at`, see `spend`), and the
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
  /**
   * Counts one more into `_id` unless it holds `below` or more already (one atomic upsert): true
   * when counted, false when it holds that many (or something that is no count).
   */
  async function addBelow(_id: string, minute: number, below: number): Promise<boolean> {
    try {
      const row = await Rates.findOneAndUpdate(
        { _id, count: { $lt: below } },
        // Kept through the next minute, whose sliding count reads it, and one more: the TTL monitor
        // runs on the database's own clock, which the instances' reading of it may trail a little.
        { $inc: { count: 1 }, $setOnInsert: { expireAt: new Date((minute + 3) * MINUTE) } },
        { upsert: true, returnDocument: "after" },
      ).lean();
      if (countOf(row) === undefined) throw new Error(`login count ${_id} is not a count`);
      return true;
    } catch (err) {
      // The row is there and holds `below` or more, so the upsert's insert collided (or another
      // instance created it a moment ago): the caller reads again and decides again.
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** The counts of `ids` in one read; a row holding something that is no count throws. */
  async function readCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await Rates.find({ _id: { $in: ids } }, { count: 1 }).lean();
    const counted = new Map<string, number>();
    for (const row of rows) {
      const n = countOf(row);
      // A count that is no count would read as none: the attempt must not be let through on it.
      if (n === undefined) throw new Error(`login count ${row._id} is not a count`);
      counted.set(row._id, n);
    }
    return counted;
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
    /** The clock the windows run on (epoch ms). */
    now: (): number => clock().getTime(),
    /**
     * Lets one attempt through every limit of `limits` or none, on sliding minutes: each key's
     * estimate is the attempts let through in the minute window now running and those of the
     * window before, weighted by how much of that window is still inside the minute ending now
     * (the two-bucket estimate; it takes the previous window's attempts as spread evenly over it).
     * Counted per whole minute instead, an address spent its limit at the end of one minute and
     * again at the start of the next. Answers, per key, how long until one more would fit (null
     * where it fits); the attempt is counted into every key when all fit, into none otherwise.
     *
     * Every key's two windows are read in one round trip, and a refusal writes nothing: a flood
     * past the limit costs one read each, and its refusals do not count against it. Counted into
     * each key only while its count is below what the read allowed (compare and add): an attempt
     * that lost a race with another instance takes back what it counted and reads again; still
     * contended after a few tries, it is refused (the side that admits less).
     */
    async admitSliding(limits: readonly { key: string; limit: number }[]): Promise<(number | null)[]> {
      for (let i = 0; i < SPEND_TRIES; i++) {
        // One reading of the clock for the window and the weight: read twice, an attempt at the
        // turn could take the new window's count with the old window's weight.
        const t = clock().getTime();
        const minute = Math.floor(t / MINUTE);
        const elapsedMs = t - minute * MINUTE;
        const windows = limits.map(({ key, limit }) => ({
          limit,
          id: `${key}:${minute}`,
          before: `${key}:${minute - 1}`,
        }));
        const counted = await readCounts(windows.flatMap((w) => [w.id, w.before]));
        const slides = windows.map((w) => ({
          ...w,
          count: { current: counted.get(w.id) ?? 0, previous: counted.get(w.before) ?? 0, elapsedMs },
        }));
        const waits = slides.map((w) => slidingRefusal(w.count, w.limit));
        if (waits.some((w) => w !== null)) return waits;
        const added: string[] = [];
        for (const { id, limit, count } of slides) {
          // At most this many let through in this window, beside the previous window's weight.
          const below = Math.floor((limit * MINUTE - count.previous * (MINUTE - elapsedMs)) / MINUTE);
          if (!(await addBelow(id, minute, below))) break;
          added.push(id);
        }
        if (added.length === slides.length) return waits;
        await Promise.all(added.map((id) => Rates.updateOne({ _id: id }, { $inc: { count: -1 } })));
      }
      throw new Error(`login counts ${limits.map(({ key }) => key).join(", ")} stayed contended`);
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
 * How many times the limit of an IPv6 /64 its /48 may try: a site given a /48 (routinely) is
 * several networks, but holding one must not give 65,536 limits.
 */
export const IPV6_NETWORK_LIMIT_FACTOR = 4;

/**
 * Login attempts per client (IPv4 address or IPv6 /64, see clientKey), and per IPv6 /48 at
 * IPV6_NETWORK_LIMIT_FACTOR times that (see networkKey), per sliding minute (see `admitSliding`),
 * across every instance of the node: a line against password spraying across many names (the
 * per-name lockout is the other). Only attempts let through count: a room behind one NAT that
 * overran its limit is let in as the attempts let through leave the sliding minute, however
 * often it retried meanwhile. Each instance first asks its own counts in memory
 * (createLocalLoginCounts), which can only refuse what the shared count would: a flood at one
 * instance is refused there without a database read per attempt. An attempt that cannot be
 * counted is refused with `login_limit_unavailable`.
 *
 * What the estimate bounds: in any span of `d` ms around a window's turn an address is let through
 * at most `limit × (1 + d / MINUTE)` (the fixed windows let through twice the limit in a moment).
 * A whole minute holding the end of one window and most of the next may still let through up to
 * twice the limit, spread over that minute, when the previous window's attempts all came at its
 * end: the estimate takes them as spread evenly. Over longer spans, the limit a minute on average.
 */
export function createLoginRateLimiter(limitPerMinute: number, rates: LoginRates) {
  const local = createLocalLoginCounts();
  const refusal = (wait: number) =>
    errors.tooMany("登录请求过于频繁，请稍后再试", {
      retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)),
    });
  return {
    /**
     * Counts an attempt from `ip` when it is within every limit; throws 429 past one (the same
     * refusal for each, `details.retryAfterSeconds`: when one more would be let through if the
     * client waits and nobody else is let through meanwhile), 503 when it cannot be counted.
     */
    async hit(ip: string): Promise<void> {
      const network = networkKey(ip);
      const limits = [
        { key: `ip:${clientKey(ip)}`, limit: limitPerMinute },
        ...(network ? [{ key: `ip:${network}`, limit: limitPerMinute * IPV6_NETWORK_LIMIT_FACTOR }] : []),
      ];
      const t = rates.now();
      const localWaits = limits.map(({ key, limit }) => local.refusal(key, limit, t) ?? 0);
      if (localWaits.some((w) => w > 0)) throw refusal(Math.max(...localWaits));
      // Counted here while the shared count decides, so that attempts sent at once are held to
      // the limit here too; taken back unless it lets the attempt through.
      for (const { key, limit } of limits) local.count(key, limit, t);
      const waits = await rates.admitSliding(limits).catch((err: unknown) => {
        for (const { key } of limits) local.uncount(key, t);
        throw countUnavailable(err);
      });
      if (waits.every((w) => w === null)) return;
      for (const [k, { key }] of limits.entries()) {
        local.uncount(key, t);
        // From `t`, read before the shared count's own reading: never later than it would refuse.
        const wait = waits[k];
        if (wait !== null && wait !== undefined) local.refuseUntil(key, t + wait);
      }
      throw refusal(Math.max(...waits.map((w) => w ?? 0)));
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
