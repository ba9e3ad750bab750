import type { Connection } from "mongoose";
import { attemptModel, attemptPaperModel, examResultModel } from "../../../../server/exams/attempt.model.js";

/**
 * Tests read exam delivery's collections directly to assert what the database holds (integration
 * tests check the response AND the database); the service itself exposes no models.
 */
export const examDb = (conn: Connection) => ({
  Attempts: attemptModel(conn),
  Results: examResultModel(conn),
  Papers: attemptPaperModel(conn),
});

export const attemptModelForTests = (conn: Connection) => attemptModel(conn);
