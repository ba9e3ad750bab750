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
  /**
   * Due once the whole window the first refusal fell in is over (windows are multiples of
   * summaryWindowMs on `now`) instead of one window after that refusal: where the counts of several
   * budgets are added up per window (each instance's failed logins, failure-summaries.ts), every
   * budget hands in its count for the same windows.
   */
  aligned?: boolean;
  now?: () => number;
}

/** What a budget counted but did not log since the last summary, source by source. */
export interface CountedRefusals {
  count: number;
  /** The sources counted, at most `maxSources` of them. */
  sources: string[];
  /** Sources that were counted but not kept in `sources`: more than `maxSources` sent refusals. */
  sourcesLeftOut: boolean;
  /** When the first of them was counted (on `now`). */
  since: number;
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
  let leftOut = false;
  /** When the oldest refusal not yet summed up was counted (null: none is waiting). */
  let pendingSince: number | null = null;

  function refill(bucket: Bucket, perMinute: number, t: number): void {
    bucket.tokens = refilledTokens(bucket.tokens, bucket.at, t, perMinute);
    bucket.at = t;
  }

  /** When the summary of refusals counted since `since` is due. */
  const dueAt = (since: number): number =>
    options.aligned ? (Math.floor(since / window) + 1) * window : since + window;

  /** As `takeSummary`, with the sources themselves (for adding up with other budgets' counts). */
  function takeCounted(opts: { force?: boolean } = {}): CountedRefusals | null {
    if (pendingSince === null || notLogged === 0) return null;
    if (!opts.force && now() < dueAt(pendingSince)) return null;
    const counted = {
      count: notLogged,
      sources: [...notLoggedFrom],
      sourcesLeftOut: leftOut,
      since: pendingSince,
    };
    notLogged = 0;
    notLoggedFrom.clear();
    leftOut = false;
    pendingSince = null;
    return counted;
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
      else if (!notLoggedFrom.has(source)) leftOut = true;
      return false;
    },

    /** Milliseconds until the waiting summary is due (0: now); null when no refusal is waiting. */
    msUntilSummary(): number | null {
      if (pendingSince === null) return null;
      return Math.max(0, dueAt(pendingSince) - now());
    },

    takeCounted,

    /**
     * The refusals counted but not logged since the last summary, once a window has passed since
     * the first of them (or at once with `force`, at shutdown); null when none is waiting or it is
     * not yet due.
     */
    takeSummary(opts: { force?: boolean } = {}): { count: number; sources: number } | null {
      const counted = takeCounted(opts);
      return counted && { count: counted.count, sources: counted.sources.length };
    },
  };
}
export type RefusalBudget = ReturnType<typeof createRefusalBudget>;
