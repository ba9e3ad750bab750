import { createHash } from "node:crypto";
import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";
import { groupedWrites } from "../lib/grouped-writes.js";
import { forEachInSeqOrder, isDuplicateKey } from "../lib/mongo.js";

/**
 * The insert-only, hash-chained log of every inter-node message, kept at both ends (X-Road's
 * message log). Each entry names the peer, the nonce and both signatures and digests, so either
 * side can prove which answer belongs to which question; `hash` chains it to the entry before, so
 * an edited or deleted entry shows when the chain is verified. Bodies are not kept here (they
 * carry personal data and live with the records they changed); their digests are.
 */
const messageSchema = new Schema(
  {
    seq: { type: Number, required: true, unique: true },
    at: { type: Date, required: true },
    direction: { type: String, required: true, enum: ["in", "out"] },
    /** Province code of the peer node, `hub`, or `unknown` when the sender could not be identified. */
    peer: { type: String, required: true },
    keyId: { type: String, default: null },
    nonce: { type: String, default: null },
    method: { type: String, required: true },
    target: { type: String, required: true },
    requestDigest: { type: String, default: null },
    requestSignature: { type: String, default: null },
    status: { type: Number, default: null },
    responseDigest: { type: String, default: null },
    responseSignature: { type: String, default: null },
    /** processed (answered by the handler), replayed (stored answer sent again), refused, failed (no answer). */
    outcome: { type: String, required: true, enum: ["processed", "replayed", "refused", "failed"] },
    code: { type: String, default: null },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { minimize: false, versionKey: false },
);
messageSchema.index({ peer: 1, seq: -1 });
// The operator's filter by kind: polls (GET) far outnumber the submissions an operator looks for.
messageSchema.index({ method: 1, seq: -1 });
// The hub dashboard counts the last hour's messages.
messageSchema.index({ at: 1 });

export type MessageLogDoc = InferSchemaType<typeof messageSchema>;
export type MessageLogInput = Omit<MessageLogDoc, "seq" | "at" | "prevHash" | "hash"> & { at?: Date };

export const GENESIS = "0".repeat(64);
/** Entries written in one insert at most. */
const MAX_GROUP = 200;
const HASHED = [
  "seq", "at", "direction", "peer", "keyId", "nonce", "method", "target", "requestDigest", "requestSignature",
  "status", "responseDigest", "responseSignature", "outcome", "code", "prevHash",
] as const;

/** SHA-256 over the entry's fields in a fixed order (hex). */
export function messageHash(entry: Omit<MessageLogDoc, "hash">): string {
  const fields = HASHED.map((k) => {
    const v = entry[k];
    return v instanceof Date ? v.toISOString() : (v ?? null);
  });
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

export function messageLogModel(conn: Connection): Model<MessageLogDoc> {
  return (
    (conn.models.NodeMessage as Model<MessageLogDoc> | undefined) ??
    conn.model<MessageLogDoc>("NodeMessage", messageSchema, "message_log")
  );
}

/** One log per connection, so every writer in the process shares its queue and its head. */
const logs = new WeakMap<Connection, MessageLog>();

/** The node's message log on `conn` (the same object for every caller in this process). */
export function createMessageLog(conn: Connection): MessageLog {
  let log = logs.get(conn);
  if (!log) {
    log = newMessageLog(conn);
    logs.set(conn, log);
  }
  return log;
}

function newMessageLog(conn: Connection) {
  const Log = messageLogModel(conn);
  // The head this process wrote last. Entries are never changed, so while no other instance has
  // appended it is still the head and the next entry needs no read; if one has, the insert at
  // seq + 1 meets the unique index and the head is read again (one round trip per message saved).
  let head: { seq: number; hash: string } | null = null;

  /** Chains `inputs` after the head and inserts them in order; resolves once all are durable. */
  async function appendGroup(inputs: MessageLogInput[]): Promise<MessageLogDoc[]> {
    const done: MessageLogDoc[] = [];
    for (let attempt = 0; ; attempt++) {
      let last = head ?? (await Log.findOne({}, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean());
      const entries = inputs.slice(done.length).map((input) => {
        const body = {
          ...input,
          at: input.at ?? new Date(),
          seq: (last?.seq ?? 0) + 1,
          prevHash: last?.hash ?? GENESIS,
        };
        const entry = { ...body, hash: messageHash(body) };
        last = entry;
        return entry;
      });
      try {
        // Lean: the entries are complete and hashed here; a mongoose document per message only cost CPU.
        await Log.insertMany(entries, { lean: true, ordered: true });
        const end = entries.at(-1);
        if (end) head = { seq: end.seq, hash: end.hash };
        return [...done, ...entries];
      } catch (err) {
        head = null;
        if (!isDuplicateKey(err) || attempt >= 20) throw err;
        // Another instance appended. An ordered insert stops at its first failure: the entries
        // before it are in the log (same seq, same hash) and stay; the rest are chained again.
        const held = await Log.find({ seq: { $in: entries.map((e) => e.seq) } }, { seq: 1, hash: 1 }).lean();
        const hashAt = new Map(held.map((h) => [h.seq, h.hash]));
        for (const e of entries) {
          if (hashAt.get(e.seq) !== e.hash) break;
          done.push(e);
        }
      }
    }
  }

  // Group commit: the chain makes appends sequential, and one insert round trip each made every
  // inter-node message in the process wait behind the previous one's (at 16 filings in flight the
  // hub's log was the queue they all stood in). Entries that arrive while a group is being written
  // go together as the next group: one ordered insert, chained in arrival order.
  const appendGrouped = groupedWrites<MessageLogInput, MessageLogDoc>(
    async (inputs) => (await appendGroup(inputs)).map((value) => ({ ok: true, value })),
    MAX_GROUP,
  );

  return {
    /** Appends one entry; resolves once it is durable (with the entries that shared its insert). */
    append(input: MessageLogInput): Promise<MessageLogDoc> {
      return appendGrouped(input);
    },
    /** Newest first, optionally one peer's, only reads (GET) or only submissions, before a sequence number. */
    async list(query: {
      peer?: string;
      beforeSeq?: number;
      limit: number;
      kind?: "submit" | "read";
    }): Promise<MessageLogDoc[]> {
      const filter: Record<string, unknown> = {};
      if (query.peer) filter.peer = query.peer;
      if (query.kind) filter.method = query.kind === "read" ? "GET" : { $ne: "GET" };
      if (query.beforeSeq) filter.seq = { $lt: query.beforeSeq };
      return Log.find(filter, { _id: 0 }).sort({ seq: -1 }).limit(query.limit).lean<MessageLogDoc[]>();
    },
    /** How many messages each peer sent or received since `since`, by direction and outcome (the hub's dashboard). */
    async countsSince(
      since: Date,
    ): Promise<{ peer: string; direction: string; outcome: string; count: number }[]> {
      const rows = await Log.aggregate<{
        _id: { peer: string; direction: string; outcome: string };
        count: number;
      }>([
        { $match: { at: { $gte: since } } },
        {
          $group: {
            _id: { peer: "$peer", direction: "$direction", outcome: "$outcome" },
            count: { $sum: 1 },
          },
        },
      ]);
      return rows.map((r) => ({ ...r._id, count: r.count }));
    },
    /**
     * Recomputes the chain; names the first entry whose hash or link does not hold. Read a page
     * at a time: every poll between nodes is an entry, so the log reaches millions, and reading
     * it whole held them all in memory at once.
     */
    async verify(): Promise<{ ok: boolean; checked: number; brokenAt: number | null }> {
      let prev = GENESIS;
      let position = 0;
      let brokenAt: number | null = null;
      await forEachInSeqOrder(Log, (row) => {
        position++;
        const { hash, ...rest } = row;
        if (row.seq !== position || row.prevHash !== prev || messageHash(rest) !== hash) {
          brokenAt = row.seq;
          return "stop";
        }
        prev = hash;
      });
      // After a break the rest is only counted, not read and hashed page by page.
      const checked = brokenAt === null ? position : await Log.countDocuments();
      return { ok: brokenAt === null, checked, brokenAt };
    },
  };
}
export type MessageLog = ReturnType<typeof newMessageLog>;
