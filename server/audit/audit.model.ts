import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const auditEntrySchema = new Schema(
  {
    // Unique: a second line of defence behind the head document (see audit.service.ts) against
    // two entries taking the same place in the chain.
    seq: { type: Number, required: true, unique: true },
    at: { type: Date, required: true },
    action: { type: String, required: true, index: true },
    actor: {
      id: { type: String, default: "" },
      kind: { type: String, required: true },
      name: { type: String, default: "" },
    },
    divisionCode: { type: String, default: null, index: true },
    // { type, id } or null; Mixed so that null round-trips and the hash covers exactly what was stored.
    target: { type: Schema.Types.Mixed, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { collection: "audit_log", minimize: false },
);
auditEntrySchema.index({ "actor.id": 1, seq: -1 });
auditEntrySchema.index({ "target.id": 1, seq: -1 });
// Who made a national lookup a case cites (actorOfLookup): only the entries that carry a lookupId.
auditEntrySchema.index(
  { "details.lookupId": 1, seq: -1 },
  { partialFilterExpression: { "details.lookupId": { $exists: true } } },
);

export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema>;

export function auditEntryModel(conn: Connection): Model<AuditEntryDoc> {
  return (
    (conn.models.AuditEntry as Model<AuditEntryDoc> | undefined) ?? conn.model("AuditEntry", auditEntrySchema)
  );
}

/**
 * The highest sequence ever written (so deleting the newest entries is detected too) and the hash
 * of that entry. Every append writes this one document inside its transaction, which is what
 * makes concurrent appends conflict and retry instead of linking to the same predecessor.
 */
const auditHeadSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    seq: { type: Number, required: true },
    hash: { type: String },
  },
  { collection: "audit_head" },
);
export type AuditHeadDoc = InferSchemaType<typeof auditHeadSchema>;

export function auditHeadModel(conn: Connection): Model<AuditHeadDoc> {
  return (
    (conn.models.AuditHead as Model<AuditHeadDoc> | undefined) ?? conn.model("AuditHead", auditHeadSchema)
  );
}
