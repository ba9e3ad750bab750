/**
 * What the monthly report page shows, apart from its requests (so Node's unit tests can import it):
 * shares rounded by the rule the CSV uses.
 */
import { sharePercent } from "@contracts/report-percent.js";

/** Part of a whole as a percentage with one decimal, or — when there is no whole. */
export function formatShare(part: number, whole: number): string {
  const percent = sharePercent(part, whole);
  return percent === null ? "—" : `${percent.toFixed(1)}%`;
}

/**
 * Keeps only the newest of overlapping loads: `run(fetch, apply)` applies its answer only if no
 * later run began meanwhile, and says whether it did. Switching months quickly, a slow answer for
 * October arrived after December's and showed October's figures under December.
 */
export function latestOnly() {
  let latest = 0;
  return async function run<T>(fetch: () => Promise<T>, apply: (value: T) => void): Promise<boolean> {
    const ticket = ++latest;
    const value = await fetch();
    if (ticket !== latest) return false;
    apply(value);
    return true;
  };
}
