import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import { bulkOutcomes, groupedWrites, type Outcome } from "../lib/grouped-writes.js";
import { isDuplicateKey } from "../lib/mongo.js";

/**
 * Nonces seen from each node key, with the answer that was sent. A replayed request (same key,
 * same nonce, same signature) gets that stored answer again and has no second effect; the same
 * nonce under a different signature is refused. Entries outlive the signature window, after which
 * the time check alone refuses a replay, so they can expire.
 */
const nonceSchema = new Schema(
  {
    keyId: { type: String, required: true },
    nonce: { type: String, required: true },
    signature: { type: String, required: true },
    state: { type: String, required: true, enum: ["processing", "done"] },
    status: { type: Number, default: null },
    body: { type: String, default: null },
    headers: { type: Schema.Types.Mixed, default: null },
    expiresAt: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);
nonceSchema.index({ keyId: 1, nonce: 1 }, { unique: true });
nonceSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

type NonceDoc = InferSchemaType<typeof nonceSchema>;

export type NonceReservation =
  | { kind: "new" }
  | { kind: "replay"; status: number; body: string; headers: Record<string, string> }
  | { kind: "in_progress" }
  | { kind: "reused" };

function nonceModel(conn: Connection): Model<NonceDoc> {
  return (conn.models.NodeNonce as Model<NonceDoc> | undefined) ?? conn.model<NonceDoc>("NodeNonce", nonceSchema, "node_nonces");
}

export function createNonceStore(conn: Connection, options: { keepSeconds: number }) {
  const Nonces = nonceModel(conn);
  // Group commit (the reservation before every inter-node request and the answer kept after it):
  // requests in flight together share one insert and one update instead of a round trip each.
  // Raw driver writes: every field is given here, so mongoose's casting only cost CPU per message.
  const insert = groupedWrites<NonceDoc, true>(async (docs) => {
    const [only] = docs;
    if (only && docs.length === 1) {
      // Alone: a plain insert, whose reply is its own outcome.
      return Nonces.collection.insertOne(only).then(
        (): Outcome<true>[] => [{ ok: true, value: true }],
        (error: unknown): Outcome<true>[] => [{ ok: false, error }],
      );
    }
    return Nonces.collection.insertMany(docs, { ordered: false }).then(
      () => bulkOutcomes(docs.length, null),
      (err: unknown) => bulkOutcomes(docs.length, err),
    );
  });
  type Answer = { status: number; body: string; headers: Record<string, string> };
  const keep = groupedWrites<{ keyId: string; nonce: string; answer: Answer }, true>(async (items) => {
    const ops = items.map((i) => ({
      updateOne: { filter: { keyId: i.keyId, nonce: i.nonce }, update: { $set: { state: "done", ...i.answer } } },
    }));
    const [only] = ops;
    if (only && ops.length === 1) {
      await Nonces.collection.updateOne(only.updateOne.filter, only.updateOne.update);
      return [{ ok: true, value: true }];
    }
    return Nonces.collection.bulkWrite(ops, { ordered: false }).then(
      () => bulkOutcomes(ops.length, null),
      (err: unknown) => bulkOutcomes(ops.length, err),
    );
  });
  return {
    /** Claims a nonce for a verified request, or says why it cannot be processed again. */
    async reserve(keyId: string, nonce: string, signature: string): Promise<NonceReservation> {
      try {
        await insert({
          keyId,
          nonce,
          signature,
          state: "processing",
          status: null,
          body: null,
          headers: null,
          expiresAt: new Date(Date.now() + options.keepSeconds * 1000),
        });
        return { kind: "new" };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const seen = await Nonces.findOne({ keyId, nonce }).lean();
      if (!seen || seen.signature !== signature) return { kind: "reused" };
      if (seen.state !== "done" || typeof seen.status !== "number" || typeof seen.body !== "string")
        return { kind: "in_progress" };
      return { kind: "replay", status: seen.status, body: seen.body, headers: (seen.headers ?? {}) as Record<string, string> };
    },
    /** Keeps the answer sent for the nonce, so a replay gets exactly it. */
    async complete(keyId: string, nonce: string, answer: Answer) {
      await keep({ keyId, nonce, answer });
    },
    /**
     * Forgets a reservation whose handler failed before answering (e.g. the database went away),
     * so the sender's retry with the same nonce is processed instead of waiting forever.
     */
    async release(keyId: string, nonce: string) {
      await Nonces.deleteOne({ keyId, nonce, state: "processing" });
    },
  };
}
export type NonceStore = ReturnType<typeof createNonceStore>;
