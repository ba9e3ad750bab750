import { randomInt, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Connection, Model, Types } from "mongoose";
import { isDuplicateKey } from "./mongo.js";

/** Documents numbered per transaction (one counter step each). */
const NUMBER_BATCH = 500;
/**
 * How long a lease may stay unchanged, as a waiting instance measures it, before that instance
 * takes it over (its holder died mid-run; a run takes milliseconds).
 */
const LEASE_MS = 5_000;
/** How often a waiting numberer asks for the lease again. */
const LEASE_POLL_MS = 10;

/**
 * A placeholder sequence number for a document written before it is numbered: negative (so no
 * cursor read `seq > after` ever returns it) and random (so the unique index on `seq` holds).
 */
export function unnumberedSeq(): number {
  return -randomInt(1, 2 ** 47);
}

/**
 * Numbers documents after they commit, for a log that readers page through by a sequence cursor
 * (`seq > after`). A number taken before the write commits lets a later number commit first: a
 * reader that pulls in between moves its cursor past the earlier number, which then commits
 * behind it and is never read (the catalog's lookup log did this, issue 12). Here a document is
 * written unnumbered, and the reader numbers whatever has committed before it reads, in one
 * transaction with one counter step: numbers are given in commit-visible order only.
 *
 * Readers number, so reads write, and readers come at once (provinces poll every instance). Two
 * numbering transactions both write the counter, so one of them fails with a WriteConflict and
 * repeats (eight simultaneous polls caused dozens, issue 12). So runs do not overlap: within an
 * instance, callers share the run in flight, or the one queued after it; across instances, a run
 * first takes a lease on `<counterId>:numbering` with a single-document update outside any
 * transaction (atomic, never a conflict) and the others wait for its release. The transaction
 * stays the guarantee: if a lease is ever taken over early (a holder stalled past LEASE_MS), the
 * two runs conflict and one repeats on the other's result, so a number can still never appear
 * below one already read. Every step is idempotent: a document
 * leaves `pending` when numbered, and a run with nothing pending writes nothing.
 *
 * `pending` selects the committed, unnumbered documents (give it an equality an index answers: it
 * runs before every read); `numbered(seq)` is the update that gives one its number and takes it out
 * of `pending`.
 */
export function createCommitNumbering<T>(options: {
  conn: Connection;
  model: Model<T>;
  counters: Model<{ _id: string; value: number }>;
  counterId: string;
  pending: Record<string, unknown>;
  /** The order numbers follow among the pending documents, e.g. `{ at: 1, _id: 1 }`. */
  order: Record<string, 1 | -1>;
  numbered: (seq: number) => Record<string, Record<string, unknown>>;
}): () => Promise<void> {
  const { conn, model, counters, counterId, pending, order, numbered } = options;
  const leaseId = `${counterId}:numbering`;
  const holder = randomUUID();
  // Through the driver: the lease document is not a counter and has no `value` to cast.
  const leases = counters.collection;

  /**
   * Takes the lease, waiting while another instance holds it. No clock decides when a lease has
   * expired: a holder's time would be its own clock, and a holder that died with its clock an hour
   * ahead kept every poll waiting for that hour. Each taking steps the lease's `term`; a waiter
   * that sees the same holder and term for LEASE_MS by its own monotonic clock takes it over, on
   * that holder and term only (so of two waiters, one wins).
   */
  async function acquire(): Promise<void> {
    const id = leaseId as never;
    let seen: string | null = null;
    let seenSince = 0;
    for (;;) {
      try {
        // Matches a free lease; an upsert meeting one that is held collides on _id.
        const taken = await leases.updateOne(
          { _id: id, holder: null },
          { $set: { holder }, $inc: { term: 1 } },
          { upsert: true },
        );
        if (taken.modifiedCount + taken.upsertedCount === 1) return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const lease = await leases.findOne({ _id: id }, { projection: { holder: 1, term: 1 } });
      if (lease && lease.holder != null) {
        const token = `${String(lease.holder)}\u0000${String(lease.term)}`;
        if (token !== seen) {
          seen = token;
          seenSince = performance.now();
        } else if (performance.now() - seenSince >= LEASE_MS) {
          const stolen = await leases.updateOne(
            { _id: id, holder: lease.holder, term: lease.term },
            { $set: { holder }, $inc: { term: 1 } },
          );
          if (stolen.modifiedCount === 1) return;
        }
      }
      await sleep(LEASE_POLL_MS);
    }
  }

  async function release(): Promise<void> {
    await leases.updateOne({ _id: leaseId as never, holder }, { $set: { holder: null } });
  }

  async function numberBatch(): Promise<boolean> {
    return conn.transaction(async (session) => {
      const rows = await model
        .find(pending, { _id: 1 })
        .sort(order)
        .limit(NUMBER_BATCH)
        .session(session)
        .lean<{ _id: Types.ObjectId }[]>();
      if (rows.length === 0) return false;
      const c = await counters
        .findOneAndUpdate(
          { _id: counterId },
          { $inc: { value: rows.length } },
          { upsert: true, returnDocument: "after", session },
        )
        .lean();
      if (!c) throw new Error(`${counterId} counter missing`);
      const first = c.value - rows.length + 1;
      // Through the driver: the filter and the update hold plain numbers and flags, nothing to cast.
      await model.collection.bulkWrite(
        rows.map((r, i) => ({
          updateOne: { filter: { ...pending, _id: r._id }, update: numbered(first + i) },
        })),
        { session },
      );
      return rows.length === NUMBER_BATCH;
    });
  }

  async function run(): Promise<void> {
    // Most reads find nothing to number: one indexed read spares them the lease and a transaction.
    // A document committed after it is numbered by the next read.
    if (!(await model.exists(pending))) return;
    await acquire();
    try {
      while (await numberBatch());
    } finally {
      await release();
    }
  }

  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
  return function numberCommitted(): Promise<void> {
    if (!running) return start();
    // The run in flight may have read before this caller's documents committed: one more run
    // after it, shared by everyone who arrives meanwhile.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };
}
