import type { Connection } from "mongoose";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import type { EventBus } from "./event-bus.js";
import type { Logger } from "./logger.js";
import { createOutboxConsumer, type OutboxConsumer } from "./outbox-consumer.js";

/**
 * Transactional outbox: a domain event is written to `outbox` in the same transaction as the change
 * that causes it, so the event exists if and only if the change committed (outbox-enqueue.ts).
 * Consumers then deliver it at least once: the in-process EventBus (certificates, …) and the hub
 * publisher, each with its own delivery state on the entry (outbox-delivery.ts), through the one
 * claim/lease/backoff loop (outbox-consumer.ts, outbox-claim.ts). This file is the outbox's surface.
 */
export { outboxModel, type OutboxDoc, type OutboxEntry } from "./outbox.model.js";
export { enqueueEvent, orderKeyOf } from "./outbox-enqueue.js";
export { outboxBackoffMs, type Delivery, type DeliveryState } from "./outbox-delivery.js";
export { createOutboxConsumer, type OutboxConsumer, type OutboxConsumerOptions } from "./outbox-consumer.js";

export interface OutboxDispatcherOptions {
  conn: Connection;
  events: EventBus;
  logger: Logger;
  instanceId?: string;
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  now?: () => Date;
}

/** The in-process consumer: publishes every entry on the EventBus (subscribers are idempotent). */
export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxConsumer {
  return createOutboxConsumer({
    ...options,
    name: "bus",
    events: "all",
    async deliver([entry]) {
      if (!entry) return [];
      try {
        await options.events.publish(
          entry.name as DomainEventName,
          entry.payload as DomainEvents[DomainEventName],
        );
        return [{ kind: "done" }];
      } catch (err) {
        return [{ kind: "retry", error: err instanceof Error ? err.message : String(err) }];
      }
    },
  });
}
export type OutboxDispatcher = OutboxConsumer;
