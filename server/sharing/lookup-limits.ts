import { Schema, type Connection, type Model } from "mongoose";
import { AppError } from "../lib/errors.js";
import { chinaDate } from "../lib/local-time.js";
import { isDuplicateKey, modelOn } from "../lib/mongo.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** China Standard Time has no daylight saving: its midnight is 16:00 UTC every day. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/**
 * An officer's lookup counts, kept in the node's database like the login counts
 * (server/auth/login-rates.ts): every instance behind the load balancer counts into the same
 * number (in each instance's memory, N instances let an officer look N times the limit, and a
 * restart forgot it). One row per account and window (`_id` `<account>:m:<minute>` or
 * `<account>:d:<China date>`), dropped by the TTL index once its window is over.
 */
const lookupRateSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    expireAt: { type: Date, required: true },
  },
  { collection: "lookup_rates", versionKey: false },
);
lookupRateSchema.index({ expireAt: 1 }, { expireAfterSeconds: 0 });

interface LookupRateDoc {
  _id: string;
  count: number;
  expireAt: Date;
}

function lookupRateModel(conn: Connection): Model<LookupRateDoc> {
  return modelOn<LookupRateDoc>(conn, "LookupRate", lookupRateSchema, "lookup_rates");
}

/** The per-account limits (LOOKUP_LIMIT_PER_MINUTE, LOOKUP_LIMIT_PER_DAY in server/config.ts). */
interface LookupLimits {
  perMinute: number;
  /** Per China calendar day: the day an officer's shift and the audit's daily review count in. */
  perDay: number;
}

interface Window {
  id: string;
  limit: number;
  /** When the window ends (epoch ms): the wait a refusal names, and the row's expiry. */
  endsAt: number;
  refusal: (seconds: number) => string;
}

/**
 * Counts an officer's lookups per minute and per China calendar day, across every instance of the
 * node. A lookup is counted into both windows or into neither: one refused by the day's limit
 * gives back the minute's count it took, and a refusal writes nothing else, so looping past the
 * limit does not push the wait further out. Fixed windows: across a minute's turn an officer may
 * look up to twice the minute's limit in a moment, never more than the day's limit in a day.
 * A lookup that cannot be counted is refused (`lookup_limit_unavailable`): a database outage must
 * not lift the limit.
 */
export function createLookupLimiter(
  conn: Connection,
  limits: LookupLimits,
  now: () => Date = () => new Date(),
) {
  const Rates = lookupRateModel(conn);

  /** Counts one more into `w` unless it holds its limit already (one atomic upsert, retried once). */
  async function addBelow(w: Window): Promise<boolean> {
    try {
      await Rates.updateOne(
        { _id: w.id, count: { $lt: w.limit } },
        // Kept a minute past its window: the TTL monitor runs on the database's clock, not ours.
        { $inc: { count: 1 }, $setOnInsert: { expireAt: new Date(w.endsAt + MINUTE) } },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // The row is there: at its limit, or made a moment ago by a lookup racing this one (the first
      // two of a new window both upsert, one insert collides). Counted again without the insert:
      // only a row at its limit refuses.
      const again = await Rates.updateOne({ _id: w.id, count: { $lt: w.limit } }, { $inc: { count: 1 } });
      return again.modifiedCount === 1;
    }
  }

  function windowsOf(accountId: string, t: number): Window[] {
    const minute = Math.floor(t / MINUTE);
    const day = chinaDate(new Date(t));
    const dayEnds = Math.floor((t + CHINA_OFFSET_MS) / DAY + 1) * DAY - CHINA_OFFSET_MS;
    return [
      {
        id: `${accountId}:m:${minute}`,
        limit: limits.perMinute,
        endsAt: (minute + 1) * MINUTE,
        refusal: (s) => `全国库查询过于频繁：每个账号每分钟最多查询 ${limits.perMinute} 次，请 ${s} 秒后再试`,
      },
      {
        id: `${accountId}:d:${day}`,
        limit: limits.perDay,
        endsAt: dayEnds,
        refusal: () => `今日全国库查询次数已达每个账号 ${limits.perDay} 次的上限，请明日再查询`,
      },
    ];
  }

  return {
    /**
     * Counts one lookup by `accountId`, or throws 429 `lookup_rate_limited` naming the wait in
     * `details.retryAfterSeconds` (the HTTP layer sets Retry-After from it), or 503 when the
     * counts cannot be read or written.
     */
    async admit(accountId: string): Promise<void> {
      const t = now().getTime();
      const windows = windowsOf(accountId, t);
      const added: Window[] = [];
      try {
        for (const w of windows) {
          if (!(await addBelow(w))) {
            await Promise.all(added.map((a) => Rates.updateOne({ _id: a.id }, { $inc: { count: -1 } })));
            const seconds = Math.max(1, Math.ceil((w.endsAt - t) / 1000));
            throw new AppError("lookup_rate_limited", 429, w.refusal(seconds), {
              retryAfterSeconds: seconds,
            });
          }
          added.push(w);
        }
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError("lookup_limit_unavailable", 503, "暂时无法核对查询次数，请稍后再试", undefined, {
          cause: err,
        });
      }
    },
  };
}
export type LookupLimiter = ReturnType<typeof createLookupLimiter>;
