import type { ClientSession, Connection } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import type {
  BlueprintRef,
  CreateSessionBody,
  ExamSessionDto,
  ExamSessionListDto,
  ListSessionsQuery,
} from "../contracts/scheduling.js";
import { canSeeDivision, divisionFilter } from "../access/index.js";
import type { AuditActor } from "../contracts/audit.js";
import { errors } from "../lib/errors.js";
import { formatLocal } from "../lib/local-time.js";
import { claimInTransaction, newestPage } from "../lib/mongo.js";
import { bookedUntilOf } from "./room-booking.js";
import { toSessionDto, type SessionLean } from "./presenters.js";
import { createAdmission } from "./admission.js";
import { createSchedulingCore, type SchedulingOptions } from "./scheduling-core.js";
import { createSeating } from "./seating.js";
import { createSessionUpdates } from "./session-updates.js";

export type { RetakeBlockers, RetakeCheck, SchedulingOptions } from "./scheduling-core.js";

/** A session's length when the officer gives none and the category has no blueprint yet. */
const DEFAULT_SESSION_MINUTES = 60;

/** What scheduling asks exam delivery, beside its own options (wired in server/features.ts). */
interface SittingPort {
  /**
   * Of the candidate's sessions named, those they are still sitting, each with until when (their
   * attempt's deadline with extra time, pauses and a late release); the others are left out. One
   * ask for them all. Absent (a node without exam delivery): nobody sits past the nominal end.
   */
  sittingsUntil?: (candidateId: string, sessionIds: string[]) => Promise<ReadonlyMap<string, Date>>;
}

/**
 * Scheduling (考试安排): sessions (场次) per test-centre room, seat assignments and admission
 * tickets (准考证). A facade: sessions are created and listed here; changing and cancelling them,
 * seating and admission live in their own modules (see their files).
 */
export function createSchedulingService(conn: Connection, options: SchedulingOptions & SittingPort) {
  const core = createSchedulingCore(conn, options);
  const { Sessions, Assignments, audit, now, booking, reserve, loadSession, loadForRead, timeZone } = core;

  return {
    async createSession(actor: AuthUser, body: CreateSessionBody): Promise<ExamSessionDto> {
      const provinceCode = options.provinceCode;
      if (!provinceCode) throw errors.forbidden("全国共享平台不安排考试", "not_a_province_node");
      const room = await options.organisation.getRoom(body.testCentreId, body.roomId);
      if (!room) throw errors.badRequest("unknown_room", "考场不存在");
      if (room.retired) throw errors.conflict("room_retired", "该考场或考点已停用，不能安排新的场次");
      if (!canSeeDivision(actor.divisionCode, room.divisionCode))
        throw errors.forbidden("无权在该考点安排考试", "division_out_of_scope");
      const startsAt = new Date(body.startsAt);
      if (startsAt <= now()) throw errors.badRequest("starts_in_past", "开考时间须晚于当前时间");
      // The session's papers follow the blueprint current now, whatever is published later.
      const blueprint = (await options.currentBlueprint?.(body.categoryCode)) ?? null;
      const durationMinutes = body.durationMinutes ?? blueprint?.minutes ?? DEFAULT_SESSION_MINUTES;
      const endsAt = new Date(startsAt.getTime() + durationMinutes * 60_000);
      const capacity = body.capacity ?? room.seats.length;
      if (capacity > room.seats.length) {
        throw errors.badRequest("capacity_exceeds_seats", `容量不能超过考场座位数 ${room.seats.length}`);
      }
      const bookedUntil = bookedUntilOf(
        { startsAt, lateEntryMinutes: body.lateEntryMinutes, durationMinutes },
        reserve,
      );
      await booking.ensureLock(room.roomId);
      const s = await audit.transaction(async (session) => {
        // Claimed in this transaction: a retirement of the room or centre since the check above
        // refuses the session here.
        // The names are copied as this transaction reads them: a rename committed since `getRoom`
        // (which renames only the sessions it sees) would otherwise be missed by this one.
        const names = await options.organisation.claimRoom(room.testCentreId, room.roomId, session);
        if (!names) throw errors.conflict("room_retired", "该考场或考点已停用，不能安排新的场次");
        await booking.reserve(session, room.roomId, startsAt, bookedUntil);
        const [created] = await Sessions.create(
          [
            {
              categoryCode: body.categoryCode,
              testCentreId: room.testCentreId,
              testCentreName: names.testCentreName,
              testCentreAddress: names.testCentreAddress,
              roomId: room.roomId,
              roomName: names.roomName,
              startsAt,
              durationMinutes,
              endsAt,
              blueprint: blueprint ? { id: blueprint.id, version: blueprint.version } : null,
              bookedUntil,
              capacity,
              lateEntryMinutes: body.lateEntryMinutes,
              earliestHandInMinutes: body.earliestHandInMinutes,
              provinceCode,
              divisionCode: room.divisionCode,
              createdBy: actor.id,
            },
          ],
          { session },
        );
        if (!created) throw new Error("session not written");
        await audit.append(session, {
          action: "session.created",
          actor,
          divisionCode: created.divisionCode,
          target: { type: "exam_session", id: String(created._id) },
          // Names beside the ids: the log is read by people, and a room may be renamed later.
          details: {
            categoryCode: created.categoryCode,
            testCentreName: created.testCentreName,
            roomName: created.roomName,
            roomId: created.roomId,
            startsAt: created.startsAt.toISOString(),
            durationMinutes: created.durationMinutes,
            blueprint: blueprint ? `${blueprint.id}@${blueprint.version}` : null,
            // What the page shows; null until the first check-in pins one (session.blueprint_pinned).
            blueprintVersion: blueprint?.version ?? null,
          },
        });
        return created;
      });
      return toSessionDto(s.toObject() as SessionLean, now());
    },

    /**
     * A page of the sessions the actor may see, latest scheduled first (see `ListSessionsQuery`).
     * Paged on the creation time, which never changes: paged on the start, which a move changes, a
     * session moved from a page not yet read to above the cursor was never listed, and one moved the
     * other way was listed twice.
     */
    async listSessions(actor: AuthUser, q: ListSessionsQuery): Promise<ExamSessionListDto> {
      const scopes: Record<string, unknown>[] = [];
      if (actor.roles.includes("officer")) scopes.push(divisionFilter(actor.divisionCode));
      if (actor.roles.includes("proctor") && actor.testCentreId)
        scopes.push({ testCentreId: actor.testCentreId });
      if (scopes.length === 0) return { sessions: [], total: 0, next: null };
      const filter: Record<string, unknown> = { $or: scopes };
      if (q.categoryCode) filter.categoryCode = q.categoryCode;
      if (q.testCentreId) filter.testCentreId = q.testCentreId;
      if (q.divisionCode) filter.divisionCode = q.divisionCode;
      if (q.from || q.to)
        filter.startsAt = {
          ...(q.from ? { $gte: new Date(q.from) } : {}),
          ...(q.to ? { $lt: new Date(q.to) } : {}),
        };
      const found = await newestPage(Sessions, filter, { time: "createdAt", tie: "_id" }, q.before, q.limit);
      const rows = found.rows as SessionLean[];
      const published = (await options.publishedAmong?.(rows.map((r) => String(r._id)))) ?? new Set();
      const at = now();
      const sessions = rows.map((r) => toSessionDto(r, at, published.has(String(r._id))));
      return { sessions, total: found.total, next: found.next };
    },

    async getSessionFor(actor: AuthUser, id: string): Promise<ExamSessionDto> {
      const s = await loadForRead(actor, id);
      const published = (await options.publishedAmong?.([id]))?.has(id) ?? false;
      return toSessionDto(s, now(), published);
    },

    ...createSessionUpdates(core),
    ...createSeating(core),
    ...createAdmission(core),

    // ---- for other features (exam delivery), without actor checks ----

    /**
     * Inside the caller's transaction: true while the session is scheduled, and then claimed by a
     * write on it, so a cancellation committing meanwhile conflicts with the caller (one of the two
     * is retried and sees the other) instead of slipping in between; false when cancelled or gone.
     * Before the start, throws `room_still_in_use` while the room's previous session holds the room.
     */
    async claimScheduled(sessionId: string, tx: ClientSession, at: Date): Promise<boolean> {
      if (!isCanonicalObjectId(sessionId)) return false;
      const claimed = await Sessions.findOneAndUpdate(
        { _id: sessionId, status: "scheduled" },
        { $inc: { admissions: 1 } },
        { session: tx, projection: { roomId: 1, startsAt: 1, releasedAt: 1 } },
      ).lean();
      if (!claimed) return false;
      // The release is the session's claim on its room, which is booked from the start only: an
      // early one (EXAM_EARLY_RELEASE_MAX_MINUTES) would run beside the room's previous session
      // while that one's candidates may still be writing. Refused until its booking has ended.
      if (at < claimed.startsAt) {
        const held = await booking.heldBefore(tx, claimed.roomId, sessionId, claimed.startsAt, at);
        if (held)
          throw errors.conflict(
            "room_still_in_use",
            `本考场的上一场次尚未结束（考场占用至 ${formatLocal(held.until, timeZone, "time")}），届时才能提前开考`,
            { previousSessionId: held.sessionId, until: held.until.toISOString() },
          );
      }
      // The first release stays the session's (the console's 已开考): a late candidate released
      // later does not move it. Read by this transaction's own write on the session, so two first
      // releases conflict (one is retried and sees the other's) instead of both writing.
      if (!claimed.releasedAt)
        await Sessions.updateOne({ _id: sessionId }, { $set: { releasedAt: at } }, { session: tx });
      return true;
    },

    /**
     * Pins a session that has no blueprint yet (scheduled before its category had one) to `ref`, at
     * its first check-in by `by`; answers the session's blueprint, which is the earlier pin when
     * there was one, so that every check-in of the session draws from one version. The pin decides
     * every paper of the sitting: it is audited in its own transaction, once (the check-in that
     * pins may still fail afterwards, and the pin stays).
     */
    async pinBlueprint(sessionId: string, ref: BlueprintRef, by: AuditActor): Promise<BlueprintRef | null> {
      if (!isCanonicalObjectId(sessionId)) return null;
      return audit.transaction(async (tx) => {
        const pin = await Sessions.updateOne(
          { _id: sessionId, blueprint: null },
          { $set: { blueprint: ref } },
          { session: tx },
        );
        const s = await Sessions.findById(sessionId, { blueprint: 1, divisionCode: 1 }).session(tx).lean();
        if (!s?.blueprint) return null;
        if (pin.modifiedCount === 1)
          await audit.append(tx, {
            action: "session.blueprint_pinned",
            actor: by,
            divisionCode: s.divisionCode,
            target: { type: "exam_session", id: sessionId },
            details: { blueprintId: ref.id, blueprintVersion: ref.version },
          });
        return { id: s.blueprint.id, version: s.blueprint.version };
      });
    },

    /**
     * Inside a check-in's transaction `tx`: the session as that transaction sees it while it is
     * scheduled and the candidate holds a seat in it, and the seat is then claimed by a write on
     * the candidate's own assignment. Check-ins of one room write different documents and never
     * conflict with each other; a cancellation, a change of time or rules and an unseating write
     * the assignments they affect, so each conflicts with a check-in in flight (one of the two is
     * retried and sees the other) instead of slipping between its check and its write.
     */
    async claimSeat(
      sessionId: string,
      candidateId: string,
      tx: ClientSession,
    ): Promise<ExamSessionDto | "session_cancelled" | "not_assigned"> {
      if (!isCanonicalObjectId(sessionId)) return "session_cancelled";
      const s = (await Sessions.findOne({ _id: sessionId, status: "scheduled" })
        .session(tx)
        .lean()) as SessionLean | null;
      if (!s) return "session_cancelled";
      const seat = { sessionId, candidateId };
      if ((await claimInTransaction(Assignments, seat, "admissions", tx, { admittedAt: now() })) !== 1)
        return "not_assigned";
      return toSessionDto(s, now());
    },

    /** One session, or null. */
    async getSession(sessionId: string): Promise<ExamSessionDto | null> {
      const s = await loadSession(sessionId);
      return s ? toSessionDto(s, now()) : null;
    },

    /**
     * A seat the candidate holds in a scheduled session that has not ended, or a sitting of theirs
     * still in progress past its session's nominal end, or null (registration asks before a
     * withdrawal or a name correction). The nominal end alone let a candidate with extra time, a
     * pause or a late release be withdrawn mid-sitting and certified afterwards: for the sessions
     * they were admitted to whose nominal end has passed, exam delivery is asked (`sittingsUntil`),
     * once for them all (one ask per sitting made a long history cost a read per sitting).
     */
    async openSeatOf(
      candidateId: string,
      session?: ClientSession,
    ): Promise<{
      sessionStartsAt: Date;
      sittingUntil: Date | null;
      sessionId?: string;
      testCentreName?: string;
      roomName?: string;
    } | null> {
      const at = now();
      const seats = await Assignments.find(
        { candidateId, $or: [{ endsAt: { $gt: at } }, { admittedAt: { $ne: null } }] },
        { sessionId: 1, endsAt: 1, startsAt: 1 },
      )
        .session(session ?? null)
        .lean();
      const ids = seats
        .filter((a) => a.endsAt > at)
        .map((a) => a.sessionId)
        .filter((id) => isCanonicalObjectId(id));
      if (ids.length > 0) {
        const open = await Sessions.findOne(
          { _id: { $in: ids }, status: "scheduled" },
          { startsAt: 1, testCentreName: 1, roomName: 1 },
        )
          .session(session ?? null)
          .lean();
        // Where the seat is, so the refusal can say whom to ask (a city's session seats county candidates).
        if (open)
          return {
            sessionStartsAt: open.startsAt,
            sittingUntil: null,
            sessionId: String(open._id),
            testCentreName: open.testCentreName,
            roomName: open.roomName,
          };
      }
      const past = seats.filter((a) => a.endsAt <= at);
      if (past.length === 0 || !options.sittingsUntil) return null;
      const asked = past.map((a) => a.sessionId);
      const sitting = await options.sittingsUntil(candidateId, asked);
      for (const seat of past) {
        const until = sitting.get(seat.sessionId);
        if (until && until > at) return { sessionStartsAt: seat.startsAt, sittingUntil: until };
      }
      return null;
    },

    /** Scheduled sessions in these rooms not over by `at` (organisation refuses to retire such rooms). */
    openSessions: (roomIds: string[], at: Date, session?: ClientSession) =>
      booking.openSessions(roomIds, at, session),

    /**
     * Inside organisation's transaction `tx` (a centre or a room renamed, a centre's address
     * changed): the copies of those names in the centre's sessions (or the room's) that have not
     * ended by `at`, cancelled ones included (their tickets stay on record), set to the new ones;
     * a session already over keeps the names it was held under. Answers how many changed.
     */
    async renameInSessions(
      where: { testCentreId: string; roomId?: string },
      names: { testCentreName?: string; testCentreAddress?: string; roomName?: string },
      at: Date,
      tx: ClientSession,
    ): Promise<number> {
      const set = Object.fromEntries(Object.entries(names).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length === 0) return 0;
      const filter = {
        testCentreId: where.testCentreId,
        ...(where.roomId ? { roomId: where.roomId } : {}),
        endsAt: { $gt: at },
      };
      return (await Sessions.updateMany(filter, { $set: set }, { session: tx })).modifiedCount;
    },

    /**
     * Keeps a running session's room booked until a deadline that grew, inside the caller's
     * transaction `tx` when given; false when the room is taken.
     */
    holdRoomUntil: (sessionId: string, until: Date, owed = false, tx?: ClientSession) =>
      booking.holdUntil(sessionId, until, owed, tx),
  };
}
export type SchedulingService = ReturnType<typeof createSchedulingService>;
