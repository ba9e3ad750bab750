import { Schema, type Connection, type InferSchemaType } from "mongoose";
import { modelOn } from "../lib/mongo.js";

/** The highest accepted version of each published record, keyed by its source (sourceProvince, recordId). */
const recordSchema = new Schema(
  {
    sourceProvince: { type: String, required: true },
    recordId: { type: String, required: true },
    idNumber: { type: String, required: true },
    recordType: { type: String, required: true },
    version: { type: Number, required: true },
    hash: { type: String, required: true },
    record: { type: Schema.Types.Mixed, required: true },
    hubSeq: { type: Number, required: true },
    receivedAt: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);
recordSchema.index({ sourceProvince: 1, recordId: 1 }, { unique: true });
recordSchema.index({ idNumber: 1 });

/**
 * The pointer index (CDLIS): one entry per practitioner naming the home province that keeps the
 * full file, with what lookups answer. `version` counts the changes applied to this practitioner.
 */
const pointerSchema = new Schema(
  {
    idNumber: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    homeProvince: { type: String, required: true },
    categories: { type: [String], default: [] },
    certificateNumber: { type: String, default: null },
    certificateStatus: { type: String, default: null },
    validTo: { type: String, default: null },
    /**
     * The home province's office that issued its current certificate (GB/T 2260), or the home
     * province when it holds no certificate record: the office an exchange case is addressed to.
     * Absent where it was not computed (written before it existed, or the pointer just moved on a
     * transfer): then it is read from the records.
     */
    issuingDivision: { type: String },
    version: { type: Number, required: true },
    recordHash: { type: String, required: true },
    lastSeq: { type: Number, required: true },
    /**
     * False when every record of the person was deleted (e.g. a pass published under a mistyped ID
     * number, then voided): the pointer stays (the change feed and the exchange still follow the
     * person's records) but lookups find nobody, or they answered with a name for an ID number the
     * person does not hold. Absent on pointers written before it: live.
     */
    live: { type: Boolean },
    /** Provinces where the practitioner is filed (备案, issue 13); they receive changes too. */
    filedWith: { type: [String], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);
pointerSchema.index({ certificateNumber: 1 });

/** Every accepted change, numbered by the hub: the cursor of the incremental download. */
const changeSchema = new Schema(
  {
    seq: { type: Number, required: true, unique: true },
    idNumber: { type: String, required: true },
    homeProvince: { type: String, required: true },
    filedWith: { type: [String], default: [] },
    /**
     * The province whose signed record made the change; none for a change the hub makes itself (a
     * transfer's move). Not always the home: a former home may still update records it published.
     */
    sourceProvince: { type: String },
    recordId: { type: String, required: true },
    recordType: { type: String, required: true },
    operation: { type: String, required: true },
    version: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { minimize: false, versionKey: false },
);
changeSchema.index({ homeProvince: 1, seq: 1 });
changeSchema.index({ filedWith: 1, seq: 1 });
// The monthly report counts a month's changes by date (report.service.ts changesAccepted): without
// it every report read the whole change log.
changeSchema.index({ at: 1 });

const counterSchema = new Schema({ _id: { type: String, required: true }, value: { type: Number, required: true } }, { versionKey: false });

/** Rejected records with their reasons, for the hub operator's page and the data-quality report. */
const rejectionSchema = new Schema(
  {
    at: { type: Date, required: true },
    sourceProvince: { type: String, required: true },
    batchId: { type: String, required: true },
    recordId: { type: String, default: null },
    version: { type: Number, default: null },
    reasons: { type: [{ _id: false, code: String, field: { type: String, default: null }, message: String }], default: [] },
  },
  { minimize: false, versionKey: false },
);
rejectionSchema.index({ sourceProvince: 1, at: -1 });

/** Each catalog lookup: who asked, why, for what case, and whose records it touched (Prüm). */
const lookupSchema = new Schema(
  {
    lookupId: { type: String, required: true, unique: true },
    /**
     * The home province's cursor into the log. Given after the lookup committed (a negative
     * placeholder until then, with `unnumbered` set): see createCommitNumbering.
     */
    seq: { type: Number, required: true, unique: true },
    unnumbered: { type: Boolean },
    at: { type: Date, required: true },
    requestingProvince: { type: String, required: true },
    officerId: { type: String, required: true },
    officerName: { type: String, default: null },
    reason: { type: String, required: true },
    caseReference: { type: String, required: true },
    queryBy: { type: String, required: true },
    matches: { type: [{ _id: false, idNumber: String, homeProvince: String }], default: [] },
  },
  { minimize: false, versionKey: false },
);
lookupSchema.index({ "matches.homeProvince": 1, seq: 1 });
// The hub's lookup list filtered by the province that asked.
lookupSchema.index({ requestingProvince: 1, seq: 1 });
// Only the few lookups not numbered yet carry the flag: the check before every read is one index probe.
lookupSchema.index({ unnumbered: 1 }, { sparse: true });

/**
 * Which practitioner a certificate number belongs to (`_id`: the number, trimmed, upper case). A
 * certificate number names one holder (in practice it is the holder's ID number), but the pointer
 * index holds it non-unique: a province published a certificate of X carrying Y's number, and a
 * lookup by number found both. Every accepted certificate record writes its number's claim in its
 * round's transaction, so two rounds claiming one number for two people conflict and the later
 * decides again from what the first committed (collection-rounds.ts, certificate-claims.ts).
 */
const certificateClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    idNumber: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * A province's record refused because another province is the practitioner's home while holding
 * no valid certificate of them (home_contested): the first province to publish a person stays
 * their home for good, so an old register's cancelled certificate, or an exam pass published by
 * any province under an unpublished ID number, made the person's real province unable to publish.
 * The hub operator sees open contests and may reassign the home or dismiss the contest, keeping
 * the home (home-contests.ts); one open contest per person and claiming province, refreshed by
 * each refused re-send.
 */
const homeContestSchema = new Schema(
  {
    contestId: { type: String, required: true, unique: true },
    idNumber: { type: String, required: true },
    name: { type: String, required: true },
    homeProvince: { type: String, required: true },
    claimant: { type: String, required: true },
    /** The pointer's version when the claim was last refused: a reassignment needs it unchanged. */
    pointerVersion: { type: Number, required: true },
    recordId: { type: String, required: true },
    recordType: { type: String, required: true },
    firstAt: { type: Date, required: true },
    lastAt: { type: Date, required: true },
    attempts: { type: Number, required: true },
    state: { type: String, enum: ["open", "reassigned", "dismissed"], required: true },
    resolvedAt: { type: Date, default: null },
    resolvedBy: { type: { _id: false, id: String, name: String }, default: null },
    reason: { type: String, default: null },
  },
  { minimize: false, versionKey: false },
);
homeContestSchema.index(
  { idNumber: 1, claimant: 1 },
  { unique: true, partialFilterExpression: { state: "open" } },
);
// The list's order and cursor: a batch's contests share one lastAt, the id orders them.
homeContestSchema.index({ state: 1, lastAt: -1, contestId: -1 });

export type HubRecordDoc = InferSchemaType<typeof recordSchema>;
export type PointerDoc = InferSchemaType<typeof pointerSchema>;
export type ChangeDoc = InferSchemaType<typeof changeSchema>;
export type RejectionDoc = InferSchemaType<typeof rejectionSchema>;
export type LookupDoc = InferSchemaType<typeof lookupSchema>;
export type HomeContestDoc = InferSchemaType<typeof homeContestSchema>;

export function hubModels(conn: Connection) {
  return {
    Records: modelOn<HubRecordDoc>(conn, "HubRecord", recordSchema, "hub_records"),
    Pointers: modelOn<PointerDoc>(conn, "HubPointer", pointerSchema, "hub_practitioners"),
    Changes: modelOn<ChangeDoc>(conn, "HubChange", changeSchema, "hub_changes"),
    Counters: modelOn<{ _id: string; value: number }>(conn, "HubCounter", counterSchema, "hub_counters"),
    Rejections: modelOn<RejectionDoc>(conn, "HubRejection", rejectionSchema, "hub_rejections"),
    Lookups: modelOn<LookupDoc>(conn, "HubLookup", lookupSchema, "hub_lookups"),
    CertificateClaims: modelOn<{ _id: string; idNumber: string; at: Date }>(
      conn,
      "HubCertificateClaim",
      certificateClaimSchema,
      "hub_certificate_numbers",
    ),
    HomeContests: modelOn<HomeContestDoc>(conn, "HubHomeContest", homeContestSchema, "hub_home_contests"),
  };
}
export type HubModels = ReturnType<typeof hubModels>;
