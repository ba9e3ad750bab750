import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { modelOn } from "../lib/mongo.js";

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

export function sharingModels(conn: Connection) {
  return {
    Receipts: modelOn<ReceiptDoc>(conn, "SharingReceipt", receiptSchema, "sharing_receipts"),
  };
}
export type SharingModels = ReturnType<typeof sharingModels>;
