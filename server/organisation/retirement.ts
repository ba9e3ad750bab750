import type { ClientSession, HydratedDocument, Model } from "mongoose";
import { isCanonicalObjectId, type AuthUser } from "../contracts/auth.js";
import { canSeeDivision } from "../access/index.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import { formatShown } from "../lib/local-time.js";
import type { AuthorityDoc, TestCentreDoc } from "./organisation.model.js";
import { assertRoomNameFree, roomsInTransaction } from "./room-names.js";

/** What scheduling tells organisation about a room's sessions (wired in server/features.ts). */
export interface RoomUsePort {
  /** Scheduled sessions in these rooms that have not ended by `at` (running or to come), read inside `session` when given. */
  openSessions(
    roomIds: string[],
    at: Date,
    session?: ClientSession,
  ): Promise<{ count: number; firstStartsAt: Date | null }>;
  /**
   * Inside organisation's transaction `session`: the names the centre's sessions (or one room's)
   * that have not ended by `at` copied when they were scheduled, set to `names` (tickets, the
   * seating plan and the proctor console print the copies). Sessions already over keep the names
   * they were held under. Answers how many sessions changed.
   */
  renameInSessions(
    where: { testCentreId: string; roomId?: string },
    names: SessionNames,
    at: Date,
    session: ClientSession,
  ): Promise<number>;
}

/** The names a session copies from its centre and room when it is scheduled. */
export interface SessionNames {
  testCentreName?: string;
  testCentreAddress?: string;
  roomName?: string;
}

export interface RetirementDeps {
  Authorities: Model<AuthorityDoc>;
  Centres: Model<TestCentreDoc>;
  audit: AuditLog;
  loadCentre(actor: AuthUser, id: string): Promise<HydratedDocument<TestCentreDoc>>;
  roomUse(): RoomUsePort | undefined;
  /** The new names on the sessions that have not ended, inside the rename's transaction (RoomUsePort). */
  renameInSessions(
    where: { testCentreId: string; roomId?: string },
    names: SessionNames,
    session: ClientSession,
  ): Promise<number>;
  timeZone: string;
  now: () => Date;
}

/**
 * Retiring (停用) authorities, test centres and rooms. Nothing is deleted: sessions, tickets and
 * the audit log keep pointing at what they used, and a retired room is never offered for a new
 * session. Refused while still in use: a room or centre with a session that has not ended (its
 * candidates hold tickets for it), an authority with test centres still in use under it.
 */
export function createRetirement(d: RetirementDeps) {
  async function assertRoomsFree(roomIds: string[], what: string, session?: ClientSession): Promise<void> {
    const port = d.roomUse();
    if (!port || roomIds.length === 0) return;
    const use = await port.openSessions(roomIds, d.now(), session);
    if (use.count > 0)
      throw errors.conflict(
        "in_use",
        `${what}还有 ${use.count} 个未结束的考试场次${use.firstStartsAt ? `（最早 ${formatShown(use.firstStartsAt, d.timeZone, "minute")}）` : ""}，请先取消或等其结束后再停用`,
        { sessions: use.count },
      );
  }

  /** Refused as seat bindings are (rooms-and-seats.ts): a retired centre's or room's data stays as it was. */
  function assertRoomInUse(centre: { retiredAt?: Date | null }, room: { retiredAt?: Date | null }): void {
    if (centre.retiredAt) throw errors.conflict("test_centre_retired", "该考点已停用，不能再修改其考场");
    if (room.retiredAt) throw errors.conflict("room_retired", "该考场已停用，不能再改名");
  }

  function findRoom(centre: HydratedDocument<TestCentreDoc>, roomId: string) {
    const room = centre.rooms.find((r) => String(r._id) === roomId.toLowerCase());
    if (!room) throw errors.notFound("考场");
    return room;
  }

  return {
    async renameRoom(actor: AuthUser, idAsSent: string, roomIdAsSent: string, name: string): Promise<void> {
      const centre = await d.loadCentre(actor, idAsSent);
      const room = findRoom(centre, roomIdAsSent);
      // The ids as stored (sessions and the audit log compare them as text), not as the request spells them.
      const [centreId, roomId] = [String(centre._id), String(room._id)];
      // Refused early on the copy read above; decided again inside the transaction (see roomsInTransaction).
      assertRoomInUse(centre, room);
      assertRoomNameFree(centre.rooms, name, roomId);
      await d.audit.transaction(async (session) => {
        const current = await roomsInTransaction(d.Centres, centre._id, session, ["name", "retiredAt"]);
        const live = current?.rooms.find((r) => String(r._id) === roomId);
        if (!current || !live) throw errors.notFound("考场");
        // A retired room keeps the name its sessions, tickets and audit entries were made under.
        assertRoomInUse(current, live);
        assertRoomNameFree(current.rooms, name, roomId);
        const before = live.name;
        // The room addressed by its id, as the transaction read it: not a save of the copy read
        // before it, which addresses the room by its position then.
        await d.Centres.updateOne(
          { _id: centre._id, "rooms._id": room._id },
          { $set: { "rooms.$.name": name } },
          { session },
        );
        const sessionsRenamed = await d.renameInSessions(
          { testCentreId: centreId, roomId },
          { roomName: name },
          session,
        );
        await d.audit.append(session, {
          action: "room.updated",
          actor,
          divisionCode: centre.divisionCode,
          target: { type: "test_centre", id: centreId },
          details: { roomId, roomName: name, before, ...(sessionsRenamed ? { sessionsRenamed } : {}) },
        });
      });
    },

    async retireRoom(actor: AuthUser, idAsSent: string, roomIdAsSent: string): Promise<void> {
      const centre = await d.loadCentre(actor, idAsSent);
      const room = findRoom(centre, roomIdAsSent);
      const [centreId, roomId] = [String(centre._id), String(room._id)];
      if (room.retiredAt) throw errors.conflict("already_retired", "该考场已停用");
      await assertRoomsFree([roomId], `考场“${room.name}”`);
      const at = d.now();
      await d.audit.transaction(async (session) => {
        // Written first, and only while the room is in use: a new session in flight (which claims
        // the room in its own transaction) now conflicts with this one, and one committed since
        // the check above is seen by the check below, inside this transaction.
        const written = await d.Centres.updateOne(
          { _id: centre._id, rooms: { $elemMatch: { _id: room._id, retiredAt: null } } },
          { $set: { "rooms.$.retiredAt": at } },
          { session },
        );
        if (written.matchedCount !== 1) throw errors.conflict("already_retired", "该考场已停用");
        await assertRoomsFree([roomId], `考场“${room.name}”`, session);
        await d.audit.append(session, {
          action: "room.retired",
          actor,
          divisionCode: centre.divisionCode,
          target: { type: "test_centre", id: centreId },
          details: { roomId, roomName: room.name, testCentreName: centre.name },
        });
      });
    },

    async retireTestCentre(actor: AuthUser, idAsSent: string): Promise<void> {
      const centre = await d.loadCentre(actor, idAsSent);
      const centreId = String(centre._id);
      if (centre.retiredAt) throw errors.conflict("already_retired", "该考点已停用");
      await assertRoomsFree(
        centre.rooms.map((r) => String(r._id)),
        `考点“${centre.name}”`,
      );
      const at = d.now();
      await d.audit.transaction(async (session) => {
        // As for a room: written first and conditionally, then the sessions looked at again inside,
        // in the rooms as this transaction reads them: a room added since the read above (with a
        // session booked in it) was not among the rooms looked at, and the centre retired under it.
        const written = await d.Centres.updateOne(
          { _id: centre._id, retiredAt: null },
          { $set: { retiredAt: at } },
          { session },
        );
        if (written.matchedCount !== 1) throw errors.conflict("already_retired", "该考点已停用");
        const current = await roomsInTransaction(d.Centres, centre._id, session, []);
        const roomIds = (current?.rooms ?? []).map((r) => String(r._id));
        await assertRoomsFree(roomIds, `考点“${centre.name}”`, session);
        await d.audit.append(session, {
          action: "test_centre.retired",
          actor,
          divisionCode: centre.divisionCode,
          target: { type: "test_centre", id: centreId },
          details: { name: centre.name },
        });
      });
    },

    async retireAuthority(actor: AuthUser, id: string): Promise<void> {
      const authority = isCanonicalObjectId(id) ? await d.Authorities.findById(id) : null;
      if (!authority || !canSeeDivision(actor.divisionCode, authority.divisionCode))
        throw errors.notFound("运管机构");
      if (authority.retiredAt) throw errors.conflict("already_retired", "该运管机构已停用");
      // The authority's own id: centres store it so, and the request may spell it otherwise.
      const authorityId = String(authority._id);
      const centres = await d.Centres.countDocuments({ authorityId, retiredAt: null });
      if (centres > 0)
        throw errors.conflict("in_use", `仍有 ${centres} 个在用考点隶属该运管机构，请先停用或改隶这些考点`, {
          testCentres: centres,
        });
      const at = d.now();
      await d.audit.transaction(async (session) => {
        // Written only while the authority is in use: a save of the copy read above retired it a
        // second time (and audited it twice) when another admin's retirement committed meanwhile.
        const written = await d.Authorities.updateOne(
          { _id: authority._id, retiredAt: null },
          { $set: { retiredAt: at } },
          { session },
        );
        if (written.matchedCount !== 1) throw errors.conflict("already_retired", "该运管机构已停用");
        // Counted again inside the transaction: a centre created meanwhile claims the authority
        // in its own transaction (createTestCentre), so one of the two sees the other.
        const now = await d.Centres.countDocuments({ authorityId, retiredAt: null }).session(session);
        if (now > 0)
          throw errors.conflict("in_use", `仍有 ${now} 个在用考点隶属该运管机构，请先停用或改隶这些考点`, {
            testCentres: now,
          });
        await d.audit.append(session, {
          action: "authority.retired",
          actor,
          divisionCode: authority.divisionCode,
          target: { type: "authority", id: authorityId },
          details: { name: authority.name },
        });
      });
    },
  };
}
