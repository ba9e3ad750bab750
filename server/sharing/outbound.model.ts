import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/**
 * Records waiting for, or done with, delivery to the hub. Filled idempotently from domain events
 * (key = the outbox key), numbered in arrival order so each practitioner's records go in order.
 * `dead` entries are the dead-letter list: rejected by the hub, or undeliverable after every
 * retry; an officer retries them.
 */
const outboundSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    seq: { type: Number, required: true, unique: true },
    idNumber: { type: String, required: true },
    recordId: { type: String, required: true },
    record: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true, enum: ["pending", "sending", "done", "dead"], default: "pending" },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    lastError: { type: String, default: null },
    reasons: { type: [{ _id: false, code: String, field: { type: String, default: null }, message: String }], default: [] },
    outcome: { type: String, default: null },
    hubSeq: { type: Number, default: null },
    receiptId: { type: String, default: null },
    doneAt: { type: Date, default: null },
  },
  { timestamps: true, minimize: false, versionKey: false },
);
outboundSchema.index({ status: 1, availableAt: 1, seq: 1 });
outboundSchema.index({ idNumber: 1, seq: 1 });

/** The hub's signed receipts, kept whole so their signatures can be checked again later. */
const receiptSchema = new Schema(
  {
    receiptId: { type: String, required: true, unique: true },
    batchId: { type: String, required: true },
    rawBody: { type: String, required: true },
    signatureInput: { type: String, required: true },
    signature: { type: String, required: true },
    contentDigest: { type: String, required: true },
    requestSignature: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);

const counterSchema = new Schema({ _id: { type: String, required: true }, value: { type: Number, required: true } }, { versionKey: false });

export type OutboundDoc = InferSchemaType<typeof outboundSchema>;
export type ReceiptDoc = InferSchemaType<typeof receiptSchema>;

// Cast rather than `conn.model<T>()`: its structural check of the inferred schema types ran tsc out
// of memory (see hub.models.ts).
function model<T>(conn: Connection, name: string, schema: Schema, collection: string): Model<T> {
  return (conn.models[name] ?? conn.model(name, schema, collection)) as unknown as Model<T>;
}

export function sharingModels(conn: Connection) {
  return {
    Outbound: model<OutboundDoc>(conn, "SharingOutbound", outboundSchema, "sharing_outbound"),
    Receipts: model<ReceiptDoc>(conn, "SharingReceipt", receiptSchema, "sharing_receipts"),
    Counters: model<{ _id: string; value: number }>(conn, "SharingCounter", counterSchema, "sharing_counters"),
  };
}
export type SharingModels = ReturnType<typeof sharingModels>;
