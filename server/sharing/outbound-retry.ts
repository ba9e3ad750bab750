import type { ClientSession } from "mongoose";
import type { AuditRecordInput } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { Publisher } from "./publisher.js";

/** The audit log as a retry needs it: a transaction and an append inside it. */
export interface RetryAuditPort {
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  append(session: ClientSession, input: AuditRecordInput): Promise<unknown>;
}

/**
 * An officer sends a dead-lettered record (the hub refused it, or it failed too often) to the hub
 * again. That re-publishes data in the province's name, so it is audited, and in the same
 * transaction as the entry's move back to the queue: an entry re-queued without its audit entry
 * (or the reverse) cannot be committed. False when no parked entry has this id (nothing audited).
 */
export function retryOutbound(
  deps: { publisher: Publisher; audit: RetryAuditPort },
  actor: AuthUser,
  id: string,
): Promise<boolean> {
  return deps.publisher.retry(id, {
    transaction: (work) => deps.audit.transaction(work),
    record: async (session, entry) => {
      await deps.audit.append(session, {
        action: "hub.outbound_retried",
        actor,
        divisionCode: actor.divisionCode,
        target: { type: "outbox_entry", id },
        // The event and its outbox key name the record; the subject (an ID number) stays out of the log.
        details: { event: entry.name ?? null, outboxKey: entry.key ?? null },
      });
    },
  });
}
