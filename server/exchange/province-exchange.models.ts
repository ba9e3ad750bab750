import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { modelOn } from "../lib/mongo.js";
import { OutgoingPurpose } from "../contracts/exchange-resend.js";

/**
 * A province node's side of the exchange interface:
 * - `exchange_local_cases`: every case this province sent (box `out`) or received (box `in`), with
 *   the state it last learnt and its history; `division` is the office responsible on this side;
 * - `exchange_outgoing`: what waits to be sent to the hub (new cases, answers, endings), in order
 *   per case, retried with backoff until the hub answers;
 * - `exchange_received`: the id of every inbox message applied (a message is applied once);
 * - `exchange_lookup_notices`: lookups of this province's practitioners made anywhere.
 */
const historySchema = new Schema(
  {
    at: { type: Date, required: true },
    state: { type: String, required: true },
    by: { type: String, required: true },
    note: { type: String, default: null },
    /**
     * The inbox message that added the entry, so a later write of the same pull finds it by id,
     * not by position (absent on entries written by this node and on those stored before).
     */
    messageId: { type: String },
  },
  { _id: false },
);

const localCaseSchema = new Schema(
  {
    caseId: { type: String, required: true, unique: true },
    kind: { type: String, required: true, enum: ["filing", "transfer", "notice"] },
    box: { type: String, required: true, enum: ["in", "out"] },
    state: {
      type: String,
      required: true,
      enum: ["queued", "sent", "delivered", "acknowledged", "problem", "ended", "refused"],
    },
    fromProvince: { type: String, required: true },
    toProvince: { type: String, default: null },
    division: { type: String, required: true },
    idNumber: { type: String, required: true },
    name: { type: String, required: true },
    officer: { id: String, name: String, divisionCode: String },
    lookupId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, required: true },
    sentAt: { type: Date, default: null },
    deadlineAt: { type: Date, default: null },
    overdue: { type: Boolean, default: false },
    escalatedAt: { type: Date, default: null },
    refusal: { type: new Schema({ code: String, message: String }, { _id: false }), default: null },
    history: { type: [historySchema], default: [] },
    ack: { type: Schema.Types.Mixed, default: null },
    end: { type: Schema.Types.Mixed, default: null },
    /** A transfer: the receiving province's certificate issued on it (IssuedBody without the officer, plus `at`). */
    issued: { type: Schema.Types.Mixed, default: null },
    /**
     * A transfer issued on a certificate its home had revoked or withdrawn meanwhile: the home's
     * word of it (SourceEndedBody plus `at`), at either end; the receiving side's officers decide.
     */
    sourceEnded: { type: Schema.Types.Mixed, default: null },
    /**
     * Sender's side of an agreed transfer of a legacy holder: the home's certificate record as the
     * hub held it (QualificationRecord), which this province issues from.
     */
    sourceRecord: { type: Schema.Types.Mixed, default: null },
    /** Present while an outgoing case is open (filingOpenKey, transferOpenKey, noticeOpenKey): unique. */
    openKey: { type: String },
  },
  { minimize: false, versionKey: false, timestamps: true },
);
localCaseSchema.index({ box: 1, division: 1, createdAt: -1 });
// The officer's case list: newest first, the id breaking ties (`newestPage`).
localCaseSchema.index({ box: 1, createdAt: -1, _id: -1 });
// One open filing per practitioner per filing division, kept by the database: two officers or two
// instances filing at once both pass a read-before-write check, but only one insert gets the key.
localCaseSchema.index(
  { openKey: 1 },
  { unique: true, partialFilterExpression: { openKey: { $exists: true } } },
);
localCaseSchema.index({ idNumber: 1 });
// The upload sweep asks whether any case names a document (multikey over a notice's documents).
localCaseSchema.index({ "details.documents.sha256": 1 }, { sparse: true });

const outgoingSchema = new Schema(
  {
    key: { type: String, required: true, unique: true },
    seq: { type: Number, required: true, unique: true },
    caseId: { type: String, required: true },
    // A `document` entry names its content by digest; the transport reads the bytes when it sends.
    purpose: {
      type: String,
      required: true,
      enum: OutgoingPurpose.options,
    },
    path: { type: String, required: true },
    body: { type: Schema.Types.Mixed, required: true },
    status: {
      type: String,
      required: true,
      enum: ["pending", "sending", "done", "dead"],
      default: "pending",
    },
    attempts: { type: Number, default: 0 },
    availableAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    lastError: { type: String, default: null },
    /**
     * Dead because the hub refused it for good (outgoing-settle.ts), not because it never reached
     * the hub: such an entry is not sent again by an officer's 重新发送 (province-resend.ts).
     * Absent on entries given up after their attempts and on those stored before it was kept.
     */
    refusedByHub: { type: Boolean, default: undefined },
    /**
     * An ending: the case as it was before it (`state`, `openKey` or null), so an ending the hub
     * refuses gives the case back as it was (outgoing-settle.ts). Absent on other entries and on
     * endings queued before it was kept.
     */
    prior: { type: Schema.Types.Mixed, default: undefined },
  },
  { minimize: false, versionKey: false, timestamps: true },
);
outgoingSchema.index({ status: 1, availableAt: 1, seq: 1 });
outgoingSchema.index({ caseId: 1, seq: 1 });

/**
 * Documents of enforcement notices, by content (SHA-256): uploaded here by a reporting officer, or
 * fetched from the hub for a received notice. Which officer may read one is decided by the case
 * that names it, never by the document. An upload no notice names is `referenced: false` and is
 * removed once `at` (its last upload) is older than EXCHANGE_UPLOAD_TTL_HOURS; a notice naming it
 * sets `referenced` in the transaction that records the notice, and nothing unsets it while a case
 * names it.
 */
const documentSchema = new Schema(
  {
    sha256: { type: String, required: true, unique: true },
    mediaType: { type: String, required: true },
    bytes: { type: Number, required: true },
    data: { type: Buffer, required: true },
    /** Who brought it: the uploading officer's division, or the province it was fetched from. */
    source: { type: String, required: true },
    /** When it was last uploaded (an upload again restarts its time to expire) or fetched. */
    at: { type: Date, required: true },
    /** A case of this node names it: never expires. Absent on documents kept before expiry existed. */
    referenced: { type: Boolean, default: false },
  },
  { versionKey: false },
);
documentSchema.index({ referenced: 1, at: 1 });
export type LocalDocumentDoc = InferSchemaType<typeof documentSchema>;

const receivedSchema = new Schema(
  {
    messageId: { type: String, required: true, unique: true },
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

const lookupNoticeSchema = new Schema(
  {
    seq: { type: Number, required: true },
    lookupId: { type: String, required: true },
    idNumber: { type: String, required: true },
    at: { type: Date, required: true },
    requestingProvince: { type: String, required: true },
    officerId: { type: String, required: true },
    officerName: { type: String, default: null },
    /** As the hub's notice says it: a transfer's lookup reads `filing` with `transfer` (NoticeReason). */
    reason: { type: String, required: true },
    transfer: { type: Boolean, default: false },
    caseReference: { type: String, required: true },
  },
  { versionKey: false },
);
lookupNoticeSchema.index({ lookupId: 1, idNumber: 1 }, { unique: true });
lookupNoticeSchema.index({ idNumber: 1, at: -1 });
lookupNoticeSchema.index({ seq: -1 });

const counterSchema = new Schema(
  { _id: { type: String, required: true }, value: { type: Number, required: true } },
  { versionKey: false },
);

export type LocalCaseDoc = InferSchemaType<typeof localCaseSchema>;

/**
 * The key an outgoing filing holds while it is open (queued to problem); ending it, or the hub
 * refusing it, removes the key so the division may file the person again. Notices hold none.
 */
export function filingOpenKey(idNumber: string, division: string): string {
  return `filing:${idNumber}:${division}`;
}

/**
 * The key an outgoing transfer holds while it is open: one per person in this province, as the hub
 * keeps one per person in the network (hub-case-upkeep openKeyOf). Its last step removes it: the
 * hub refusing it, the home province answering with a problem, or this province issuing on it.
 */
export function transferOpenKey(idNumber: string): string {
  return `transfer:${idNumber}`;
}

/**
 * The key an outgoing enforcement notice (抄告) holds until it is ended: one per person per penalty
 * decision (处罚决定书文号) of this province. A notice sent again after its answer was lost (a proxy's
 * 502) was a second case for the same penalty, and the home's credit assessment counted its points
 * twice (province-case-reads.ts `creditOf`). The hub keeps the same rule per sending province.
 */
export function noticeOpenKey(idNumber: string, caseNumber: string): string {
  return `notice:${idNumber}:${caseNumber.trim()}`;
}

/**
 * The open key a sent case holds in `state` (null: none). A transfer the home answered with a
 * problem has taken its last step (transferOpenKey); a notice holds its decision number's key
 * until ended (noticeOpenKey).
 */
export function openKeyOf(
  c: { kind: string; idNumber: string; division: string; details?: unknown },
  state: string,
): string | null {
  if (c.kind === "filing") return filingOpenKey(c.idNumber, c.division);
  if (c.kind === "transfer" && state !== "problem") return transferOpenKey(c.idNumber);
  const caseNumber = (c.details as { caseNumber?: unknown } | null | undefined)?.caseNumber;
  if (c.kind === "notice" && typeof caseNumber === "string") return noticeOpenKey(c.idNumber, caseNumber);
  return null;
}
export type OutgoingDoc = InferSchemaType<typeof outgoingSchema>;
export type LookupNoticeDoc = InferSchemaType<typeof lookupNoticeSchema>;

export function provinceExchangeModels(conn: Connection) {
  return {
    Cases: modelOn<LocalCaseDoc>(conn, "ExchangeLocalCase", localCaseSchema, "exchange_local_cases"),
    Outgoing: modelOn<OutgoingDoc>(conn, "ExchangeOutgoing", outgoingSchema, "exchange_outgoing"),
    Documents: modelOn<LocalDocumentDoc>(
      conn,
      "ExchangeLocalDocument",
      documentSchema,
      "exchange_local_documents",
    ),
    Received: modelOn<{ messageId: string; seq: number; at: Date }>(
      conn,
      "ExchangeReceived",
      receivedSchema,
      "exchange_received",
    ),
    LookupNotices: modelOn<LookupNoticeDoc>(
      conn,
      "ExchangeLookupNotice",
      lookupNoticeSchema,
      "exchange_lookup_notices",
    ),
    Counters: modelOn<{ _id: string; value: number }>(
      conn,
      "ExchangeCounter",
      counterSchema,
      "exchange_local_counters",
    ),
  };
}
export type ProvinceExchangeModels = ReturnType<typeof provinceExchangeModels>;
