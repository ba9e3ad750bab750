import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import type { Logger } from "./logger.js";

type Handler<K extends DomainEventName> = (payload: DomainEvents[K]) => Promise<void> | void;

/**
 * In-process typed publish/subscribe for domain events. Delivery is at-least-once when fed by the
 * outbox dispatcher, so subscribers must be idempotent. A failing subscriber is logged and rethrown
 * so the dispatcher retries the event.
 */
export function createEventBus(logger: Logger) {
  const handlers = new Map<DomainEventName, Handler<DomainEventName>[]>();
  return {
    subscribe<K extends DomainEventName>(name: K, handler: Handler<K>): void {
      const list = handlers.get(name) ?? [];
      list.push(handler as Handler<DomainEventName>);
      handlers.set(name, list);
    },
    async publish<K extends DomainEventName>(name: K, payload: DomainEvents[K]): Promise<void> {
      for (const handler of handlers.get(name) ?? []) {
        try {
          await handler(payload);
        } catch (err) {
          logger.error({ err, event: name }, "domain event subscriber failed");
          throw err;
        }
      }
    },
  };
}
export type EventBus = ReturnType<typeof createEventBus>;
