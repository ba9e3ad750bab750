import { Schema, type Connection, type InferSchemaType, type Model } from "mongoose";

const answerSchema = new Schema(
  {
    choice: { type: [String], default: [] },
    /** Seq of the save that set `choice`; an older seq never overwrites it. */
    seq: { type: Number, default: 0 },
    flagged: { type: Boolean, default: false },
    flagSeq: { type: Number, default: 0 },
  },
  { _id: false },
);

const eventSchema = new Schema(
  {
    n: { type: Number, required: true },
    at: { type: Date, required: true },
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { _id: false, minimize: false },
);

const awaySchema = new Schema(
  {
    from: { type: Date, required: true },
    to: { type: Date, default: null },
    credited: { type: Boolean, default: false },
  },
  { _id: false },
);

/** One pause of the attempt's clock (`to` null while paused): outage credit leaves these out. */
const pauseSchema = new Schema(
  {
    from: { type: Date, required: true },
    to: { type: Date, default: null },
  },
  { _id: false },
);

const pendingExtensionSchema = new Schema(
  {
    requestId: { type: String, required: true },
    minutes: { type: Number, required: true },
    reason: { type: String, required: true },
    requestedBy: { type: String, required: true },
    requestedByName: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    /**
     * An outage credit waiting for approval, with the credit's reason as the proctor wrote it
     * (`reason` above is the request's wording); absent for an extension. Approved, it is given as
     * owed time (proctoring approveExtension). Requests filed before this field have the mark in
     * a side record instead (proctoring extend-requests.ts `legacyOutageOf`).
     */
    outage: {
      type: new Schema({ reason: { type: String, required: true } }, { _id: false }),
      default: undefined,
    },
  },
  { _id: false },
);

/**
 * One candidate's attempt at one session: the paper frozen at check-in, the clock parts, every
 * saved answer with its seq, the hash-chained event log and, once closed, the provisional result.
 * Answers, chain head and status change only through conditional single-document updates, so
 * several instances can serve one attempt without read-modify-write races.
 */
const attemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true },
    candidateId: { type: String, required: true },
    categoryCode: { type: String, required: true },
    candidateName: { type: String, required: true },
    idNumber: { type: String, required: true },
    ticketNo: { type: String, required: true },
    seatId: { type: String, default: null },
    seatNo: { type: Number, default: null },
    photoId: { type: String, default: null },
    onSitePhoto: { type: Boolean, default: false },
    status: {
      type: String,
      required: true,
      enum: ["checked_in", "ready", "in_progress", "submitting", "submitted", "voided"],
    },
    /** The frozen paper lives in `exam_papers` (same id): it never changes, and keeping it out of this document keeps every save small. */
    paperSeed: { type: String, required: true },
    questionCount: { type: Number, required: true },
    /** How the paper scores multiple choice (its blueprint's rule), as the candidate is told. */
    multipleScoring: { type: String, enum: ["all_or_nothing", "partial"], default: "all_or_nothing" },
    minutes: { type: Number, required: true },
    accommodation: { type: String, default: null },
    accommodationMinutes: { type: Number, default: 0 },
    creditedMinutes: { type: Number, default: 0 },
    pausedMs: { type: Number, default: 0 },
    pausedAt: { type: Date, default: null },
    /** Every pause so far (a proctor's act, so few): time away while paused cost the candidate nothing. */
    pauses: { type: [pauseSchema], default: [] },
    earliestHandInMinutes: { type: Number, default: 0 },
    startedAt: { type: Date, default: null },
    /** Persisted so the sweeper on any instance, after any restart, can find expired attempts. */
    deadline: { type: Date, default: null },
    answers: { type: [answerSchema], default: [] },
    /**
     * Seqs received (applied or not), so submit can wait for the last one: every seq 1..seenUpTo,
     * plus those in `seen` (the ones above it that came out of order). See received-seqs.ts.
     */
    seen: { type: [Number], default: [] },
    seenUpTo: { type: Number, default: 0 },
    lastSeq: { type: Number, default: 0 },
    chainN: { type: Number, default: 0 },
    /**
     * Events of the chain that are a proctor's changes (pauses, resumes, extra time, extension
     * requests and their answers): bounded apart from the candidate's saves (attempt-controls.ts).
     */
    controlEvents: { type: Number, default: 0 },
    chainHash: { type: String, required: true },
    events: { type: [eventSchema], default: [] },
    checkedInAt: { type: Date, required: true },
    checkedInBy: { type: String, required: true },
    online: { type: Boolean, default: false },
    /** When the candidate last (re)connected, and the instance holding that socket. */
    seenAt: { type: Date, default: null },
    heldBy: { type: String, default: null },
    /** Moves on at every connect: a disconnect decided meanwhile leaves the seat online. */
    presenceGen: { type: Number, default: 0 },
    disconnectedAt: { type: Date, default: null },
    away: { type: [awaySchema], default: [] },
    /**
     * Written by the earlier outage credit (one mark per attempt, before each drop carried its own
     * `credited`): drops starting up to it count as credited. No longer written.
     */
    outageCreditedUntil: { type: Date, default: null },
    pendingExtensions: { type: [pendingExtensionSchema], default: [] },
    submitClaim: {
      type: new Schema({ token: String, at: Date, by: String, reason: String }, { _id: false }),
      default: null,
    },
    submittedAt: { type: Date, default: null },
    closeReason: { type: String, default: null },
    result: {
      type: new Schema(
        {
          score: Number,
          totalPoints: Number,
          passMark: Number,
          passed: Boolean,
          items: [Schema.Types.Mixed],
        },
        { _id: false },
      ),
      default: null,
    },
    /**
     * Set at closing instead of a result when the attempt could not be graded as it was sat:
     * `paper_changed` = the stored paper is not the one the check-in event recorded (its hash
     * differs), so the candidate answered another paper than the one a grade would use. The
     * exam office reviews it; reports show it and publication names it (results.service.ts).
     */
    review: {
      type: new Schema(
        { code: { type: String, enum: ["paper_changed"] }, at: Date, checkedIn: String, graded: String },
        { _id: false },
      ),
      default: null,
    },
    voidedAt: { type: Date, default: null },
    voidNote: { type: String, default: null },
  },
  // No autoIndex: ensureAttemptIndexes (attempt-indexes.ts) builds these at the feature's start,
  // after replacing the non-unique sitting index older nodes hold. Built on registration, the
  // unique index would meet that one and fail (IndexOptionsConflict) before any code could act.
  { timestamps: true, minimize: false, autoIndex: false },
);
/**
 * The name of the unique index on a sitting's key. Not the default `sessionId_1_candidateId_1`:
 * that is the non-unique index nodes from before the rule carry, and the two must never be taken
 * for each other. The suffix keeps the default's field list, so a duplicate-key refusal read by
 * its message alone still names sessionId and candidateId (duplicateKeyFields).
 */
export const ONE_ATTEMPT_INDEX = "sessionId_1_candidateId_1_unique";
/** A sitting's key: one attempt per candidate and session (attempt-indexes.ts finds older indexes on it). */
export const SITTING_KEY = { sessionId: 1, candidateId: 1 } as const;
// One attempt per candidate and session, kept by the database: check-in answers a second check-in
// with the first attempt, but a race or a bug writing a second sitting could give two results.
attemptSchema.index(SITTING_KEY, { unique: true, name: ONE_ATTEMPT_INDEX });
attemptSchema.index({ candidateId: 1, categoryCode: 1, submittedAt: 1 });
// The deadline sweeper's query: in-progress, not paused, deadline passed.
attemptSchema.index({ status: 1, deadline: 1 });
// Auto-seating's "passed already" (passedCandidates): only passes are indexed, so the read is
// covered and grows with a category's passes, not with every attempt ever made.
attemptSchema.index(
  { categoryCode: 1, candidateId: 1 },
  { partialFilterExpression: { status: "submitted", "result.passed": true } },
);

export type AttemptDoc = InferSchemaType<typeof attemptSchema> & { _id: string };

export function attemptModel(conn: Connection): Model<AttemptDoc> {
  return (
    (conn.models.ExamAttempt as Model<AttemptDoc> | undefined) ??
    conn.model<AttemptDoc>("ExamAttempt", attemptSchema, "exam_attempts")
  );
}

/** The paper frozen into an attempt at check-in (server/contracts/paper.ts), answer keys included: never sent to candidates. */
const paperSchema = new Schema(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true, index: true },
    candidateId: { type: String, required: true },
    categoryCode: { type: String, required: true },
    paper: { type: Schema.Types.Mixed, required: true },
  },
  { minimize: false },
);
paperSchema.index({ candidateId: 1, categoryCode: 1 });
export type AttemptPaperDoc = InferSchemaType<typeof paperSchema> & { _id: string };
export function attemptPaperModel(conn: Connection): Model<AttemptPaperDoc> {
  return (
    (conn.models.ExamAttemptPaper as Model<AttemptPaperDoc> | undefined) ??
    conn.model<AttemptPaperDoc>("ExamAttemptPaper", paperSchema, "exam_papers")
  );
}

/**
 * How often each question was given in a session so far (paper assembly balances exposure). One
 * small counter document per session, so a check-in never reads every paper of the room.
 */
const exposureSchema = new Schema(
  { _id: { type: String, required: true }, counts: { type: Schema.Types.Mixed, default: {} } },
  { minimize: false },
);
export type ExposureDoc = InferSchemaType<typeof exposureSchema> & { _id: string };
export function exposureModel(conn: Connection): Model<ExposureDoc> {
  return (
    (conn.models.ExamExposure as Model<ExposureDoc> | undefined) ??
    conn.model<ExposureDoc>("ExamExposure", exposureSchema, "exam_exposure")
  );
}

/** One heartbeat per running instance: seats held by an instance that stopped beating are disconnected. */
const instanceSchema = new Schema({
  _id: { type: String, required: true },
  seenAt: { type: Date, required: true },
});
export type ExamInstanceDoc = InferSchemaType<typeof instanceSchema> & { _id: string };
export function examInstanceModel(conn: Connection): Model<ExamInstanceDoc> {
  return (
    (conn.models.ExamInstance as Model<ExamInstanceDoc> | undefined) ??
    conn.model<ExamInstanceDoc>("ExamInstance", instanceSchema, "exam_instances")
  );
}

/** The result record of a closed attempt (one per attempt; locked once the session is published). */
const resultSchema = new Schema(
  {
    attemptId: { type: String, required: true, unique: true },
    sessionId: { type: String, required: true, index: true },
    candidateId: { type: String, required: true },
    categoryCode: { type: String, required: true },
    score: { type: Number, required: true },
    totalPoints: { type: Number, required: true },
    passMark: { type: Number, required: true },
    passed: { type: Boolean, required: true },
    submittedAt: { type: Date, required: true },
    closeReason: { type: String, required: true },
    /** Final hash of the attempt's event chain (the certificate signs it). */
    chainHash: { type: String, required: true },
    official: { type: Boolean, default: false },
    publishedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
export type ExamResultDoc = InferSchemaType<typeof resultSchema>;
export function examResultModel(conn: Connection): Model<ExamResultDoc> {
  return (
    (conn.models.ExamResult as Model<ExamResultDoc> | undefined) ??
    conn.model<ExamResultDoc>("ExamResult", resultSchema, "exam_results")
  );
}

/** A session's publication: once present the session's results are official and locked. */
const publicationSchema = new Schema(
  {
    sessionId: { type: String, required: true, unique: true },
    publishedAt: { type: Date, required: true },
    publishedBy: { type: String, required: true },
    report: { type: Schema.Types.Mixed, required: true },
  },
  { minimize: false },
);
export type PublicationDoc = InferSchemaType<typeof publicationSchema>;
export function publicationModel(conn: Connection): Model<PublicationDoc> {
  return (
    (conn.models.ExamPublication as Model<PublicationDoc> | undefined) ??
    conn.model<PublicationDoc>("ExamPublication", publicationSchema, "exam_publications")
  );
}

/** On-site check-in photos, kept apart from the attempt so seat-map reads stay small. */
const photoSchema = new Schema({
  attemptId: { type: String, required: true, unique: true },
  contentType: { type: String, required: true },
  data: { type: Buffer, required: true },
  takenBy: { type: String, required: true },
  at: { type: Date, required: true },
});
export type CheckInPhotoDoc = InferSchemaType<typeof photoSchema>;
export function checkInPhotoModel(conn: Connection): Model<CheckInPhotoDoc> {
  return (
    (conn.models.CheckInPhoto as Model<CheckInPhotoDoc> | undefined) ??
    conn.model<CheckInPhotoDoc>("CheckInPhoto", photoSchema, "exam_check_in_photos")
  );
}
