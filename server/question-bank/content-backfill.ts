import type { Connection } from "mongoose";
import { LIVE_STATUSES, questionContentHash, STALE_CONTENT_HASH } from "./content-hash.js";
import { questionVersionModel } from "./question.model.js";

/** Versions hashed per round trip while backfilling. */
const BACKFILL_BATCH = 1000;

/**
 * Stores `contentHash` on the live versions written before it existed, and recomputes it on those
 * written with an earlier generation of it (CONTENT_HASH_PREFIX: options compared by letter, so a
 * reordered copy of a stored question passed as new). Idempotent and safe on
 * several instances at once (each writes the same value); once done it is one indexed query that
 * finds nothing. Run at the node's start and by the import CLI before it imports. Returns how many
 * versions it hashed.
 */
export async function backfillContentHashes(conn: Connection): Promise<number> {
  const Questions = questionVersionModel(conn);
  let done = 0;
  for (;;) {
    const rows = await Questions.find(
      { contentHash: STALE_CONTENT_HASH, status: { $in: [...LIVE_STATUSES] } },
      { _id: 1, type: 1, stem: 1, options: 1 },
    )
      .limit(BACKFILL_BATCH)
      .lean();
    if (!rows.length) return done;
    await Questions.bulkWrite(
      rows.map((r) => ({
        updateOne: { filter: { _id: r._id }, update: { $set: { contentHash: questionContentHash(r) } } },
      })),
      // Not a change of the question: its updatedAt (the list's order, the review queue's, and the
      // revision an open editor sends back) stays as it was.
      { ordered: false, timestamps: false },
    );
    done += rows.length;
    if (rows.length < BACKFILL_BATCH) return done;
  }
}
