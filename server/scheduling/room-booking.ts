import type { ClientSession, Model } from "mongoose";
import { errors } from "../lib/errors.js";
import type { ExamSessionDoc } from "./scheduling.model.js";

/**
 * How long a session holds its room. A candidate's deadline is the release time plus the session's
 * length plus accommodation, extensions and pauses, so the booking covers more than the nominal
 * `endsAt`: the latest regular deadline (a candidate admitted at the end of the late-entry window
 * and released then) plus a configured reserve. A deadline beyond that grows the booking while the
 * room is free (`holdUntil`), so another session can never be scheduled into a running exam.
 */
export function bookedUntilOf(
  s: { startsAt: Date; lateEntryMinutes: number; durationMinutes: number },
  reserveMinutes: number,
): Date {
  return new Date(s.startsAt.getTime() + (s.lateEntryMinutes + s.durationMinutes + reserveMinutes) * 60_000);
}

export function createRoomBooking(Sessions: Model<ExamSessionDoc>) {
  /** Scheduled sessions of the room whose booking overlaps [from, until). */
  function overlapping(roomId: string, from: Date, until: Date, exceptId?: string) {
    const filter: Record<string, unknown> = {
      roomId,
      status: "scheduled",
      startsAt: { $lt: until },
      // Sessions written before bookings existed hold the room until their nominal end.
      $or: [{ bookedUntil: { $gt: from } }, { bookedUntil: null, endsAt: { $gt: from } }],
    };
    if (exceptId) filter._id = { $ne: exceptId };
    return Sessions.exists(filter);
  }

  return {
    /** Scheduled sessions in these rooms whose booking has not ended by `at`, earliest first. */
    async openSessions(
      roomIds: string[],
      at: Date,
      session?: ClientSession,
    ): Promise<{ count: number; firstStartsAt: Date | null }> {
      const rows = await Sessions.find(
        {
          roomId: { $in: roomIds },
          status: "scheduled",
          $or: [{ bookedUntil: { $gt: at } }, { bookedUntil: null, endsAt: { $gt: at } }],
        },
        { startsAt: 1 },
      )
        .session(session ?? null)
        .sort({ startsAt: 1 })
        .lean();
      return { count: rows.length, firstStartsAt: rows[0]?.startsAt ?? null };
    },

    /** Refuses with `room_busy` when another session holds the room in [from, until). */
    async assertFree(roomId: string, from: Date, until: Date, exceptId?: string): Promise<void> {
      if (await overlapping(roomId, from, until, exceptId))
        throw errors.conflict("room_busy", "该考场在此时间段已有考试场次");
    },

    /**
     * Keeps the session's room booked at least until `until` (a deadline that grew). False when
     * another session holds the room in between: the booking is then left as it was.
     */
    async holdUntil(sessionId: string, until: Date): Promise<boolean> {
      const s = await Sessions.findById(sessionId, { roomId: 1, bookedUntil: 1, endsAt: 1 }).lean();
      if (!s) return false;
      const held = s.bookedUntil ?? s.endsAt;
      if (until <= held) return true;
      if (await overlapping(s.roomId, held, until, sessionId)) return false;
      await Sessions.updateOne({ _id: sessionId }, { $max: { bookedUntil: until } });
      return true;
    },
  };
}
