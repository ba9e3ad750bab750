import type { ClientSession, Connection } from "mongoose";
import type { CategoryCode } from "../contracts/categories.js";
import type { BlueprintRef } from "../contracts/scheduling.js";
import { examSessionModel } from "./scheduling.model.js";

/** A blueprint version pinned by sessions not yet over, and by how many. */
export interface PinnedBlueprint {
  blueprint: BlueprintRef;
  sessions: number;
}

/**
 * A read port for the question bank (wired in server/features.ts): the blueprint versions pinned
 * by sessions of these categories that are neither cancelled nor over, read inside the caller's
 * transaction `session` when given. Papers are drawn from the pinned version at check-in, so
 * the bank refuses a change that would leave one of these short.
 *
 * "Not over" is the room booking's rule (room-booking.ts): the booking covers the late-entry window,
 * the sitting and its reserve, and grows with owed time, so every check-in falls inside it. A session
 * with no pin yet takes the current version at its first check-in, which the bank checks anyway.
 */
export function createPinnedBlueprints(conn: Connection, options: { now?: () => Date } = {}) {
  const Sessions = examSessionModel(conn);
  const now = options.now ?? (() => new Date());

  return async function pinnedBlueprints(
    categoryCodes: readonly CategoryCode[],
    session?: ClientSession,
  ): Promise<PinnedBlueprint[]> {
    if (categoryCodes.length === 0) return [];
    const at = now();
    const rows = await Sessions.find(
      {
        categoryCode: { $in: [...categoryCodes] },
        status: "scheduled",
        blueprint: { $ne: null },
        $or: [{ bookedUntil: { $gt: at } }, { bookedUntil: null, endsAt: { $gt: at } }],
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
export type PinnedBlueprintsReader = ReturnType<typeof createPinnedBlueprints>;
