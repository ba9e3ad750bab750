import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { modelOn } from "../../lib/mongo.js";

/**
 * The intake ledger: one row per record the hub received, whatever its outcome, with what the
 * monthly report needs and the records themselves do not keep (duplicates and stale re-sends leave
 * no other trace; latency needs the source's UpdateTime of that very version).
 */
const intakeSchema = new Schema(
  {
    at: { type: Date, required: true },
    sourceProvince: { type: String, required: true },
    batchId: { type: String, required: true },
    index: { type: Number, required: true },
    recordId: { type: String, default: null },
    version: { type: Number, default: null },
    recordType: { type: String, default: null },
    outcome: { type: String, required: true, enum: ["accepted", "duplicate", "stale", "rejected"] },
    reasonCodes: { type: [String], default: [] },
    /** The record's UpdateTime as an instant, when it parsed. */
    sourceAt: { type: Date, default: null },
    /** Completeness element key → present, for accepted records. */
    elements: { type: Schema.Types.Mixed, default: {} },
    /** SHA-256 of a rejected record's canonical content (null otherwise, and on rows written before it). */
    contentHash: { type: String, default: null },
    /** An accepted row whose record was new at the hub (false otherwise; absent on rows written before it). */
    created: { type: Boolean, default: false },
    /** A new record's exam or issue day's end (intake-ledger.ts recordDateEnd): bounds its timeliness start. */
    recordDateAt: { type: Date, default: null },
  },
  { minimize: false, versionKey: false },
);
intakeSchema.index({ sourceProvince: 1, at: 1 });
intakeSchema.index({ at: 1 });

/** A published monthly report: the exact signed bytes and the signature, never changed. */
const publishedSchema = new Schema(
  {
    month: { type: String, required: true, unique: true },
    payload: { type: String, required: true },
    signature: { type: String, required: true },
    keyId: { type: String, required: true },
    publicKey: { type: String, required: true },
    sha256: { type: String, required: true },
    publishedAt: { type: Date, required: true },
    publishedBy: { type: String, required: true },
  },
  { minimize: false, versionKey: false },
);

export type IntakeDoc = InferSchemaType<typeof intakeSchema>;
export type PublishedDoc = InferSchemaType<typeof publishedSchema>;

export function reportModels(conn: Connection) {
  return {
    Intake: modelOn<IntakeDoc>(conn, "HubIntake", intakeSchema, "hub_intake"),
    Published: modelOn<PublishedDoc>(conn, "HubMonthlyReport", publishedSchema, "hub_monthly_reports"),
  };
}
export type ReportModels = ReturnType<typeof reportModels>;
