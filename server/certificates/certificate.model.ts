import { Schema, type Connection } from "mongoose";
import { modelOn } from "../lib/mongo.js";
import type { CertificateStatus, SignatureSuite } from "../contracts/certificates.js";

// Document types are written out instead of InferSchemaType, and models are cast to them: checking
// `conn.model<T>()` against these inferred nested schemas ran the type checker out of memory.
export interface IssuanceDoc {
  attemptId: string;
  candidateId: string;
  idNumber: string;
  name: string;
  categoryCode: string;
  sessionId: string;
  score: number;
  passedAt: Date;
  chainHash: string;
  divisionCode: string;
  status: "pending" | "issued" | "rejected";
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  certificateVersion: number | null;
}

export interface StoredCategory {
  code: string;
  name: string;
  firstIssuedOn: string;
  attemptId: string;
  chainHash: string;
}

export interface StoredVersion {
  version: number;
  kind: "first_issue" | "category_added" | "renewal" | "transfer" | "reissue";
  at: Date;
  by: string;
  categories: string[];
  validFrom: string;
  validTo: string;
  kid: string;
  suite: string;
  qr: string;
}

export interface StoredStatusEntry {
  from: string;
  to: string;
  reason: string;
  at: Date;
  by: string;
  byName: string;
}

export interface CertificateDoc {
  provinceCode: string;
  certificateNo: string;
  candidateId: string;
  holder: Record<string, unknown>;
  photoId: string | null;
  categories: StoredCategory[];
  issuingAuthority: { divisionCode: string; name: string };
  divisionCode: string;
  firstIssuedOn: string;
  version: number;
  issuedAt: Date;
  validFrom: string;
  validTo: string;
  status: CertificateStatus;
  statusReason: string | null;
  statusChangedAt: Date;
  statusIndex: number;
  signature: { suite: SignatureSuite; kid: string; value: string; qr: string } | null;
  versions: StoredVersion[];
  statusHistory: StoredStatusEntry[];
  /** Issued on a transfer (转籍): the former home's certificate it replaces and the exchange case. */
  transferredFrom?: TransferProvenance | null;
  /** Replaced by another province's certificate on a transfer (cancelled, reason 转籍). */
  supersededBy?: {
    provinceCode: string;
    certificateNo: string;
    serial: string;
    caseId: string;
    at: Date;
  } | null;
}

export interface TransferProvenance {
  provinceCode: string;
  certificateNo: string;
  version: number;
  kid: string;
  caseId: string;
  /** Absent on certificates issued before legacy transfers existed: signed_certificate. */
  basis?: "signed_certificate" | "hub_record";
}

export interface KeyRegistryDoc {
  kid: string;
  provinceCode: string;
  purpose: "certificate" | "trust-list";
  suite: SignatureSuite;
  publicKey: string;
  validFrom: string;
  validTo: string | null;
  /**
   * The days the hub's national trust list carries a certificate key from and to, as the hub last
   * answered this node's announcement; null (absent) while the hub does not list it.
   */
  hub?: { validFrom: string; validTo: string | null } | null;
}

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
// The officer's list: a status, newest pass first, the id breaking ties (`newestPage`).
issuanceSchema.index({ status: 1, passedAt: -1, _id: -1 });

const categorySchema = new Schema(
  { code: String, name: String, firstIssuedOn: String, attemptId: String, chainHash: String },
  { _id: false },
);

/** One entry per issuance version: what was signed then (the QR text included), never rewritten. */
const versionSchema = new Schema(
  {
    version: Number,
    kind: { type: String, enum: ["first_issue", "category_added", "renewal", "transfer", "reissue"] },
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
    transferredFrom: {
      type: new Schema(
        {
          provinceCode: String,
          certificateNo: String,
          version: Number,
          kid: String,
          caseId: String,
          basis: { type: String, enum: ["signed_certificate", "hub_record"] },
        },
        { _id: false },
      ),
      default: null,
    },
    supersededBy: {
      type: new Schema(
        { provinceCode: String, certificateNo: String, serial: String, caseId: String, at: Date },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true, collection: "certificates", minimize: false },
);
certificateSchema.index({ status: 1, validTo: 1 });
// The officer's list: newest first, a page at a time (lifecycle search).
certificateSchema.index({ issuedAt: -1, certificateNo: -1 });

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
    hub: {
      type: new Schema(
        { validFrom: { type: String, required: true }, validTo: { type: String, default: null } },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true, collection: "certificate_keys" },
);

/**
 * Every status-list index handed out since slots were kept (record.ts `createStatusSlots`), unique,
 * so a new draw can never land on an index in use or retired. An index is retired when its
 * certificate moves to a new one (a reissue after cancellation, a holder transferred back): the
 * earlier card still carries the old index, so the index keeps the status that version ended with
 * for good, and the node's status list keeps publishing it.
 */
export interface StatusSlotDoc {
  statusIndex: number;
  certificateNo: string;
  /** When it was drawn; null for an index drawn before slots were kept, recorded when retired. */
  drawnAt: Date | null;
  retired: boolean;
  /** The status the index's last version ended with (never valid), once retired. */
  retiredStatus: Exclude<CertificateStatus, "valid"> | null;
  retiredAt: Date | null;
  /** The last certificate version that carried the index. */
  lastVersion: number | null;
}

const statusSlotSchema = new Schema(
  {
    statusIndex: { type: Number, required: true, unique: true },
    certificateNo: { type: String, required: true },
    drawnAt: { type: Date, default: null },
    retired: { type: Boolean, required: true, default: false },
    retiredStatus: { type: String, enum: ["cancelled", "revoked", "withdrawn", null], default: null },
    retiredAt: { type: Date, default: null },
    lastVersion: { type: Number, default: null },
  },
  { collection: "certificate_status_slots", versionKey: false },
);
// The status list reads, and the capacity counts, the retired ones.
statusSlotSchema.index({ retired: 1 });

/**
 * The province's status-list capacity: indexes are drawn from [0, capacity), and the list is built
 * with that many entries (never fewer than the W3C minimum). It doubles once more than half is
 * used (record.ts), so a province never runs out; it never shrinks, as cards in use carry indexes.
 */
export interface StatusCapacityDoc {
  provinceCode: string;
  capacity: number;
  grownAt: Date | null;
}

const statusCapacitySchema = new Schema(
  {
    provinceCode: { type: String, required: true, unique: true },
    capacity: { type: Number, required: true },
    grownAt: { type: Date, default: null },
  },
  { collection: "certificate_status_capacity", versionKey: false },
);

export const issuanceModel = (conn: Connection) =>
  modelOn<IssuanceDoc>(conn, "CertificateIssuance", issuanceSchema);
export const certificateModel = (conn: Connection) =>
  modelOn<CertificateDoc>(conn, "Certificate", certificateSchema);
export const keyRegistryModel = (conn: Connection) =>
  modelOn<KeyRegistryDoc>(conn, "CertificateKey", keyRegistrySchema);
export const statusSlotModel = (conn: Connection) =>
  modelOn<StatusSlotDoc>(conn, "CertificateStatusSlot", statusSlotSchema);
export const statusCapacityModel = (conn: Connection) =>
  modelOn<StatusCapacityDoc>(conn, "CertificateStatusCapacity", statusCapacitySchema);
