import { randomUUID } from "node:crypto";
import type { ClientSession, Connection } from "mongoose";
import type { DomainEventName } from "../contracts/domain-events.js";
import type { Logger } from "./logger.js";
import { createHoldPause } from "./queue-hold.js";
import { outboxModel, type OutboxEntry } from "./outbox.model.js";
import { createOutboxClaim } from "./outbox-claim.js";
import {
  createDeliveryRecorder,
  deliveryPaths,
  outboxBackoffMs,
  type Delivery,
  type DeliveryState,
} from "./outbox-delivery.js";

/** An entry the consumer's deliver() answered nothing for (a consumer's fault): tried again. */
const NO_OUTCOME = "未得到本条的处理结果";

/** What a retry reads of the entry it put back (for its audit entry). */
export interface RetriedEntry {
  _id: unknown;
  key?: string;
  name?: string;
  subject?: string | null;
}

/** A retry recorded in the same transaction as its state change (the audit log's). */
export interface AuditedRetry {
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
  record(session: ClientSession, entry: RetriedEntry): Promise<void>;
}

export interface OutboxConsumerOptions {
  conn: Connection;
  logger: Logger;
  /** `bus` keeps the entry's top-level state; any other name keeps `deliveries.<name>`. */
  name: string;
  /** The events this consumer takes ("all": every entry). */
  events: readonly DomainEventName[] | "all";
  /** Delivers a claimed batch; answers one Delivery per entry, in the same order. */
  deliver(entries: OutboxEntry[]): Promise<Delivery[]>;
  batchSize?: number;
  /**
   * Deliver the entries of one order key (one hub record, see ORDER_KEY in outbox-enqueue.ts) one
   * at a time in the order they were written; a parked one holds nothing back.
   */
  inOrderPerSubject?: boolean;
  /** Names this instance in claims (several instances may consume the same outbox). */
  instanceId?: string;
  pollMs?: number;
  /** A claim older than this is taken to belong to a dead instance and is claimed again. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Retry backoff for attempt n (1-based), in ms, before jitter. */
  backoffMs?: (attempt: number) => number;
  /** After a `hold`, how long this instance claims nothing (see queue-hold.ts). */
  holdMs?: { first: number; max: number };
  /**
   * This instance's clock. Nothing here decides by it: due times and leases are compared with the
   * database's clock (see `due` in outbox-claim.ts). It stays injectable so a test can run a
   * consumer on a clock ten minutes off and show exactly that.
   */
  now?: () => Date;
}

/**
 * One consumer of the outbox. Entries are claimed atomically, one instance at a time, with a lease
 * (outbox-claim.ts). Failures back off exponentially with full jitter (instances and provinces that
 * failed together do not retry together); an entry that keeps failing, or that the receiver
 * refused, is parked as `failed` with its last error until someone retries it (outbox-delivery.ts).
 * A receiver that is away (not configured, unreachable, busy) answers `hold`: nothing is counted
 * and the consumer pauses, so an outage of any length parks nothing.
 */
export function createOutboxConsumer(options: OutboxConsumerOptions) {
  const Outbox = outboxModel(options.conn);
  const instanceId = options.instanceId ?? randomUUID();
  const batchSize = options.batchSize ?? 1;
  const pollMs = options.pollMs ?? 500;
  const { prefix, at } = deliveryPaths(options.name);
  const names = options.events === "all" ? {} : { name: { $in: [...options.events] } };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;
  // Set by stop(): the batch in flight finishes, no new one starts.
  let halting = false;
  const pause = createHoldPause({ logger: options.logger, consumer: options.name, holdMs: options.holdMs });

  const { stateOf, settle } = createDeliveryRecorder({
    Outbox,
    logger: options.logger,
    name: options.name,
    instanceId,
    maxAttempts: options.maxAttempts ?? 8,
    backoff: options.backoffMs ?? outboxBackoffMs,
  });
  const ordered = options.inOrderPerSubject === true;
  const { claimBatch } = createOutboxClaim({
    Outbox,
    names,
    at,
    instanceId,
    batchSize,
    leaseMs: options.leaseMs ?? 30_000,
    ordered,
  });

  /** Delivers every due entry once; resolves with how many were handled (none while held). */
  async function drainOnce(): Promise<number> {
    let handled = 0;
    if (pause.active()) return 0;
    for (let batch = await claimBatch(); batch.length > 0; batch = await claimBatch()) {
      let outcomes: Delivery[];
      try {
        outcomes = await options.deliver(batch);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        outcomes = batch.map(() => ({ kind: "retry", error }));
      }
      for (const [i, entry] of batch.entries())
        await settle(entry, outcomes[i] ?? { kind: "retry", error: NO_OUTCOME });
      handled += batch.length;
      if (outcomes.some((o) => o.kind === "done")) pause.delivered();
      const held = outcomes.find((o) => o.kind === "hold");
      if (held) {
        pause.held(held.reason, { cause: held.cause, retryAfterMs: held.retryAfterMs });
        break;
      }
      // The receiver is down: stop this pass rather than try the next batch at once (backoff decides when).
      if (halting || outcomes.every((o) => o.kind === "retry")) break;
    }
    return handled;
  }

  function tick(): void {
    if (stopped) return;
    running ??= drainOnce()
      .catch((err: unknown) => {
        options.logger.error({ err, consumer: options.name }, "outbox consumer failed");
        return 0;
      })
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, pollMs);
      });
  }

  return {
    instanceId,
    drainOnce,
    stateOf,
    /** Runs a pass now (e.g. right after a commit) instead of waiting for the next poll. */
    kick(): void {
      if (stopped || running) return;
      if (timer) clearTimeout(timer);
      tick();
    },
    /**
     * Puts a failed entry back in this consumer's queue (someone fixed the cause). With `audited`,
     * the state change runs in `audited.transaction` and `audited.record` is called inside it with
     * the entry changed, so the retry and its audit entry commit together or not at all.
     */
    async retry(id: string, audited?: AuditedRetry): Promise<boolean> {
      const change = (session?: ClientSession) =>
        Outbox.findOneAndUpdate(
          { _id: id, ...names, [at("status")]: "failed" },
          {
            $set: {
              [at("status")]: "pending",
              [at("attempts")]: 0,
              [at("lastError")]: null,
              ...(prefix ? { [at("result")]: null } : {}),
            },
            $currentDate: { [at("availableAt")]: true },
          },
          { projection: { subject: 1, key: 1, name: 1 }, ...(session ? { session } : {}) },
        ).lean<RetriedEntry>();
      const entry = audited
        ? await audited.transaction(async (session) => {
            const changed = await change(session);
            if (changed) await audited.record(session, changed);
            return changed;
          })
        : await change();
      this.kick();
      return entry !== null;
    },
    /** This consumer's entries, newest first; `status` filters by its delivery state. */
    async list(query: { status?: DeliveryState["status"]; limit: number }): Promise<OutboxEntry[]> {
      const filter =
        query.status === "pending"
          ? { ...names, [at("status")]: { $in: [null, "pending"] } }
          : query.status
            ? { ...names, [at("status")]: query.status }
            : names;
      return Outbox.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit).lean<OutboxEntry[]>();
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      halting = false;
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      halting = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
export type OutboxConsumer = ReturnType<typeof createOutboxConsumer>;
