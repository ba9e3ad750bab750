import type { Logger } from "./logger.js";

/**
 * A queue's pause after its receiver answered `hold`: it takes nothing from this node yet (the hub
 * has not registered the node's key; see Delivery in outbox.ts and in exchange-transport.ts). The
 * pause is this instance's own, measured by its own clock; nothing shared is decided by it. It starts at `first` and doubles up to `max` while holds go on
 * (default 2 s to 30 s: a new network registers its provinces moments after they start, a
 * production one may take days); a delivery resets it.
 */
export function createHoldPause(options: {
  logger: Logger;
  consumer: string;
  holdMs?: { first: number; max: number };
}) {
  const limits = options.holdMs ?? { first: 2_000, max: 30_000 };
  let until = 0;
  let next = limits.first;
  // A receiver that took this instance's deliveries and then holds no longer knows the key it took
  // (retired or replaced): not a registration still to come, so it is a warning.
  let delivered = false;
  return {
    /** Whether this instance is still pausing. */
    active: (): boolean => Date.now() < until,
    /** A delivery went through: the receiver knows this node. */
    delivered(): void {
      delivered = true;
      next = limits.first;
    },
    /** The receiver held a batch: pause, longer each time, and say why. */
    held(reason: string): void {
      until = Date.now() + next;
      const detail = { consumer: options.consumer, retryInMs: next, reason };
      if (delivered)
        options.logger.warn(detail, "receiver stopped taking deliveries from this node's key; holding the queue");
      else options.logger.info(detail, "receiver does not take deliveries from this node yet; holding the queue");
      next = Math.min(next * 2, limits.max);
    },
  };
}
