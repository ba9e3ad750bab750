import { Schema, type ClientSession, type Connection, type Model } from "mongoose";
import type { PendingExtensionDto } from "../contracts/exams.js";

/**
 * The extensions already made, by the console's request id: a console whose ack was lost (a
 * network blip, `ack_timeout`) sends the same extension again with the same id, and was given the
 * time twice. One small document per extension made with an id (bounded as extensions are, by the
 * attempt's budget of proctor events), written in the extension's own transaction: a repeat reads
 * it and is answered the first outcome; two sent at once write the same `_id`, so one of them runs
 * again and reads the other.
 */
const extendRequestSchema = new Schema(
  {
    _id: { type: String, required: true },
    attemptId: { type: String, required: true },
    requestedById: { type: String, required: true },
    /** What was asked under the id: a repeat must ask the same (else the id names another extension). */
    minutes: { type: Number, required: true },
    reason: { type: String, required: true },
    /** The request waiting for a second approver the extension became, or null when given at once. */
    pending: { type: Schema.Types.Mixed, default: null },
    at: { type: Date, required: true },
  },
  { timestamps: false },
);

interface ExtendRequestDoc {
  _id: string;
  attemptId: string;
  requestedById: string;
  minutes: number;
  reason: string;
  pending: PendingExtensionDto | null;
  at: Date;
}

function extendRequestModel(conn: Connection): Model<ExtendRequestDoc> {
  return (
    (conn.models.ProctorExtendRequest as Model<ExtendRequestDoc> | undefined) ??
    conn.model<ExtendRequestDoc>("ProctorExtendRequest", extendRequestSchema, "proctor_extend_requests")
  );
}

/** What an earlier extension with the same request id came to. */
export interface ExtendOutcome {
  requestedById: string;
  minutes: number;
  reason: string;
  pending: PendingExtensionDto | null;
}

export function createExtendRequests(conn: Connection) {
  const Requests = extendRequestModel(conn);
  const key = (attemptId: string, requestId: string) => `${attemptId}:${requestId}`;
  return {
    /** The earlier outcome of this request on this attempt, read in the caller's transaction. */
    async find(attemptId: string, requestId: string, session: ClientSession): Promise<ExtendOutcome | null> {
      const doc = await Requests.findById(key(attemptId, requestId))
        .session(session)
        .lean<ExtendRequestDoc>();
      return doc
        ? {
            requestedById: doc.requestedById,
            minutes: doc.minutes,
            reason: doc.reason,
            pending: doc.pending ?? null,
          }
        : null;
    },
    /**
     * The outage credit the request `requestId` stands for (its reason as written) by the side
     * record a node wrote before the mark moved onto the pending extension (the attempt model's
     * `outage`), or null. Only requests filed before that still need it, and a pending request
     * lives only while its attempt is open (closing clears them): once every sitting open at that
     * upgrade has closed, this read and the `outage:` records can go.
     */
    async legacyOutageOf(
      attemptId: string,
      requestId: string,
      session: ClientSession,
    ): Promise<{ reason: string } | null> {
      const doc = await Requests.findById(`outage:${key(attemptId, requestId)}`)
        .session(session)
        .lean<ExtendRequestDoc>();
      return doc ? { reason: doc.reason } : null;
    },
    /** Records the outcome inside the extension's transaction (see the schema above). */
    async record(
      attemptId: string,
      requestId: string,
      outcome: ExtendOutcome,
      at: Date,
      session: ClientSession,
    ): Promise<void> {
      await Requests.create([{ _id: key(attemptId, requestId), attemptId, ...outcome, at }], { session });
    },
  };
}
