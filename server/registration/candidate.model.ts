import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const candidateSchema = new Schema(
  {
    name: { type: String, required: true },
    sex: { type: String, required: true, enum: ["male", "female"] },
    /** GB 11643 number, upper-case X; one registration per person per node. */
    idNumber: { type: String, required: true, unique: true },
    birthDate: { type: String, required: true },
    phone: { type: String, required: true },
    addressDivisionCode: { type: String, required: true },
    /** Registering division: officers see candidates of their division and below. */
    divisionCode: { type: String, required: true, index: true },
    education: { type: String, required: true },
    /** Both absent for an applicant who does not drive (装卸管理人员, 押运人员 only). */
    licenceClass: { type: String },
    licenceFirstIssuedOn: { type: String },
    categories: { type: [String], required: true },
    heldQualifications: { type: [{ categoryCode: String, firstIssuedOn: String, _id: false }], default: [] },
    declarations: { type: Schema.Types.Mixed, default: {} },
    photoId: { type: String, default: null },
    registeredBy: { type: String, required: true },
    /** Withdrawn (撤销报名): kept for the records, seated nowhere new. */
    withdrawnAt: { type: Date, default: null },
    withdrawReason: { type: String, default: null },
    /**
     * Bumped by every seating inside its transaction (claimForSeating): that write, conditional on
     * `withdrawnAt`, is what makes a seating and a withdrawal of the same candidate conflict.
     */
    seatClaims: { type: Number, default: 0 },
    /**
     * Bumped by every certificate issuance inside its transaction (claimHolder): that write,
     * conditional on `withdrawnAt` and the facts the certificate copies, makes an issuance and a
     * withdrawal or correction of the same candidate conflict.
     */
    certificateClaims: { type: Number, default: 0 },
  },
  { timestamps: true, collection: "candidates", minimize: false },
);
candidateSchema.index({ divisionCode: 1, name: 1 });
// The officer's list: newest first, a page at a time (registration page()).
candidateSchema.index({ createdAt: -1, _id: -1 });

export type CandidateDoc = InferSchemaType<typeof candidateSchema>;

export function candidateModel(conn: Connection): Model<CandidateDoc> {
  return (
    (conn.models.Candidate as Model<CandidateDoc> | undefined) ??
    conn.model<CandidateDoc>("Candidate", candidateSchema)
  );
}

/** Registration photos, written in the same transaction as their candidate. */
const candidatePhotoSchema = new Schema(
  {
    mimeType: { type: String, required: true },
    data: { type: Buffer, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
  },
  { timestamps: true, collection: "candidate_photos" },
);

export type CandidatePhotoDoc = InferSchemaType<typeof candidatePhotoSchema>;

export function candidatePhotoModel(conn: Connection): Model<CandidatePhotoDoc> {
  return (
    (conn.models.CandidatePhoto as Model<CandidatePhotoDoc> | undefined) ??
    conn.model<CandidatePhotoDoc>("CandidatePhoto", candidatePhotoSchema)
  );
}
