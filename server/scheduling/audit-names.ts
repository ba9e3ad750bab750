import type { Connection } from "mongoose";
import type { AuditReferenceNames } from "../audit/index.js";
import { isCanonicalObjectId } from "../contracts/auth.js";
import { CATEGORIES } from "../contracts/categories.js";
import { ownEntry } from "../contracts/own-entry.js";
import { formatLocal } from "../lib/local-time.js";
import { examSessionModel } from "./scheduling.model.js";

/** What the audit page asks of sessions (audit/reference-names.ts `SessionsOf`). */
type SessionsOf = NonNullable<AuditReferenceNames["session"]>;

/**
 * Sessions as the audit page needs them, in one read for all the ids: each one's name, category ·
 * start in the node's zone · room (`经营性道路旅客运输驾驶员 · 2026-12-07 13:06 · 第一考场`), and the
 * division it is held in.
 */
export function sessionReferences(conn: Connection, timeZone: string): SessionsOf {
  const Sessions = examSessionModel(conn);
  return async (ids) => {
    const wanted = ids.filter(isCanonicalObjectId);
    if (wanted.length === 0) return new Map();
    const found = await Sessions.find(
      { _id: { $in: wanted } },
      { categoryCode: 1, startsAt: 1, roomName: 1, divisionCode: 1 },
    ).lean();
    return new Map(
      found.map((s) => [
        String(s._id),
        {
          name: [
            ownEntry(CATEGORIES, s.categoryCode) ?? s.categoryCode,
            formatLocal(s.startsAt, timeZone),
            s.roomName,
          ].join(" · "),
          divisionCode: s.divisionCode,
        },
      ]),
    );
  };
}
