import type { Connection } from "mongoose";
import type { NamesOf } from "../audit/index.js";
import { isCanonicalObjectId } from "../contracts/auth.js";
import { candidateModel } from "./candidate.model.js";

/** Candidates as the audit page names them: by name, in one read for all the ids. */
export function candidateNames(conn: Connection): NamesOf {
  const Candidates = candidateModel(conn);
  return async (ids) => {
    const wanted = ids.filter(isCanonicalObjectId);
    if (wanted.length === 0) return new Map();
    const found = await Candidates.find({ _id: { $in: wanted } }, { name: 1 }).lean();
    return new Map(found.map((c) => [String(c._id), c.name]));
  };
}
