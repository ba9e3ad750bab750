import type { Model } from "mongoose";
import type { Logger } from "./logger.js";
import { retryAt } from "./queue-due.js";
import type { HoldCause } from "./queue-hold.js";
import type { OutboxDoc, OutboxEntry } from "./outbox.model.js";

/** What a consumer made of one entry. */
export type Delivery =
  | { kind: "done"; result?: Record<string, unknown> }
  /** A failure that may pass (a refused batch, a consumer's fault): tried again after the backoff, up to maxAttempts. */
  | { kind: "retry"; error: string }
  /** A lasting failure (the receiver refused it): parked as `failed` at once, until retried by hand. */
  | { kind: "failed"; error: string; result?: Record<string, unknown> }
  /**
   * Not the entry's failure: the receiver takes nothing from this node now (its key is not
   * registered, the node is suspended, no receiver is configured, or it is unreachable or busy).
   * The attempt is given back, so waiting never parks an entry, however long, and the consumer
   * pauses (see `holdMs`; at least `retryAfterMs` when the receiver named a time) before it
   * claims anything again. `cause` picks the log's words (queue-hold.ts).
   */
  | { kind: "hold"; reason: string; cause?: HoldCause; retryAfterMs?: number };

/** A consumer's view of an entry's delivery state. */
export interface DeliveryState {
  status: "pending" | "processing" | "done" | "failed";
  attempts: number;
  availableAt: Date | null;
  lastError: string | null;
  result: Record<string, unknown> | null;
}

/** The one retry policy: exponential from 500 ms, capped at 5 minutes; full jitter is applied on top. */
export function outboxBackoffMs(attempt: number): number {
  return Math.min(300_000, 500 * 2 ** (attempt - 1));
}

/**
 * Where a consumer keeps its delivery state on an entry: `bus` keeps the entry's top-level state
 * (the original fields); any other name keeps `deliveries.<name>`. `at(field)` is a field's path.
 */
export function deliveryPaths(name: string): { prefix: string; at: (field: string) => string } {
  const prefix = name === "bus" ? "" : `deliveries.${name}.`;
  return { prefix, at: (field: string) => `${prefix}${field}` };
}

/**
 * A consumer's delivery state on the entries it claimed: reading it, and recording what a delivery
 * made of an entry. Every record is conditional on this instance's claim (`claimedBy`), so an
 * instance whose lease expired never overwrites the state of the instance that claimed it since.
 */
export function createDeliveryRecorder(d: {
  Outbox: Model<OutboxDoc>;
  logger: Logger;
  /** The consumer's name (see deliveryPaths). */
  name: string;
  instanceId: string;
  maxAttempts: number;
  /** Retry backoff for attempt n (1-based), in ms, before jitter. */
  backoff: (attempt: number) => number;
}) {
  const { Outbox, instanceId } = d;
  const { prefix, at } = deliveryPaths(d.name);

  function stateOf(entry: OutboxEntry): DeliveryState {
    const raw =
      (prefix ? (entry.deliveries as Record<string, Partial<DeliveryState>> | undefined)?.[d.name] : entry) ??
      {};
    const s = raw as Partial<DeliveryState>;
    return {
      status: s.status ?? "pending",
      attempts: s.attempts ?? 0,
      availableAt: s.availableAt ?? null,
      lastError: s.lastError ?? null,
      result: s.result ?? null,
    };
  }

  async function settle(entry: OutboxEntry, delivery: Delivery): Promise<void> {
    const mine = { _id: entry._id, [at("status")]: "processing", [at("claimedBy")]: instanceId };
    const release = { [at("claimedBy")]: null, [at("claimedAt")]: null };
    if (delivery.kind === "hold") {
      // Back in the queue as it was before the claim, with the reason shown on the delivery queue.
      await Outbox.updateOne(mine, {
        $set: { [at("status")]: "pending", [at("lastError")]: delivery.reason, ...release },
        $inc: { [at("attempts")]: -1 },
      });
      return;
    }
    if (delivery.kind === "done") {
      await Outbox.updateOne(mine, {
        $set: {
          [at("status")]: "done",
          [at("lastError")]: null,
          ...release,
          ...(prefix ? { [at("result")]: delivery.result ?? null } : {}),
        },
        $currentDate: { [at("doneAt")]: true },
      });
      return;
    }
    const attempts = stateOf(entry).attempts || 1;
    const failed = delivery.kind === "failed" || attempts >= d.maxAttempts;
    // Every passing failure and every parking is a warning: a parked entry waits until someone
    // retries it, which nobody does unless told (it holds nothing else back, see outbox-subjects.ts).
    const words = failed ? "outbox entry parked; it waits until it is retried" : "outbox delivery failed";
    if (delivery.kind === "retry" || failed)
      d.logger.warn(
        {
          consumer: d.name,
          key: entry.key,
          entryId: String(entry._id),
          attempts,
          failed,
          error: delivery.error,
        },
        words,
      );
    // An update pipeline, so the retry time is the database's clock plus the backoff (see the
    // claim's DUE); every value but that one is a $literal (an error text may start with "$").
    await Outbox.updateOne(
      mine,
      [
        {
          $set: {
            [at("status")]: { $literal: failed ? "failed" : "pending" },
            [at("availableAt")]: retryAt(d.backoff(attempts)),
            [at("lastError")]: { $literal: delivery.error },
            [at("claimedBy")]: null,
            [at("claimedAt")]: null,
            ...(prefix && delivery.kind === "failed"
              ? { [at("result")]: { $literal: delivery.result ?? null } }
              : {}),
          },
        },
      ],
      { updatePipeline: true },
    );
  }

  return { stateOf, settle };
}
