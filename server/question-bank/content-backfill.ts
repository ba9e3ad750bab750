import type { Connection } from "mongoose";
import {
  CONTENT_HASH_PREFIX,
  LIVE_STATUSES,
  questionContentHash,
  STALE_CONTENT_HASH,
} from "./content-hash.js";
import { questionVersionModel } from "./question.model.js";

/** Versions hashed per round trip while backfilling. */
const BACKFILL_BATCH = 1000;

/**
 * Where a completed backfill is marked: one document per one-time upkeep of the node's data
 * (`_id` names it), here `content-hash` with the hash generation it brought every version to.
 */
const MARKERS = "node_upkeep";
const MARKER_ID = "content-hash";

interface UpkeepMarker {
  _id: string;
  generation: string;
  completedAt: Date;
}

/**
 * Stores `contentHash` on the live versions written before it existed, and recomputes it on those
 * written with an earlier generation of it (CONTENT_HASH_PREFIX: options compared by letter, so a
 * reordered copy of a stored question passed as new). Idempotent and safe on several instances at
 * once (each writes the same value). Run at the node's start and by the import CLI before it
 * imports. Returns how many versions it hashed.
 *
 * Once a backfill has run to its end it is marked done for the current generation, and every later
 * run is one lookup of that marker: the query for stale hashes read the contentHash index at every
 * start. The marker is written only after the last batch, so a backfill cut off half-way (a crash,
 * a failed write) leaves none and the next start completes it; a new generation of the hash finds
 * the old generation's marker and runs again. Versions are written with the current hash (the
 * model's validate hook, the import's inserts), so none goes stale after the marker.
 */
export async function backfillContentHashes(conn: Connection): Promise<number> {
  const markers = conn.collection<UpkeepMarker>(MARKERS);
  if (await markers.findOne({ _id: MARKER_ID, generation: CONTENT_HASH_PREFIX }, { projection: { _id: 1 } }))
    return 0;
  const done = await hashStaleVersions(conn);
  // Two instances finishing at once both upsert the marker: the one whose insert lost the race to
  // the other's finds it written (duplicate key), which is what it meant to write.
  await markers
    .updateOne(
      { _id: MARKER_ID },
      { $set: { generation: CONTENT_HASH_PREFIX, completedAt: new Date() } },
      { upsert: true },
    )
    .catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 11000) throw err;
    });
  return done;
}

/** Hashes every live version whose hash is missing or of an earlier generation, a batch at a time. */
async function hashStaleVersions(conn: Connection): Promise<number> {
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
