import { Schema, type ClientSession, type Connection, type Model } from "mongoose";

/**
 * One document per (candidate, category), written by every transaction that decides whether the
 * candidate may sit that category (check-in) or changes the answer (an attempt's closing, which
 * may make it a pass or a failure counting toward the retake wait). Each such transaction reads
 * the candidate's attempts under snapshot isolation; two of them that read before either
 * committed (two check-ins in two sessions, a check-in and another sitting's closing) both wrote
 * other documents, so both committed: a write skew. Both now also write this one, so the later
 * meets a write conflict, is retried whole, and reads what the other committed.
 */
const sittingGuardSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Bumped by every guarded transaction: the write is what matters, not the count. */
    n: { type: Number, default: 0 },
  },
  { timestamps: false },
);

function sittingGuardModel(conn: Connection): Model<{ _id: string; n: number }> {
  return (
    (conn.models.ExamSittingGuard as Model<{ _id: string; n: number }> | undefined) ??
    conn.model<{ _id: string; n: number }>("ExamSittingGuard", sittingGuardSchema, "exam_sitting_guards")
  );
}

/** The guard's id for a candidate's sittings of one category. */
const sittingGuardId = (candidateId: string, categoryCode: string): string =>
  `${candidateId}:${categoryCode}`;

/** Writes the (candidate, category) guard inside the caller's transaction (see the schema above). */
export async function touchSittingGuard(
  conn: Connection,
  candidateId: string,
  categoryCode: string,
  session: ClientSession,
): Promise<void> {
  await sittingGuardModel(conn).updateOne(
    { _id: sittingGuardId(candidateId, categoryCode) },
    { $inc: { n: 1 } },
    { upsert: true, session },
  );
}
