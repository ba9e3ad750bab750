import type { Connection } from "mongoose";
import { attemptModel } from "../../../../server/exams/attempt.model.js";

/** Tests read the attempt collection directly to assert the database state (the "assert the DB"). */
export const attemptModelForTests = (conn: Connection) => attemptModel(conn);
