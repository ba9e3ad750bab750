/**
 * How many refusals anyone can provoke are recorded one by one in a hash-chained log: the hub's
 * unsigned requests in its message log (HUB_UNSIGNED_LOG_*), a node's failed logins in its audit
 * log (FAILED_LOGIN_BUDGET in auth.service.ts). Each would be an insert into an insert-only chain
 * that every other entry waits behind: one sender could grow it without bound and hold its head.
 * Each source gets a few entries a minute and all sources together a bounded number; the rest
 * are counted and summed up in one entry per summary window (`takeSummary`, written on a timer by
 * refusal-summary.ts, so a burst followed by silence is still summed up). What an authenticated
 * caller does never passes through here: every one of those is recorded.
 */
export interface RefusalBudgetOptions {
  /** Entries per source (client address) per minute. */
  perSourcePerMinute: number;
  /** Entries per minute for all sources together. */
  totalPerMinute: number;
  /** Sources remembered at once (the oldest is forgotten first), so the budget's memory is bounded too. */
  maxSources: number;
  /**
   * The summary of counted refusals is written one window after the first of them (and so at most
   * once per window); default a minute (HUB_UNSIGNED_LOG_SUMMARY_MS).
   */
  summaryWindowMs?: number;
  now?: () => number;
}

const MINUTE = 60_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The tokens in a bucket that held `tokens` at `at` and refills continuously at `perMinute` a
 * minute up to `perMinute`, at `t` (not before `at`). Shared with the node's buckets in the
 * database (login-rates.ts), so both count alike.
 */
export function refilledTokens(tokens: number, at: number, t: number, perMinute: number): number {
  return Math.min(perMinute, tokens + ((t - at) * perMinute) / MINUTE);
}

/** A budget with the limits from config (HUB_UNSIGNED_LOG_*, server/config.ts). */
export function createRefusalBudget(options: RefusalBudgetOptions) {
  const now = options.now ?? Date.now;
  const window = options.summaryWindowMs ?? MINUTE;
  const sources = new Map<string, Bucket>();
  const everyone: Bucket = { tokens: options.totalPerMinute, at: now() };
  let notLogged = 0;
  const notLoggedFrom = new Set<string>();
  /** When the oldest refusal not yet summed up was counted (null: none is waiting). */
  let pendingSince: number | null = null;

  function refill(bucket: Bucket, perMinute: number, t: number): void {
    bucket.tokens = refilledTokens(bucket.tokens, bucket.at, t, perMinute);
    bucket.at = t;
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
      refill(mine, options.perSourcePerMinute, t);
      refill(everyone, options.totalPerMinute, t);
      // A token is spent from both budgets or from neither. A source over its own budget spends
      // none of everyone's; and when everyone's budget is spent (a flood from many addresses), a
      // quiet source keeps its own tokens, so its entries are logged once the total refills
      // instead of being lost to a flood it took no part in.
      if (mine.tokens >= 1 && everyone.tokens >= 1) {
        mine.tokens -= 1;
        everyone.tokens -= 1;
        return true;
      }
      notLogged += 1;
      pendingSince ??= t;
      if (notLoggedFrom.size < options.maxSources) notLoggedFrom.add(source);
      return false;
    },

    /** Milliseconds until the waiting summary is due (0: now); null when no refusal is waiting. */
    msUntilSummary(): number | null {
      if (pendingSince === null) return null;
      return Math.max(0, pendingSince + window - now());
    },

    /**
     * The refusals counted but not logged since the last summary, once a window has passed since
     * the first of them (or at once with `force`, at shutdown); null when none is waiting or it is
     * not yet due.
     */
    takeSummary(opts: { force?: boolean } = {}): { count: number; sources: number } | null {
      if (pendingSince === null || notLogged === 0) return null;
      if (!opts.force && now() < pendingSince + window) return null;
      const summary = { count: notLogged, sources: notLoggedFrom.size };
      notLogged = 0;
      notLoggedFrom.clear();
      pendingSince = null;
      return summary;
    },
  };
}
export type RefusalBudget = ReturnType<typeof createRefusalBudget>;
