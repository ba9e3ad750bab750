import type { ClientSession, Connection } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { PinnedBlueprint, PinnedBlueprintsPort } from "../question-bank/index.js";
import { notOverAt } from "./not-over.js";
import { examSessionModel } from "./scheduling.model.js";

/**
 * The question bank's `pinnedBlueprints` port (wired in server/features.ts): the blueprint versions
 * pinned by sessions of these categories that are neither cancelled nor over, read inside the
 * caller's transaction `session` when given. Papers are drawn from the pinned version at check-in,
 * so the bank refuses a change that would leave one of these short.
 *
 * "Not over" is the room booking's rule (not-over.ts), so every check-in falls inside it. A session
 * with no pin yet takes the current version at its first check-in, which the bank checks anyway.
 * The query has its index on the sessions' schema (scheduling.model.ts).
 */
export function createPinnedBlueprints(
  conn: Connection,
  options: { now?: () => Date } = {},
): PinnedBlueprintsPort {
  const Sessions = examSessionModel(conn);
  const now = options.now ?? (() => new Date());

  return async function pinnedBlueprints(
    categoryCodes: readonly CategoryCode[],
    session?: ClientSession,
  ): Promise<PinnedBlueprint[]> {
    if (categoryCodes.length === 0) return [];
    const rows = await Sessions.find(
      {
        categoryCode: { $in: [...categoryCodes] },
        status: "scheduled",
        blueprint: { $ne: null },
        ...notOverAt(now()),
      },
      { blueprint: 1 },
    )
      .session(session ?? null)
      .lean();
    const pinned = new Map<string, PinnedBlueprint>();
    for (const row of rows) {
      if (!row.blueprint) continue;
      const { id, version } = row.blueprint;
      const key = `${id}\u0000${version}`;
      const entry = pinned.get(key) ?? { blueprint: { id, version }, sessions: 0 };
      entry.sessions++;
      pinned.set(key, entry);
    }
    return [...pinned.values()];
  };
}
