import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/**
 * The hub's signed receipts, kept whole so their signatures can be checked again later. (What is
 * waiting for the hub is the outbox itself, `deliveries.hub`: see publisher.ts.)
 */
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

export type ReceiptDoc = InferSchemaType<typeof receiptSchema>;

// Cast rather than `conn.model<T>()`: its structural check of the inferred schema types ran tsc out
// of memory (see hub.models.ts).
function model<T>(conn: Connection, name: string, schema: Schema, collection: string): Model<T> {
  return (conn.models[name] ?? conn.model(name, schema, collection)) as unknown as Model<T>;
}

export function sharingModels(conn: Connection) {
  return {
    Receipts: model<ReceiptDoc>(conn, "SharingReceipt", receiptSchema, "sharing_receipts"),
  };
}
export type SharingModels = ReturnType<typeof sharingModels>;
