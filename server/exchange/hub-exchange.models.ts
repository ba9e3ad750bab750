import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { modelOn } from "../lib/mongo.js";

/**
 * The hub's side of the exchange interface. Collections (read by the monthly report through
 * `exchangeStats` in index.ts, never directly):
 * - `exchange_cases`: one document per filing, transfer or notice, with its state and times;
 * - `exchange_inbox`: every message the hub holds for a province, numbered by `seq` per province
 *   (its pull cursor); `deliveredAt` is set when the province confirms it stored it;
 * - `exchange_person_order`: what orders concurrent changes of one practitioner's cases.
 */
const caseSchema = new Schema(
  {
    caseId: { type: String, required: true, unique: true },
    kind: { type: String, required: true, enum: ["filing", "transfer", "notice"] },
    fromProvince: { type: String, required: true },
    toProvince: { type: String, required: true },
    /** The sending officer's division (B's four levels). */
    senderDivision: { type: String, required: true },
    /** The division of A's office that issued the certificate (A's four levels). */
    responsibleDivision: { type: String, required: true },
    idNumber: { type: String, required: true },
    lookupId: { type: String, default: null },
    /** The case as sent (CaseBody), and its hash: a re-send must be identical. */
    body: { type: Schema.Types.Mixed, required: true },
    bodyHash: { type: String, required: true },
    state: { type: String, required: true, enum: ["sent", "delivered", "acknowledged", "problem", "ended"] },
    sentAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
    deadlineAt: { type: Date, required: true },
    answeredAt: { type: Date, default: null },
    ack: { type: Schema.Types.Mixed, default: null },
    endedAt: { type: Date, default: null },
    end: { type: Schema.Types.Mixed, default: null },
    /** A transfer: the receiving province's certificate issued on it (IssuedBody), once. */
    issuedAt: { type: Date, default: null },
    issued: { type: Schema.Types.Mixed, default: null },
    /**
     * A transfer issued on: the home province's word that its certificate had been revoked or
     * withdrawn before the issuance notice reached it (SourceEndedBody), once, passed on to the
     * receiving province.
     */
    sourceEndedAt: { type: Date, default: null },
    sourceEnded: { type: Schema.Types.Mixed, default: null },
    /**
     * A notice: the home province's last taking back of its dispute (撤回异议, DisputeWithdrawalBody
     * with the dispute it took back and when), passed on to the sender with the case's return to
     * `delivered`.
     */
    disputeWithdrawnAt: { type: Date, default: null },
    disputeWithdrawn: { type: Schema.Types.Mixed, default: null },
    /** Set once when the deadline passed unanswered: escalated to the home province's province level. */
    overdue: { type: Boolean, default: false },
    escalatedAt: { type: Date, default: null },
    /**
     * An agreed transfer whose home sent no signed certificate (a legacy holder): the home's
     * certificate record as the hub held it then (QualificationRecord), sent on to the receiver.
     */
    sourceRecord: { type: Schema.Types.Mixed, default: null },
    /** Present while an open filing or transfer holds it (see openKeyOf): unique among open cases. */
    openKey: { type: String },
  },
  { minimize: false, versionKey: false },
);
caseSchema.index({ idNumber: 1, kind: 1 });
caseSchema.index({ openKey: 1 }, { unique: true, partialFilterExpression: { openKey: { $exists: true } } });
caseSchema.index({ state: 1, deadlineAt: 1 });
// The operator's case list pages by (sentAt, caseId) newest first (hub-case-upkeep.ts); the
// prefix serves the upkeep's sort by sentAt alone. A database keeps the older sentAt_1 until
// dropped: harmless, as nothing names it.
caseSchema.index({ sentAt: 1, caseId: 1 });

const inboxSchema = new Schema(
  {
    /**
     * Numbered per receiving province (its pull cursor) when that province pulls, after the message
     * committed; negative (a unique placeholder no pull reads) until then.
     */
    seq: { type: Number, required: true },
    messageId: { type: String, required: true, unique: true },
    to: { type: String, required: true },
    type: { type: String, required: true, enum: ["case", "state"] },
    at: { type: Date, required: true },
    caseId: { type: String, required: true },
    message: { type: Schema.Types.Mixed, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { minimize: false, versionKey: false },
);
inboxSchema.index({ to: 1, seq: 1 }, { unique: true });

const counterSchema = new Schema(
  { _id: { type: String, required: true }, value: { type: Number, required: true } },
  { versionKey: false },
);

/**
 * One per practitioner whose cases the hub changed (hub-case-order.ts): every new case, ending and
 * move of the home writes it first, so two such changes at once conflict and one retries; `home`
 * is where the last move the exchange made took the practitioner (absent: none since this existed).
 */
const personOrderSchema = new Schema(
  {
    _id: { type: String, required: true },
    changes: { type: Number, required: true },
    home: { type: String },
  },
  { versionKey: false },
);
export interface HubPersonOrderDoc {
  _id: string;
  changes: number;
  home?: string;
}

export type HubCaseDoc = InferSchemaType<typeof caseSchema>;
export type HubInboxDoc = InferSchemaType<typeof inboxSchema>;

/** A notice's document as its reporting province sent it; read by either province of the case. */
const documentSchema = new Schema(
  {
    caseId: { type: String, required: true },
    sha256: { type: String, required: true },
    mediaType: { type: String, required: true },
    bytes: { type: Number, required: true },
    data: { type: Buffer, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
documentSchema.index({ caseId: 1, sha256: 1 }, { unique: true });
export type HubDocumentDoc = InferSchemaType<typeof documentSchema>;

export function hubExchangeModels(conn: Connection) {
  return {
    Cases: modelOn<HubCaseDoc>(conn, "ExchangeHubCase", caseSchema, "exchange_cases"),
    Inbox: modelOn<HubInboxDoc>(conn, "ExchangeHubInbox", inboxSchema, "exchange_inbox"),
    Documents: modelOn<HubDocumentDoc>(conn, "ExchangeHubDocument", documentSchema, "exchange_documents"),
    Counters: modelOn<{ _id: string; value: number }>(
      conn,
      "ExchangeHubCounter",
      counterSchema,
      "exchange_counters",
    ),
    // Also written by the hub's reassignment of a contested home, by this collection's name
    // (server/hub/exchange-port.ts orderHomeMove): keep the two in step.
    PersonOrders: modelOn<HubPersonOrderDoc>(
      conn,
      "ExchangeHubPersonOrder",
      personOrderSchema,
      "exchange_person_order",
    ),
  };
}
export type HubExchangeModels = ReturnType<typeof hubExchangeModels>;
