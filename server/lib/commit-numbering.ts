import { randomInt } from "node:crypto";
import type { Connection, Model, Types } from "mongoose";

/** Documents numbered per transaction (one counter step each). */
const NUMBER_BATCH = 500;

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
 * transaction with one counter step: numbers are given in commit-visible order only, and a
 * concurrent numbering (another instance) writes the same counter document, so one of the two
 * conflicts and retries on the other's result; a number can never appear below one already read.
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
  return async function numberCommitted(): Promise<void> {
    // Most reads find nothing to number: one indexed read spares them a transaction. A document
    // committed after it is numbered by the next read.
    if (!(await model.exists(pending))) return;
    for (let more = true; more; ) {
      more = await conn.transaction(async (session) => {
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
  };
}
