import type { ClientSession, Connection } from "mongoose";
import type { CloseReason, SessionReportDto } from "../contracts/exams.js";
import { examResultModel, publicationModel } from "./attempt.model.js";

/** What a closed attempt's result record holds (one per attempt). */
export interface ResultRecord {
  attemptId: string;
  sessionId: string;
  candidateId: string;
  categoryCode: string;
  score: number;
  totalPoints: number;
  passMark: number;
  passed: boolean;
  submittedAt: Date;
  closeReason: CloseReason;
  chainHash: string;
}

/**
 * Result records and session publications. A session's publication makes its results official and
 * locks them: no void or force-submit afterwards, and the report stays as published.
 */
export function createResultRecords(conn: Connection) {
  const Results = examResultModel(conn);
  const Publications = publicationModel(conn);
  return {
    /** Whether the session is published; inside `tx` when given (a write that depends on it). */
    async isPublished(sessionId: string, tx?: ClientSession): Promise<boolean> {
      return (await Publications.exists({ sessionId }).session(tx ?? null)) !== null;
    },
    /** Whether the attempt's result is official and a pass; inside `tx` when given. */
    async isOfficialPass(attemptId: string, tx?: ClientSession): Promise<boolean> {
      return (await Results.exists({ attemptId, official: true, passed: true }).session(tx ?? null)) !== null;
    },
    /** Which of these sessions are published (the session list's lifecycle column). */
    async publishedAmong(sessionIds: string[]): Promise<Set<string>> {
      if (sessionIds.length === 0) return new Set();
      const rows = await Publications.find({ sessionId: { $in: sessionIds } }, { sessionId: 1 }).lean();
      return new Set(rows.map((r) => r.sessionId));
    },
    /** The report as published, or null while the session is unpublished. */
    async publishedReport(sessionId: string): Promise<SessionReportDto | null> {
      const published = await Publications.findOne({ sessionId }).lean();
      return published ? (published.report as SessionReportDto) : null;
    },
    /** Writes a closed attempt's result inside the closing transaction. */
    async record(session: ClientSession, result: ResultRecord): Promise<void> {
      await Results.create([result], { session });
    },
    /** A voided attempt has no result (only while unpublished: an official result never goes). */
    async dropProvisional(attemptId: string, session?: ClientSession): Promise<boolean> {
      return (await Results.deleteOne({ attemptId, official: false }, { session })).deletedCount === 1;
    },
    /** Publication record and official results, inside the caller's transaction (with its audit entry). */
    async publish(
      session: ClientSession,
      sessionId: string,
      at: Date,
      by: string,
      report: SessionReportDto,
    ): Promise<void> {
      await Publications.create([{ sessionId, publishedAt: at, publishedBy: by, report }], { session });
      await Results.updateMany({ sessionId }, { $set: { official: true, publishedAt: at } }, { session });
    },
  };
}
export type ResultRecords = ReturnType<typeof createResultRecords>;

/** The read-only view other features take of publication (certificates wait for it). */
export function publishedResults(conn: Connection) {
  const records = createResultRecords(conn);
  return {
    isPublished: (sessionId: string, tx?: ClientSession) => records.isPublished(sessionId, tx),
    isOfficialPass: (attemptId: string, tx?: ClientSession) => records.isOfficialPass(attemptId, tx),
  };
}
