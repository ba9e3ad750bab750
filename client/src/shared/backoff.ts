/**
 * The pages' retry back-off: 1 s after the first failure, doubling per failure, never more than 15 s
 * apart, so a room of pages does not flood a server that cannot answer (a database failover).
 * The exam page's saves and resyncs and the proctor console's room loads all wait by it.
 */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 15_000;

/** Delay before the retry that follows the `failures`-th failure in a row (1-based). */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}
