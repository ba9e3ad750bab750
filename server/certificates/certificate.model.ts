import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

/**
 * Pending issuances: one per pass (`attemptId` unique), created idempotently from `exam.passed`, so
 * duplicate deliveries and several instances can never make two. An officer (or the node, when it
 * issues automatically) moves it pending → issued exactly once by a conditional update.
 */
const issuanceSchema = new Schema(
  {
    attemptId: { type: String, required: true, unique: true },
    candidateId: { type: String, required: true },
    idNumber: { type: String, required: true, index: true },
    name: { type: String, required: true },
    categoryCode: { type: String, required: true },
    sessionId: { type: String, required: true },
    score: { type: Number, required: true },
    passedAt: { type: Date, required: true },
    chainHash: { type: String, required: true },
    /** Division of the session's test centre: its officers issue. */
    divisionCode: { type: String, required: true, index: true },
    status: { type: String, required: true, enum: ["pending", "issued", "rejected"], default: "pending" },
    decidedBy: { type: String, default: null },
    decidedAt: { type: Date, default: null },
    reason: { type: String, default: null },
    certificateVersion: { type: Number, default: null },
  },
  { timestamps: true, collection: "certificate_issuances" },
);
issuanceSchema.index({ status: 1, divisionCode: 1, passedAt: -1 });
export type IssuanceDoc = InferSchemaType<typeof issuanceSchema>;

const categorySchema = new Schema(
  { code: String, name: String, firstIssuedOn: String, attemptId: String, chainHash: String },
  { _id: false },
);

/** One entry per issuance version: what was signed then (the QR text included), never rewritten. */
const versionSchema = new Schema(
  {
    version: Number,
    kind: { type: String, enum: ["first_issue", "category_added", "renewal"] },
    at: Date,
    by: String,
    categories: [String],
    validFrom: String,
    validTo: String,
    kid: String,
    suite: String,
    qr: String,
  },
  { _id: false },
);

const statusEntrySchema = new Schema(
  { from: String, to: String, reason: String, at: Date, by: String, byName: String },
  { _id: false },
);

/**
 * A holder's certificate on this node (certificate number = ID number). `version` guards every
 * change: updates restate the version they read, so two concurrent changes cannot both apply.
 */
const certificateSchema = new Schema(
  {
    provinceCode: { type: String, required: true },
    certificateNo: { type: String, required: true, unique: true },
    candidateId: { type: String, required: true },
    holder: { type: Schema.Types.Mixed, required: true },
    photoId: { type: String, default: null },
    categories: { type: [categorySchema], required: true },
    issuingAuthority: { divisionCode: String, name: String },
    /** Officers of this division (and above) manage the certificate. */
    divisionCode: { type: String, required: true, index: true },
    firstIssuedOn: { type: String, required: true },
    version: { type: Number, required: true },
    issuedAt: { type: Date, required: true },
    validFrom: { type: String, required: true },
    validTo: { type: String, required: true, index: true },
    status: { type: String, required: true, enum: ["valid", "cancelled", "revoked", "withdrawn"] },
    statusReason: { type: String, default: null },
    statusChangedAt: { type: Date, required: true },
    statusIndex: { type: Number, required: true, unique: true },
    signature: { suite: String, kid: String, value: String, qr: String },
    versions: { type: [versionSchema], default: [] },
    statusHistory: { type: [statusEntrySchema], default: [] },
  },
  { timestamps: true, collection: "certificates", minimize: false },
);
certificateSchema.index({ status: 1, validTo: 1 });
export type CertificateDoc = InferSchemaType<typeof certificateSchema>;

/** Public keys of every instance's certificate keys: the node's trust list is built from these. */
const keyRegistrySchema = new Schema(
  {
    kid: { type: String, required: true, unique: true },
    provinceCode: { type: String, required: true },
    purpose: { type: String, required: true, enum: ["certificate", "trust-list"] },
    suite: { type: String, required: true },
    publicKey: { type: String, required: true },
    validFrom: { type: String, required: true },
    validTo: { type: String, default: null },
  },
  { timestamps: true, collection: "certificate_keys" },
);
export type KeyRegistryDoc = InferSchemaType<typeof keyRegistrySchema>;

function modelOf<T>(conn: Connection, name: string, schema: Schema): Model<T> {
  return (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}

export const issuanceModel = (conn: Connection) => modelOf<IssuanceDoc>(conn, "CertificateIssuance", issuanceSchema);
export const certificateModel = (conn: Connection) => modelOf<CertificateDoc>(conn, "Certificate", certificateSchema);
export const keyRegistryModel = (conn: Connection) => modelOf<KeyRegistryDoc>(conn, "CertificateKey", keyRegistrySchema);
