/**
 * The pages' retry back-off: 1 s after the first failure, doubling per failure, never more than 15 s
 * apart, so a room of pages does not flood a server that cannot answer (a database failover).
 * The exam page's saves and resyncs and the proctor console's room loads all wait by it.
 *
 * Each delay is jittered ("equal jitter": between half of it and all of it): a room of 5,000 pages
 * that lost the server at the same moment would otherwise retry in step, all at once each time.
 */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 15_000;

/**
 * Delay before the retry that follows the `failures`-th failure in a row (1-based). `random`
 * (in [0, 1), as `Math.random`) takes up to half the delay off; at 0 the delay is the full one.
 */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(full * (1 - random() / 2));
}
