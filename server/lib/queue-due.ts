/**
 * The one rule both store-and-forward queues (the outbox's consumers, lib/outbox-consumer.ts, and the
 * exchange's outgoing cases, exchange/exchange-transport.ts) use to decide when an entry may be
 * taken and when a failed one is tried again: by the DATABASE's clock ($$NOW) alone, never an
 * instance's. Instances' clocks differ: with one ahead a sender took over a claim still being
 * delivered (a second delivery), with one behind it left due entries and expired claims waiting.
 */

/**
 * A filter for the entries a sender may take now: never tried (due at once, whatever time the
 * instance that wrote it stamped), pending and past its retry time, or in flight under a claim
 * that expired. `at` gives a field's path (the outbox keeps each consumer's state under
 * `deliveries.<name>.`); `inFlight` is the status a claim gives an entry; the claim expires
 * `lease.ms` after `lease.claimedAt`, or at `lease.until` where the claim stamps its end.
 */
export function dueNow(queue: {
  at?: (field: string) => string;
  inFlight: string;
  lease: { claimedAt: string; ms: number } | { until: string };
}): { $or: Record<string, unknown>[] } {
  const at = queue.at ?? ((field: string) => field);
  const leaseExpired =
    "until" in queue.lease
      ? { $lt: [`$${at(queue.lease.until)}`, "$$NOW"] }
      : { $lt: [`$${at(queue.lease.claimedAt)}`, { $subtract: ["$$NOW", queue.lease.ms] }] };
  return {
    $or: [
      { [at("status")]: "pending", [at("attempts")]: 0 },
      { [at("status")]: "pending", $expr: { $lte: [`$${at("availableAt")}`, "$$NOW"] } },
      { [at("status")]: queue.inFlight, $expr: leaseExpired },
    ],
  };
}

/**
 * When a failed entry is due again, for an update pipeline: the database's clock plus a random
 * delay up to `backoffMs` (full jitter: instances and provinces that failed together do not retry
 * together).
 */
export function retryAt(backoffMs: number): { $add: [string, number] } {
  return { $add: ["$$NOW", Math.round(Math.random() * backoffMs)] };
}
