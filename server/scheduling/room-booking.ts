import type { ClientSession, Model } from "mongoose";
import { errors } from "../lib/errors.js";
import { claimInTransaction, isDuplicateKey, retryTransaction } from "../lib/mongo.js";
import { notOverAt } from "./not-over.js";
import type { ExamSessionDoc, RoomBookingLockDoc } from "./scheduling.model.js";

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

export function createRoomBooking(Sessions: Model<ExamSessionDoc>, Locks: Model<RoomBookingLockDoc>) {
  /** Scheduled sessions of the room whose booking overlaps [from, until). */
  function overlapFilter(roomId: string, from: Date, until: Date, exceptId?: string) {
    const filter: Record<string, unknown> = {
      roomId,
      status: "scheduled",
      startsAt: { $lt: until },
      // Sessions written before bookings existed hold the room until their nominal end.
      ...notOverAt(from),
    };
    if (exceptId) filter._id = { $ne: exceptId };
    return filter;
  }

  function overlapping(roomId: string, from: Date, until: Date, exceptId?: string, session?: ClientSession) {
    return Sessions.exists(overlapFilter(roomId, from, until, exceptId)).session(session ?? null);
  }

  /**
   * The room's lock document exists before any transaction takes it: two transactions upserting
   * it at once would insert two documents with one key (a duplicate, not a retried conflict).
   */
  async function ensureLock(roomId: string): Promise<void> {
    await Locks.updateOne({ roomId }, { $setOnInsert: { seq: 0 } }, { upsert: true }).catch(
      (err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
      },
    );
  }

  /**
   * Writes the room's lock inside `session`: a concurrent booking of the room conflicts with it.
   * A lock missing from the transaction's snapshot would lock nothing and let the booking through
   * unguarded: it is created (outside, as `ensureLock` does) and the whole transaction is run again.
   */
  async function takeLock(roomId: string, session: ClientSession): Promise<void> {
    if ((await claimInTransaction(Locks, { roomId }, "seq", session)) === 1) return;
    await ensureLock(roomId);
    throw retryTransaction(`room booking lock of ${roomId} was missing: created, transaction retried`);
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
          ...notOverAt(at),
        },
        { startsAt: 1 },
      )
        .session(session ?? null)
        .sort({ startsAt: 1 })
        .lean();
      return { count: rows.length, firstStartsAt: rows[0]?.startsAt ?? null };
    },

    ensureLock,

    /**
     * Inside `session`, under the room's lock (so a booking growing meanwhile conflicts with it):
     * the latest end among the room's scheduled sessions that start before `startsAt` and whose
     * booking has not ended by `at`, or null when the room is free of them by then. The lock
     * document exists (`ensureLock`) or the transaction is run again once it does.
     */
    async heldBefore(
      session: ClientSession,
      roomId: string,
      sessionId: string,
      startsAt: Date,
      at: Date,
    ): Promise<{ sessionId: string; until: Date } | null> {
      await takeLock(roomId, session);
      const held = await Sessions.find(
        {
          roomId,
          status: "scheduled",
          _id: { $ne: sessionId },
          startsAt: { $lt: startsAt },
          ...notOverAt(at),
        },
        { bookedUntil: 1, endsAt: 1 },
      )
        .session(session)
        .lean();
      return held.reduce<{ sessionId: string; until: Date } | null>((latest, h) => {
        const until = h.bookedUntil ?? h.endsAt;
        return latest && latest.until >= until ? latest : { sessionId: String(h._id), until };
      }, null);
    },

    /**
     * Inside the booking's transaction (call `ensureLock` before it): takes the room's lock, then
     * refuses with `room_busy` when another session holds the room in [from, until). The check and
     * the write that follows it are one atomic step: a concurrent booking of the same room
     * conflicts on the lock and is retried after this one, when it sees this booking.
     */
    async reserve(
      session: ClientSession,
      roomId: string,
      from: Date,
      until: Date,
      exceptId?: string,
    ): Promise<void> {
      await takeLock(roomId, session);
      if (await overlapping(roomId, from, until, exceptId, session))
        throw errors.conflict("room_busy", "该考场在此时间段已有考试场次");
    },

    /**
     * Keeps the session's room booked at least until `until` (a deadline that grew), inside `tx`
     * when given (else in a transaction of its own). False when
     * another session holds the room in between: time that may wait leaves the booking as it was;
     * time `owed` to candidates books the room anyway and flags the sessions it runs into (`overrunBy`).
     */
    async holdUntil(sessionId: string, until: Date, owed = false, tx?: ClientSession): Promise<boolean> {
      const s = await Sessions.findById(sessionId, { roomId: 1, startsAt: 1, bookedUntil: 1, endsAt: 1 })
        .session(tx ?? null)
        .lean();
      if (!s) return false;
      if (until <= (s.bookedUntil ?? s.endsAt)) return true;
      // Under the room's lock, like a new booking: a session scheduled meanwhile cannot slip in.
      // Inside the caller's transaction `tx` when given, so the hold commits or aborts with the
      // change that needed it (an extension).
      const hold = async (session: ClientSession) => {
        await takeLock(s.roomId, session);
        const now = await Sessions.findById(sessionId, { bookedUntil: 1, endsAt: 1 }).session(session).lean();
        if (!now) return false;
        const held = now.bookedUntil ?? now.endsAt;
        if (until <= held) return true;
        if (await overlapping(s.roomId, held, until, sessionId, session)) {
          if (!owed) return false;
          // Owed time is never cut for the room: the sessions it runs into are flagged instead, so
          // their page tells the office before their candidates arrive. The booking still grows to
          // the real end, so a flagged session moved (or one booked) into that time is refused
          // room_busy, and a move that is accepted is clear of it (updateSession drops the flag).
          await Sessions.updateMany(
            { ...overlapFilter(s.roomId, held, until, sessionId), startsAt: { $gt: s.startsAt, $lt: until } },
            { $set: { overrunBy: { sessionId, until } } },
            { session },
          );
          await Sessions.updateOne({ _id: sessionId }, { $max: { bookedUntil: until } }, { session });
          return false;
        }
        await Sessions.updateOne({ _id: sessionId }, { $max: { bookedUntil: until } }, { session });
        return true;
      };
      if (tx) return hold(tx);
      await ensureLock(s.roomId);
      return Sessions.db.transaction(hold);
    },
  };
}
