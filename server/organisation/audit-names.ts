import type { Connection } from "mongoose";
import type { NamesOf } from "../audit/index.js";
import { isCanonicalObjectId } from "../contracts/auth.js";
import { testCentreModel } from "./organisation.model.js";

/**
 * Seats as the audit page names them: by number and room (`3 号（第一考场）`), in one read for all
 * the ids (seats live inside their centre's rooms; a node has few centres).
 */
export function seatNames(conn: Connection): NamesOf {
  const Centres = testCentreModel(conn);
  return async (ids) => {
    const wanted = new Set(ids.filter(isCanonicalObjectId));
    if (wanted.size === 0) return new Map();
    const centres = await Centres.find({ "rooms.seats._id": { $in: [...wanted] } }, { rooms: 1 }).lean();
    const names = new Map<string, string>();
    for (const centre of centres)
      for (const room of centre.rooms)
        for (const seat of room.seats)
          if (wanted.has(String(seat._id))) names.set(String(seat._id), `${seat.seatNo} 号（${room.name}）`);
    return names;
  };
}
