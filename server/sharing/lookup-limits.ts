import { Schema, type Connection, type Model, type mongo } from "mongoose";
import { AppError } from "../lib/errors.js";
import { isDuplicateKey, modelOn } from "../lib/mongo.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** China Standard Time has no daylight saving: its midnight is 16:00 UTC every day. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/**
 * An officer's lookup counts, kept in the node's database like the login counts
 * (server/auth/login-rates.ts): every instance behind the load balancer counts into the same
 * numbers (in each instance's memory, N instances let an officer look N times the limit, and a
 * restart forgot it). One row per account (`_id` `<account>:lookups`): the times of its lookups in
 * the last minute, and its count for one China calendar day. Dropped by the TTL index a day after
 * the account's last lookup, when both are over anyway.
 */
const lookupRateSchema = new Schema(
  {
    _id: { type: String, required: true },
    recent: { type: [Date], default: [] },
    day: { type: String, default: "" },
    dayCount: { type: Number, default: 0 },
    at: { type: Date },
    admitted: { type: Boolean },
    expireAt: { type: Date, required: true },
  },
  { collection: "lookup_rates", versionKey: false },
);
lookupRateSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

interface LookupRateDoc {
  _id: string;
  /** The database's times of the account's admitted lookups in the minute before `at`. */
  recent: Date[];
  /** The China calendar date (YYYY-MM-DD) `dayCount` counts. */
  day: string;
  dayCount: number;
  /** The database's time of the last attempt, and whether it was admitted. */
  at: Date;
  admitted: boolean;
  expireAt: Date;
}

function lookupRateModel(conn: Connection): Model<LookupRateDoc> {
  return modelOn<LookupRateDoc>(conn, "LookupRate", lookupRateSchema, "lookup_rates");
}

/** The per-account limits (LOOKUP_LIMIT_PER_MINUTE, LOOKUP_LIMIT_PER_DAY in server/config-hub.ts). */
interface LookupLimits {
  /** In any 60 seconds (a sliding minute). */
  perMinute: number;
  /** Per China calendar day: the day an officer's shift and the audit's daily review count in. */
  perDay: number;
}

/**
 * One attempt as a single atomic update of the account's row, on the clock of `now` (the
 * database's `$$NOW` in service): times older than a minute leave `recent`, a new China day
 * starts `dayCount` again, and the attempt is admitted, and counted in both, only if both are
 * below their limits. A refusal counts nothing, so looping past the limit does not push the wait
 * further out. Stages see the row as the previous stage left it, each field of one `$set` the
 * row before that `$set`.
 */
function attemptPipeline(limits: LookupLimits, now: unknown) {
  const chinaDay = { $dateToString: { date: "$at", format: "%Y-%m-%d", timezone: "+08:00" } };
  return [
    { $set: { at: now } },
    {
      $set: {
        recent: {
          $filter: {
            input: { $ifNull: ["$recent", []] },
            cond: { $gt: ["$$this", { $subtract: ["$at", MINUTE] }] },
          },
        },
        dayCount: { $cond: [{ $eq: ["$day", chinaDay] }, { $ifNull: ["$dayCount", 0] }, 0] },
        day: chinaDay,
      },
    },
    {
      $set: {
        admitted: {
          $and: [{ $lt: [{ $size: "$recent" }, limits.perMinute] }, { $lt: ["$dayCount", limits.perDay] }],
        },
      },
    },
    {
      $set: {
        recent: { $cond: ["$admitted", { $concatArrays: ["$recent", ["$at"]] }, "$recent"] },
        dayCount: { $cond: ["$admitted", { $add: ["$dayCount", 1] }, "$dayCount"] },
        // A day after the last attempt both the minute and its China day are over. The TTL
        // monitor runs on the database's clock, as `at` is.
        expireAt: { $add: ["$at", DAY] },
      },
    },
  ];
}

/**
 * Counts an officer's lookups per sliding minute and per China calendar day, across every
 * instance of the node, on the database's clock: instances behind the load balancer disagree about
 * the time, and windows taken from each one's own clock let an officer count twice in the moments
 * they disagree. A sliding minute (the times of the last minute's lookups, at most the limit of
 * them), not fixed minute windows: across a fixed window's turn an officer could look up twice the
 * limit in two seconds. A lookup that cannot be counted is refused (`lookup_limit_unavailable`):
 * a database outage must not lift the limit.
 *
 * `now` stands in for the database's clock (tests only); in service it is the database's `$$NOW`,
 * read inside the update itself.
 */
export function createLookupLimiter(conn: Connection, limits: LookupLimits, now?: () => Date) {
  // Through the driver: the update is a pipeline the database evaluates on its own clock.
  const Rates = lookupRateModel(conn).collection as unknown as mongo.Collection<LookupRateDoc>;

  /** One attempt on the account's row (created on its first), retried once on a racing insert. */
  async function attempt(accountId: string): Promise<LookupRateDoc> {
    const run = () =>
      Rates.findOneAndUpdate(
        { _id: `${accountId}:lookups` },
        attemptPipeline(limits, now ? { $literal: now() } : "$$NOW"),
        { upsert: true, returnDocument: "after" },
      );
    let row;
    try {
      row = await run();
    } catch (err) {
      // The account's first two lookups both upserted and one insert collided: the row is there now.
      if (!isDuplicateKey(err)) throw err;
      row = await run();
    }
    if (!row) throw new Error("lookup rate row missing after its upsert");
    return row as unknown as LookupRateDoc;
  }

  function refusal(row: LookupRateDoc): AppError {
    const t = row.at.getTime();
    const dayFull = row.dayCount >= limits.perDay;
    if (dayFull) {
      const dayEnds = Math.floor((t + CHINA_OFFSET_MS) / DAY + 1) * DAY - CHINA_OFFSET_MS;
      const seconds = Math.max(1, Math.ceil((dayEnds - t) / 1000));
      return new AppError(
        "lookup_rate_limited",
        429,
        `今日全国库查询次数已达每个账号 ${limits.perDay} 次的上限，请明日再查询`,
        { retryAfterSeconds: seconds },
      );
    }
    // The minute frees a place when its oldest lookup is a minute old.
    // Never Infinity: refused with the day not full means recent.length ≥ perMinute ≥ 1
    // (config-hub's envInt(1, …) for LOOKUP_LIMIT_PER_MINUTE).
    const oldest = Math.min(...row.recent.map((d) => d.getTime()));
    const seconds = Math.max(1, Math.ceil((oldest + MINUTE - t) / 1000));
    return new AppError(
      "lookup_rate_limited",
      429,
      `全国库查询过于频繁：每个账号每分钟最多查询 ${limits.perMinute} 次，请 ${seconds} 秒后再试`,
      { retryAfterSeconds: seconds },
    );
  }

  return {
    /**
     * Counts one lookup by `accountId`, or throws 429 `lookup_rate_limited` naming the wait in
     * `details.retryAfterSeconds` (the HTTP layer sets Retry-After from it), or 503 when the
     * counts cannot be read or written.
     */
    async admit(accountId: string): Promise<void> {
      let row: LookupRateDoc;
      try {
        row = await attempt(accountId);
      } catch (err) {
        throw new AppError("lookup_limit_unavailable", 503, "暂时无法核对查询次数，请稍后再试", undefined, {
          cause: err,
        });
      }
      if (!row.admitted) throw refusal(row);
    },
  };
}
export type LookupLimiter = ReturnType<typeof createLookupLimiter>;
