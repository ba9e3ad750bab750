import { randomUUID } from "node:crypto";
import { Schema, type ClientSession, type Connection, type InferSchemaType, type Model } from "mongoose";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import type { EventBus } from "./event-bus.js";
import type { Logger } from "./logger.js";

/**
 * Transactional outbox: a domain event is written to `outbox` in the same transaction as the change
 * that causes it, so the event exists if and only if the change committed. A dispatcher then
 * publishes it on the in-process EventBus, at least once (subscribers are idempotent).
 */
const outboxSchema = new Schema(
  {
    /** Idempotency key, e.g. `exam.passed:<attemptId>`: the same event is never enqueued twice. */
    key: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    status: {
      type: String,
      required: true,
      enum: ["pending", "processing", "done", "failed"],
      default: "pending",
    },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    claimedBy: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    doneAt: { type: Date, default: null },
  },
  { timestamps: true, minimize: false },
);
outboxSchema.index({ status: 1, availableAt: 1 });

export type OutboxDoc = InferSchemaType<typeof outboxSchema>;

export function outboxModel(conn: Connection): Model<OutboxDoc> {
  return (
    (conn.models.Outbox as Model<OutboxDoc> | undefined) ??
    conn.model<OutboxDoc>("Outbox", outboxSchema, "outbox")
  );
}

/** Writes one event inside the caller's transaction `session`. */
export async function enqueueEvent<K extends DomainEventName>(
  conn: Connection,
  session: ClientSession,
  name: K,
  payload: DomainEvents[K],
  key: string,
): Promise<void> {
  const now = new Date();
  await outboxModel(conn).create([{ key, name, payload, status: "pending", availableAt: now }], { session });
}

export interface OutboxDispatcherOptions {
  conn: Connection;
  events: EventBus;
  logger: Logger;
  /** Names this instance in claims (several instances may dispatch the same outbox). */
  instanceId?: string;
  pollMs?: number;
  /** A claim older than this is taken to belong to a dead instance and is claimed again. */
  leaseMs?: number;
  maxAttempts?: number;
  /** Retry backoff for attempt n (1-based), in ms. */
  backoffMs?: (attempt: number) => number;
}

/**
 * Polls the outbox and publishes due entries. Each entry is claimed with one atomic
 * findOneAndUpdate (pending → processing, or a processing entry whose lease expired), so several
 * instances never publish the same entry concurrently; failures are retried with backoff and an
 * entry that keeps failing is parked as `failed` with its last error.
 */
export function createOutboxDispatcher(options: OutboxDispatcherOptions) {
  const Outbox = outboxModel(options.conn);
  const instanceId = options.instanceId ?? randomUUID();
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = options.backoffMs ?? ((n: number) => Math.min(60_000, 500 * 2 ** (n - 1)));
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;

  async function claim(): Promise<(OutboxDoc & { _id: unknown }) | null> {
    const now = new Date();
    return Outbox.findOneAndUpdate(
      {
        $or: [
          { status: "pending", availableAt: { $lte: now } },
          { status: "processing", claimedAt: { $lt: new Date(now.getTime() - leaseMs) } },
        ],
      },
      { $set: { status: "processing", claimedBy: instanceId, claimedAt: now }, $inc: { attempts: 1 } },
      { sort: { availableAt: 1 }, returnDocument: "after" },
    ).lean<OutboxDoc & { _id: unknown }>();
  }

  async function publishOne(entry: OutboxDoc & { _id: unknown }): Promise<void> {
    const mine = { _id: entry._id, status: "processing" as const, claimedBy: instanceId };
    try {
      await options.events.publish(
        entry.name as DomainEventName,
        entry.payload as DomainEvents[DomainEventName],
      );
      await Outbox.updateOne(mine, { $set: { status: "done", doneAt: new Date(), lastError: null } });
    } catch (err) {
      const attempts = entry.attempts ?? 1;
      const failed = attempts >= maxAttempts;
      options.logger.warn({ err, key: entry.key, attempts, failed }, "outbox publish failed");
      await Outbox.updateOne(mine, {
        $set: {
          status: failed ? "failed" : "pending",
          availableAt: new Date(Date.now() + backoff(attempts)),
          lastError: err instanceof Error ? err.message : String(err),
          claimedBy: null,
          claimedAt: null,
        },
      });
    }
  }

  /** Publishes every due entry once; resolves with how many were handled. */
  async function drainOnce(): Promise<number> {
    let handled = 0;
    for (let entry = await claim(); entry; entry = await claim()) {
      await publishOne(entry);
      handled++;
    }
    return handled;
  }

  function tick(): void {
    if (stopped) return;
    running ??= drainOnce()
      .catch((err: unknown) => {
        options.logger.error({ err }, "outbox dispatcher failed");
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
    /** Runs a pass now (e.g. right after a commit) instead of waiting for the next poll. */
    kick(): void {
      if (stopped || running) return;
      if (timer) clearTimeout(timer);
      tick();
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      tick();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
