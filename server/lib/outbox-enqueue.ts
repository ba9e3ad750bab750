import { Schema, type ClientSession, type Connection, type Model } from "mongoose";
import type { DomainEventName, DomainEvents } from "../contracts/domain-events.js";
import { outboxModel } from "./outbox.model.js";

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
 * What a consumer that keeps order keeps it within (the hub publisher): the one hub record each
 * event writes, named as record-mapper.ts names its record id (test/unit/sharing/order-keys.test.ts
 * holds the two together). Kept per person, a record the hub rejected (a new pass beyond its record
 * limit) held every later record of that person, a certificate's revocation included, for good.
 * Nothing needs a person's records in order across records: the hub recomputes its pointer from
 * every record it holds, by each record's UpdateTime, whatever order they came in; within one
 * record its versions order them (a lower one is answered `stale`).
 */
const ORDER_KEY: { [K in DomainEventName]: (payload: DomainEvents[K]) => string } = {
  "exam.passed": (p) => `pass:${p.attemptId}`,
  // The pass's own record (its version 2): delivered after the pass it voids.
  "exam.voided": (p) => `pass:${p.pass.attemptId}`,
  "exam.results_published": (p) => `session:${p.sessionId}`,
  "certificate.issued": (p) => `cert:${p.record.certificateNo}`,
  "certificate.status_changed": (p) => `cert:${p.record.certificateNo}`,
  "register.entry_cancelled": (p) => p.record.recordId,
};

/** The order key an event's entry is written with (see ORDER_KEY). */
export function orderKeyOf<K extends DomainEventName>(name: K, payload: DomainEvents[K]): string {
  return ORDER_KEY[name](payload);
}

/**
 * Writes one event inside the caller's transaction `session`. Its place among its subject's events
 * is a number the database hands out in this transaction, not the time: instances of a node stamp
 * times from their own clocks, and with one clock ahead a person's later event carried the earlier
 * time and was published first (issue 12). Two transactions numbering one subject write the same
 * counter, so the second waits for the first to commit or abort (a WriteConflict the driver
 * retries) and takes the next number: numbers follow commit order, whatever the clocks say.
 * A record's events are all of one person (the hub refuses a record whose ID number changes), so
 * the person's numbers order each record's events too (see ORDER_KEY).
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
    .findOneAndUpdate(
      { _id: subject },
      { $inc: { value: 1 } },
      { upsert: true, returnDocument: "after", session },
    )
    .lean();
  if (!counter) throw new Error(`outbox subject counter ${subject} missing`);
  await outboxModel(conn).create(
    [
      {
        key,
        name,
        payload,
        subject,
        subjectSeq: counter.value,
        orderKey: orderKeyOf(name, payload),
        status: "pending",
        availableAt: now,
        createdAt: now,
      },
    ],
    { session },
  );
}
