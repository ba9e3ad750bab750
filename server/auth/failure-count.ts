/** What one instance counted in one period and has not handed in yet. */
export interface PeriodCount {
  /** The period the first of them fell in (whole multiples of `windowMs` on `now`). */
  period: number;
  count: number;
  /** The distinct sources counted, at most `maxSources` of them. */
  sources: string[];
  /** More than `maxSources` sources failed: `sources` is a lower bound. */
  sourcesLeftOut: boolean;
}

/**
 * An instance's count of failed logins not audited one by one, for failure-summaries.ts. Due once
 * the whole period the first of them fell in is over (periods are multiples of `windowMs` on the
 * node's database clock), so every instance hands in its count for the same periods and the node's
 * row adds them up. Memory is bounded: a count and at most `maxSources` sources.
 */
export function createFailureCount(options: { windowMs: number; maxSources: number; now: () => number }) {
  const { windowMs, maxSources, now } = options;
  let count = 0;
  const sources = new Set<string>();
  let leftOut = false;
  /** The period of the oldest failure not yet taken (null: none is waiting). */
  let period: number | null = null;

  return {
    /** One failure from `source`. */
    count(source: string): void {
      count += 1;
      period ??= Math.floor(now() / windowMs);
      if (sources.size < maxSources) sources.add(source);
      else if (!sources.has(source)) leftOut = true;
    },

    /** Milliseconds until the count is due (0: now); null when nothing is counted. */
    msUntilDue(): number | null {
      return period === null ? null : Math.max(0, (period + 1) * windowMs - now());
    },

    /** The count once its period is over (at once with `force`, at shutdown), taken so it is handed in once. */
    take(opts: { force?: boolean } = {}): PeriodCount | null {
      if (period === null) return null;
      if (!opts.force && now() < (period + 1) * windowMs) return null;
      const taken = { period, count, sources: [...sources], sourcesLeftOut: leftOut };
      count = 0;
      sources.clear();
      leftOut = false;
      period = null;
      return taken;
    },
  };
}
export type FailureCount = ReturnType<typeof createFailureCount>;
