import { randomUUID } from "node:crypto";
import { Schema, type ClientSession, type Connection, type Model } from "mongoose";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import type { EventBus } from "./event-bus.js";
import type { Logger } from "./logger.js";
import { createHoldPause } from "./queue-hold.js";
import { dueNow, retryAt } from "./queue-due.js";
import { outboxModel, type OutboxEntry } from "./outbox.model.js";
import { createSubjectOrder, type SubjectCandidate } from "./outbox-subjects.js";

export { outboxModel, type OutboxDoc, type OutboxEntry } from "./outbox.model.js";

/**
 * Transactional outbox: a domain event is written to `outbox` in the same transaction as the change
 * that causes it, so the event exists if and only if the change committed. Consumers then deliver
 * it at least once: the in-process EventBus (certificates, …) and the hub publisher, each with its
 * own delivery state on the entry, through the one claim/lease/backoff loop below.
 */
/** Each subject's last event number (`_id` = subject). */
const subjectCounterSchema = new Schema(
  { _id: { type: String, required: true }, value: { type: Number, required: true } },
  { versionKey: false },
);

function subjectCounters(conn: Connection): Model<{ _id: string; value: number }> {
  return (
    (conn.models.OutboxSubject as Model<{ _id: string; value: number }> | undefined) ??
    conn.model<{ _id: string; value: number }>("OutboxSubject", subjectCounterSchema, "outbox_subjects")
  );
}

/** Whose each event is: the compiler makes every new event name its subject. */
const SUBJECT: { [K in DomainEventName]: (payload: DomainEvents[K]) => string } = {
  "exam.passed": (p) => p.idNumber.toUpperCase(),
  // The person's, so it is delivered after the pass it voids.
  "exam.voided": (p) => p.pass.idNumber.toUpperCase(),
  // A session's event, not a person's: nothing else of the session's is ordered after it.
  "exam.results_published": (p) => `session:${p.sessionId}`,
  "certificate.issued": (p) => p.record.holder.idNumber,
  "certificate.status_changed": (p) => p.record.holder.idNumber,
  "register.entry_cancelled": (p) => p.record.practitioner.idNumber,
};

/**
 * Writes one event inside the caller's transaction `session`. Its place among its subject's events
 * is a number the database hands out in this transaction, not the time: instances of a node stamp
 * times from their own clocks, and with one clock ahead a person's later event carried the earlier
 * time and was published first (issue 12). Two transactions numbering one subject write the same
 * counter, so the second waits for the first to commit or abort (a WriteConflict the driver
 * retries) and takes the next number: numbers follow commit order, whatever the clocks say.
 * `now` is this instance's clock, for the times kept on the entry (injected by tests).
 */
export async function enqueueEvent<K extends DomainEventName>(
  conn: Connection,
  session: ClientSession,
  name: K,
  payload: DomainEvents[K],
  key: string,
  options: { now?: () => Date } = {},
): Promise<void> {
  const now = options.now?.() ?? new Date();
  const subject = SUBJECT[name](payload);
  const counter = await subjectCounters(conn)
    .findOneAndUpdate({ _id: subject }, { $inc: { value: 1 } }, { upsert: true, returnDocument: "after", session })
    .lean();
  if (!counter) throw new Error(`outbox subject counter ${subject} missing`);
  await outboxModel(conn).create(
    [{ key, name, payload, subject, subjectSeq: counter.value, status: "pending", availableAt: now, createdAt: now }],
    { session },
  );
}

/** What a consumer made of one entry. */
export type Delivery =
  | { kind: "done"; result?: Record<string, unknown> }
  /** A passing failure (the receiver is down): tried again after the backoff, up to maxAttempts. */
  | { kind: "retry"; error: string }
  /** A lasting failure (the receiver refused it): parked as `failed` at once, until retried by hand. */
  | { kind: "failed"; error: string; result?: Record<string, unknown> }
  /**
   * Not the entry's failure: the receiver takes nothing from this node yet (the hub operator has
   * not registered its key). The attempt is given back, so waiting for a registration never parks
   * an entry, and the consumer pauses (see `holdMs`) before it claims anything again.
   */
  | { kind: "hold"; reason: string };

export { WAITING_BEHIND_PARKED } from "./outbox-subjects.js";

/** An entry the consumer's deliver() answered nothing for (a consumer's fault): tried again. */
const NO_OUTCOME = "未得到本条的处理结果";

/** The one retry policy: exponential from 500 ms, capped at 5 minutes; full jitter is applied on top. */
export function outboxBackoffMs(attempt: number): number {
  return Math.min(300_000, 500 * 2 ** (attempt - 1));
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
  /** Deliver a subject's entries one at a time in creation order (a failed one holds the later ones). */
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
   * database's clock (see `due`). It stays injectable so a test can run a consumer on a clock ten
   * minutes off and show exactly that.
   */
  now?: () => Date;
}

/** A consumer's view of an entry's delivery state. */
export interface DeliveryState {
  status: "pending" | "processing" | "done" | "failed";
  attempts: number;
  availableAt: Date | null;
  lastError: string | null;
  result: Record<string, unknown> | null;
}

/**
 * One consumer of the outbox. Each entry is claimed with one atomic findOneAndUpdate on this
 * consumer's state (pending and due, never tried, or processing with an expired lease), so several
 * instances never deliver the same entry concurrently; a killed instance's claim is taken again
 * after its lease. Failures back off exponentially with full jitter (instances and provinces that
 * failed together do not retry together); an entry that keeps failing, or that the receiver
 * refused, is parked as `failed` with its last error until someone retries it.
 */
export function createOutboxConsumer(options: OutboxConsumerOptions) {
  const Outbox = outboxModel(options.conn);
  const instanceId = options.instanceId ?? randomUUID();
  const batchSize = options.batchSize ?? 1;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = options.backoffMs ?? outboxBackoffMs;
  const prefix = options.name === "bus" ? "" : `deliveries.${options.name}.`;
  const at = (field: string) => `${prefix}${field}`;
  const names = options.events === "all" ? {} : { name: { $in: [...options.events] } };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = true;
  // Set by stop(): the batch in flight finishes, no new one starts.
  let halting = false;
  const pause = createHoldPause({ logger: options.logger, consumer: options.name, holdMs: options.holdMs });

  const ordered = options.inOrderPerSubject === true;
  const order = createSubjectOrder({
    Outbox,
    names,
    at,
    isParked: (head) => stateOf(head as unknown as OutboxEntry).status === "failed",
  });
  /**
   * Set on an entry set aside behind its subject's parked (`failed`) entry (see setAside): left in
   * the candidate window, such entries filled it and starved every other subject's beyond it.
   */
  const BLOCKED = order.BLOCKED;

  /**
   * Entries this consumer may claim now, by the database's clock (queue-due.ts); claims and retry
   * times are stamped by the database too (claim, settle). An entry this consumer has no state on
   * yet (`deliveries.<name>` absent) has never been tried by it.
   */
  const due = dueNow({ at, inFlight: "processing", lease: { claimedAt: "claimedAt", ms: leaseMs } });
  const DUE = { ...names, ...(ordered ? { [BLOCKED]: { $ne: true } } : {}), $or: [{ [at("status")]: null }, ...due.$or] };
  const window = Math.max(10, batchSize * 3);

  async function claimBatch(): Promise<OutboxEntry[]> {
    const filter = DUE;
    const claimed: OutboxEntry[] = [];
    const subjects = new Set<string>();
    // Looked at again while a look set entries aside: the window then holds entries it did not
    // before. Bounded: each entry is set aside once, until its subject's parked entry is retried.
    for (;;) {
      let setAsideNow = 0;
      const candidates = await Outbox.find(filter, { _id: 1, subject: 1, subjectSeq: 1, createdAt: 1 })
        .sort({ createdAt: 1, _id: 1 })
        .limit(window)
        .lean<SubjectCandidate[]>();
      const heads = ordered
        ? await order.headsOf([...new Set(candidates.flatMap((c) => (c.subject ? [c.subject] : [])))])
        : new Map<string, SubjectCandidate>();
      for (const c of candidates) {
        if (claimed.length >= batchSize) break;
        let pick = c;
        if (ordered && c.subject) {
          // One entry per subject per batch, and only its first undelivered one. Candidates come by
          // time, which is not a subject's order when instance clocks differ: a candidate waiting
          // behind an earlier entry leads to that entry, which may lie beyond this list (skipping
          // the candidate instead could leave a whole list of waiting entries claiming nothing).
          if (subjects.has(c.subject)) continue;
          subjects.add(c.subject);
          const head = heads.get(c.subject);
          if (!head) continue;
          if (order.isParked(head)) {
            setAsideNow += await order.setAside(head, c.subject);
            continue;
          }
          pick = head;
        }
        // The claim re-checks that it is due: a head in flight or backing off holds its subject.
        const entry = await Outbox.findOneAndUpdate(
          { _id: pick._id, ...filter },
          {
            $set: { [at("status")]: "processing", [at("claimedBy")]: instanceId },
            $currentDate: { [at("claimedAt")]: true },
            $inc: { [at("attempts")]: 1 },
          },
          { returnDocument: "after" },
        ).lean<OutboxEntry>();
        if (entry) claimed.push(entry);
      }
      if (claimed.length >= batchSize || setAsideNow === 0) return claimed;
    }
  }

  function stateOf(entry: OutboxEntry): DeliveryState {
    const raw = (prefix ? (entry.deliveries as Record<string, Partial<DeliveryState>> | undefined)?.[options.name] : entry) ?? {};
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
        $set: { [at("status")]: "done", [at("lastError")]: null, ...release,
          ...(prefix ? { [at("result")]: delivery.result ?? null } : {}) },
        $currentDate: { [at("doneAt")]: true },
      });
      return;
    }
    const attempts = stateOf(entry).attempts || 1;
    const failed = delivery.kind === "failed" || attempts >= maxAttempts;
    // Every passing failure and every parking is a warning: a parked entry holds its subject's
    // later entries (see setAside) until someone retries it, which nobody does unless told.
    const words = failed ? "outbox entry parked; it and its subject's later entries wait until it is retried" : "outbox delivery failed";
    if (delivery.kind === "retry" || failed)
      options.logger.warn({ consumer: options.name, key: entry.key, entryId: String(entry._id), attempts, failed, error: delivery.error }, words);
    // An update pipeline, so the retry time is the database's clock plus the backoff (see DUE);
    // every value but that one is a $literal (an error text may start with "$").
    await Outbox.updateOne(
      mine,
      [
        {
          $set: {
            [at("status")]: { $literal: failed ? "failed" : "pending" },
            [at("availableAt")]: retryAt(backoff(attempts)),
            [at("lastError")]: { $literal: delivery.error },
            [at("claimedBy")]: null,
            [at("claimedAt")]: null,
            ...(prefix && delivery.kind === "failed" ? { [at("result")]: { $literal: delivery.result ?? null } } : {}),
          },
        },
      ],
      { updatePipeline: true },
    );
  }

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
        pause.held(held.reason);
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
    /** Puts a failed entry back in this consumer's queue (someone fixed the cause). */
    async retry(id: string): Promise<boolean> {
      const entry = await Outbox.findOneAndUpdate(
        { _id: id, ...names, [at("status")]: "failed" },
        { $set: { [at("status")]: "pending", [at("attempts")]: 0, [at("lastError")]: null,
          ...(prefix ? { [at("result")]: null } : {}) }, $currentDate: { [at("availableAt")]: true } },
        { projection: { subject: 1 } },
      ).lean<{ subject?: string | null }>();
      // After the entry's own change, never before (see setAside): its subject's entries set aside
      // behind it may follow it again.
      if (entry?.subject && ordered) await order.releaseSubject(entry.subject);
      this.kick();
      return entry !== null;
    },
    /** This consumer's entries, newest first; `status` filters by its delivery state. */
    async list(query: { status?: DeliveryState["status"]; limit: number }): Promise<OutboxEntry[]> {
      const filter = query.status === "pending" ? { ...names, [at("status")]: { $in: [null, "pending"] } }
        : query.status ? { ...names, [at("status")]: query.status } : names;
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
        await options.events.publish(entry.name as DomainEventName, entry.payload as DomainEvents[DomainEventName]);
        return [{ kind: "done" }];
      } catch (err) {
        return [{ kind: "retry", error: err instanceof Error ? err.message : String(err) }];
      }
    },
  });
}
export type OutboxDispatcher = OutboxConsumer;
