import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/** The transactional outbox's entries (see outbox.ts): one per domain event, with each consumer's delivery state. */
const outboxSchema = new Schema(
  {
    /** Idempotency key, e.g. `exam.passed:<attemptId>`: the same event is never enqueued twice. */
    key: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    /** Whose event it is (an ID number): shown on the delivery queue, and what numbers its events. */
    subject: { type: String, default: null },
    /**
     * The subject's own event number, taken from the database in the writing transaction (see
     * enqueueEvent): the order a consumer keeps per subject. Null on entries written before it
     * existed, which come before every numbered one.
     */
    subjectSeq: { type: Number, default: null },
    /**
     * What an ordered consumer keeps order within: the hub record the event writes (see ORDER_KEY in
     * outbox-enqueue.ts), ordered by subjectSeq. Null on entries written before it existed, which
     * keep their subject's order.
     */
    orderKey: { type: String, default: null },
    // The in-process bus consumer's delivery state (the original fields, kept where they were).
    status: {
      type: String,
      required: true,
      enum: ["pending", "processing", "done", "failed"],
      default: "pending",
    },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    claimedBy: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    doneAt: { type: Date, default: null },
    /** Every other consumer's delivery state, `deliveries.<consumer>`: the same fields plus `result`. */
    deliveries: { type: Schema.Types.Mixed, default: {} },
  },
  { timestamps: true, minimize: false },
);
outboxSchema.index({ status: 1, availableAt: 1 });
outboxSchema.index({ subject: 1, createdAt: 1 });
outboxSchema.index({ subject: 1, subjectSeq: 1 });
outboxSchema.index({ orderKey: 1, subjectSeq: 1 });
outboxSchema.index({ name: 1, createdAt: 1 });

export type OutboxDoc = InferSchemaType<typeof outboxSchema>;
export type OutboxEntry = OutboxDoc & { _id: unknown; createdAt: Date };

export function outboxModel(conn: Connection): Model<OutboxDoc> {
  return (
    (conn.models.Outbox as Model<OutboxDoc> | undefined) ??
    conn.model<OutboxDoc>("Outbox", outboxSchema, "outbox")
  );
}

