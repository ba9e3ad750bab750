import type { Connection } from "mongoose";
import type { NamesOf } from "../audit/index.js";
import { attemptModel } from "./attempt.model.js";

/**
 * Attempts as the audit page names them: whose (`林伟的答卷`; the entry names the category beside
 * it), in one read for all the ids.
 */
export function attemptNames(conn: Connection): NamesOf {
  const Attempts = attemptModel(conn);
  return async (ids) => {
    if (ids.length === 0) return new Map();
    const found = await Attempts.find({ _id: { $in: ids } }, { candidateName: 1 }).lean();
    return new Map(found.map((a) => [String(a._id), `${a.candidateName}的答卷`]));
  };
}
