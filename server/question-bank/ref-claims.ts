import type { ClientSession, Connection } from "mongoose";
import { errors } from "../lib/errors.js";
import { questionRefModel } from "./question.model.js";

/** Refs named in a refusal (a 500-question batch would make an unreadable message). */
const NAMED_REFS = 5;

/**
 * Claims each ref for its question inside the caller's transaction. An upsert rather than an
 * insert: a duplicate key aborts a MongoDB transaction, and a ref the same question claimed
 * before (renamed back) is no conflict. Two transactions upserting one ref meet as a write
 * conflict; the loser's retry reads the winner's claim and refuses `ref_taken`.
 */
export async function claimRefs(
  conn: Connection,
  session: ClientSession,
  claims: readonly { ref: string; questionId: string }[],
): Promise<void> {
  if (!claims.length) return;
  const Refs = questionRefModel(conn);
  const at = new Date();
  const result = await Refs.bulkWrite(
    claims.map((c) => ({
      updateOne: {
        filter: { _id: c.ref },
        update: { $setOnInsert: { questionId: c.questionId, at } },
        upsert: true,
      },
    })),
    { session, ordered: false },
  );
  // Refs claimed just now are this caller's; only the others (claimed before) need a read, so a
  // batch of new questions costs this one round trip.
  const inserted = new Set(Object.keys(result.upsertedIds).map(Number));
  const earlier = claims.filter((_, i) => !inserted.has(i));
  if (!earlier.length) return;
  const wanted = new Map(earlier.map((c) => [c.ref, c.questionId]));
  const held = await Refs.find({ _id: { $in: [...wanted.keys()] } }, null, { session })
    .batchSize(wanted.size + 1)
    .lean();
  const taken = held.filter((h) => wanted.get(h._id) !== h.questionId).map((h) => h._id);
  if (taken.length) {
    const named = taken.slice(0, NAMED_REFS);
    throw errors.conflict(
      "ref_taken",
      `题目编号 ${named.join("、")}${taken.length > named.length ? ` 等 ${taken.length} 个` : ""} 已被其他题目使用（可能有人同时写入了同一编号），本次未写入`,
      { refs: named },
    );
  }
}
