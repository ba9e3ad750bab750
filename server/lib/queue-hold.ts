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

const UNREGISTERED_WORDS = {
  stopped: "receiver stopped taking deliveries from this node's key; holding the queue",
  long: "receiver has not taken deliveries from this node for a long time; check that this node's key is registered at the hub",
  first: "receiver does not take deliveries from this node yet; holding the queue",
};
const SUSPENSION_WORDS = {
  stopped: "receiver has suspended this node; holding the queue until the hub operator reactivates it",
  long: "receiver has suspended this node for a long time; ask the hub operator to reactivate it",
  first: "receiver has suspended this node; holding the queue",
};

/** How long a queue may hold before each further hold is a warning (once per this interval). */
const WARN_AFTER_MS = 15 * 60_000;

/**
 * A queue's pause after its receiver answered `hold`: it takes nothing from this node for now (the
 * hub has not registered the node's key, or its operator suspended the node; see Delivery in
 * outbox.ts and in exchange-transport.ts). The
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
    /** The receiver held a batch: pause, longer each time, and say why. */
    held(reason: string): void {
      const at = now();
      heldSince ??= at;
      until = at + next;
      const heldForMs = at - heldSince;
      const detail = { consumer: options.consumer, retryInMs: next, heldForMs, reason };
      next = Math.min(next * 2, limits.max);
      // A suspension is the hub operator's decision about a node it knows: sending operators to
      // check the key registration sent them after the wrong thing.
      const words = SUSPENDED.test(reason) ? SUSPENSION_WORDS : UNREGISTERED_WORDS;
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
