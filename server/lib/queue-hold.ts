import type { Logger } from "./logger.js";

/**
 * A hold's reason as shown on the queue, naming the receiver's stable code: the code tells the
 * operator what to do, and the log below says it (a suspension is not a key to register).
 * `what` names what waits (案件, 记录, 消息).
 */
export const HOLD_REASONS = {
  unknownKey: (what: string) => `全国中心尚未登记本节点的密钥 (401 unknown_key)，${what}在本地等待`,
  suspended: (what: string) => `全国中心已停用本节点 (403 node_suspended)，${what}在本地等待恢复`,
} as const;

/** The suspension's code as every hold reason built from HOLD_REASONS names it. */
const SUSPENDED = /\bnode_suspended\b/;

/**
 * Why a receiver holds, for the log's words: its key is not registered (the default), the node is
 * suspended (also read from the reason, see SUSPENDED), no receiver is configured here, it is
 * unreachable or busy (a network failure, a 5xx, a 429), or it refused this node's clock (a signed
 * 401 clock_skew / signature_expired: clockRefusedAtPeer), which only this node's operator can fix.
 */
export type HoldCause = "unregistered" | "suspended" | "unconfigured" | "unavailable" | "clock";

/** The longest pause a receiver's Retry-After may ask for: beyond it, an hour is asked again. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

const UNREGISTERED_WORDS = {
  stopped: "receiver stopped taking deliveries from this node's key; holding the queue",
  long: "receiver has not taken deliveries from this node for a long time; check that this node's key is registered at the hub",
  first: "receiver does not take deliveries from this node yet; holding the queue",
};
const UNCONFIGURED_WORDS = {
  stopped: "no receiver is configured on this node; holding the queue",
  long: "no receiver has been configured on this node for a long time; set its address and key",
  first: "no receiver is configured on this node; holding the queue",
};
const UNAVAILABLE_WORDS = {
  stopped: "receiver is unreachable or busy; holding the queue until it answers",
  long: "receiver has been unreachable or busy for a long time; holding the queue",
  first: "receiver is unreachable or busy; holding the queue",
};
const SUSPENSION_WORDS = {
  stopped: "receiver has suspended this node; holding the queue until the hub operator reactivates it",
  long: "receiver has suspended this node for a long time; ask the hub operator to reactivate it",
  first: "receiver has suspended this node; holding the queue",
};

// Said as "unavailable", an operator looked for a network fault while the node's clock was off.
const CLOCK_WORDS = {
  stopped:
    "receiver refuses this node's requests for their time; check this node's clock (time synchronisation); holding the queue",
  long: "receiver has refused this node's requests for their time for a long time; check this node's clock (time synchronisation)",
  first:
    "receiver refuses this node's requests for their time; check this node's clock (time synchronisation); holding the queue",
};

/** How long a queue may hold before each further hold is a warning (once per this interval). */
const WARN_AFTER_MS = 15 * 60_000;

/**
 * A queue's pause after its receiver answered `hold`: it takes nothing from this node for now (the
 * hub has not registered the node's key, its operator suspended the node, it refused the node's
 * clock, or it is not configured, unreachable or busy; see Delivery in outbox-delivery.ts and in exchange-transport.ts). The
 * pause is this instance's own, measured by its own clock; nothing shared is decided by it. It
 * starts at `first` and doubles up to `max` while holds go on (default 2 s to 30 s: a new network
 * registers its provinces moments after they start, a production one may take days); a delivery
 * resets it.
 *
 * A hold is logged at info while it can still be a registration to come, and as a warning once it
 * cannot be ignored: when this instance's deliveries went through before (the receiver retired or
 * replaced the key it took), or when holding has gone on for `warnAfterMs` (default 15 min; then
 * once per that interval). The second rule covers what this instance cannot know: after a restart
 * it no longer remembers having delivered, and a key that was never registered holds forever.
 * The words follow the reason: one naming node_suspended asks for the node to be reactivated.
 */
export function createHoldPause(options: {
  logger: Logger;
  consumer: string;
  holdMs?: { first: number; max: number };
  warnAfterMs?: number;
  now?: () => number;
}) {
  const limits = options.holdMs ?? { first: 2_000, max: 30_000 };
  const warnAfterMs = options.warnAfterMs ?? WARN_AFTER_MS;
  const now = options.now ?? Date.now;
  let until = 0;
  let next = limits.first;
  let delivered = false;
  /** When the current run of holds began (null while deliveries go through). */
  let heldSince: number | null = null;
  let lastWarnAt = Number.NEGATIVE_INFINITY;
  return {
    /** Whether this instance is still pausing. */
    active: (): boolean => now() < until,
    /** A delivery went through: the receiver knows this node. */
    delivered(): void {
      delivered = true;
      next = limits.first;
      heldSince = null;
      lastWarnAt = Number.NEGATIVE_INFINITY;
    },
    /**
     * The receiver held a batch: pause, longer each time (and at least `retryAfterMs` when the
     * receiver named a time, up to an hour), and say why.
     */
    held(reason: string, how: { cause?: HoldCause; retryAfterMs?: number } = {}): void {
      const at = now();
      heldSince ??= at;
      until = at + Math.max(next, Math.min(how.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
      const heldForMs = at - heldSince;
      const detail = { consumer: options.consumer, retryInMs: next, heldForMs, reason };
      next = Math.min(next * 2, limits.max);
      // A suspension is the hub operator's decision about a node it knows: sending operators to
      // check the key registration sent them after the wrong thing.
      const cause = how.cause ?? (SUSPENDED.test(reason) ? "suspended" : "unregistered");
      const words = {
        unregistered: UNREGISTERED_WORDS,
        suspended: SUSPENSION_WORDS,
        unconfigured: UNCONFIGURED_WORDS,
        unavailable: UNAVAILABLE_WORDS,
        clock: CLOCK_WORDS,
      }[cause];
      if (delivered) {
        options.logger.warn(detail, words.stopped);
        return;
      }
      if (heldForMs >= warnAfterMs && at - lastWarnAt >= warnAfterMs) {
        lastWarnAt = at;
        options.logger.warn(detail, words.long);
        return;
      }
      options.logger.info(detail, words.first);
    },
  };
}
