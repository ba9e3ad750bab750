/**
 * How many refused requests that no node signed the message log records one by one. Anyone can
 * send those, and each would be an insert into the insert-only, hash-chained log that every
 * authenticated message waits behind: one sender could grow it without bound and hold its head.
 * Each source gets a few entries a minute and all sources together a bounded number; the rest
 * are counted and summed up in one entry at most once a minute (`takeSummary`).
 * Authenticated messages never pass through here: every one of them is logged.
 */
export interface RefusalBudgetOptions {
  /** Entries per source (client address) per minute. */
  perSourcePerMinute: number;
  /** Entries per minute for all sources together. */
  totalPerMinute: number;
  /** Sources remembered at once (the oldest is forgotten first), so the budget's memory is bounded too. */
  maxSources: number;
  now?: () => number;
}

const MINUTE = 60_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** A budget with the limits from config (HUB_UNSIGNED_LOG_*, server/config.ts). */
export function createRefusalBudget(options: RefusalBudgetOptions) {
  const now = options.now ?? Date.now;
  const sources = new Map<string, Bucket>();
  const everyone: Bucket = { tokens: options.totalPerMinute, at: now() };
  let notLogged = 0;
  const notLoggedFrom = new Set<string>();
  let summarisedAt = now();

  function take(bucket: Bucket, perMinute: number, t: number): boolean {
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((t - bucket.at) * perMinute) / MINUTE);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  function sourceBucket(source: string, t: number): Bucket {
    let bucket = sources.get(source);
    if (bucket) {
      // Most recently seen last, so the first key is the one to forget.
      sources.delete(source);
    } else {
      bucket = { tokens: options.perSourcePerMinute, at: t };
      if (sources.size >= options.maxSources) {
        const oldest = sources.keys().next().value;
        if (oldest !== undefined) sources.delete(oldest);
      }
    }
    sources.set(source, bucket);
    return bucket;
  }

  return {
    /** True when this refusal from `source` is logged one by one; false when it is only counted. */
    admit(source: string): boolean {
      const t = now();
      const mine = sourceBucket(source, t);
      // The source's own budget first: a sender over it spends none of everyone's.
      if (take(mine, options.perSourcePerMinute, t) && take(everyone, options.totalPerMinute, t)) return true;
      notLogged += 1;
      if (notLoggedFrom.size < options.maxSources) notLoggedFrom.add(source);
      return false;
    },

    /**
     * The refusals counted but not logged since the last summary, at most once a minute; null
     * when there are none or the last summary is less than a minute old.
     */
    takeSummary(): { count: number; sources: number } | null {
      const t = now();
      if (notLogged === 0 || t - summarisedAt < MINUTE) return null;
      const summary = { count: notLogged, sources: notLoggedFrom.size };
      notLogged = 0;
      notLoggedFrom.clear();
      summarisedAt = t;
      return summary;
    },
  };
}
export type RefusalBudget = ReturnType<typeof createRefusalBudget>;
