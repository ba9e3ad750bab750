import type { Connection } from "mongoose";
import type { NamesOf } from "../audit/index.js";
import { isCanonicalObjectId } from "../contracts/auth.js";
import { CATEGORIES } from "../contracts/categories.js";
import { ownEntry } from "../contracts/own-entry.js";
import { formatLocal } from "../lib/local-time.js";
import { examSessionModel } from "./scheduling.model.js";

/**
 * Sessions as the audit page names them: category · start in the node's zone · room
 * (`经营性道路旅客运输驾驶员 · 2026-12-07 13:06 · 第一考场`), in one read for all the ids.
 */
export function sessionNames(conn: Connection, timeZone: string): NamesOf {
  const Sessions = examSessionModel(conn);
  return async (ids) => {
    const wanted = ids.filter(isCanonicalObjectId);
    if (wanted.length === 0) return new Map();
    const found = await Sessions.find(
      { _id: { $in: wanted } },
      { categoryCode: 1, startsAt: 1, roomName: 1 },
    ).lean();
    return new Map(
      found.map((s) => [
        String(s._id),
        [
          ownEntry(CATEGORIES, s.categoryCode) ?? s.categoryCode,
          formatLocal(s.startsAt, timeZone),
          s.roomName,
        ].join(" · "),
      ]),
    );
  };
}

/** The division code each session is held in (id → code), in one read for all the ids. */
export function sessionDivisions(conn: Connection): NamesOf {
  const Sessions = examSessionModel(conn);
  return async (ids) => {
    const wanted = ids.filter(isCanonicalObjectId);
    if (wanted.length === 0) return new Map();
    const found = await Sessions.find({ _id: { $in: wanted } }, { divisionCode: 1 }).lean();
    return new Map(found.map((s) => [String(s._id), s.divisionCode]));
  };
}
