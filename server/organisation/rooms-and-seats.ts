import { randomBytes } from "node:crypto";
import { Types, type HydratedDocument, type Model } from "mongoose";
import type { z } from "zod";
import type { AuthUser } from "../contracts/auth.js";
import {
  MAX_ROOMS_PER_CENTRE,
  type CreateRoomBody,
  type RoomDto,
  type SeatDto,
  type SeatTokenIssuedDto,
  type UpdateSeatBody,
} from "../contracts/organisation.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import type { TestCentreDoc } from "./organisation.model.js";
import { ipSharedWith, toRoomDto } from "./presenters.js";
import { canonicalIp, hashSeatToken } from "./room-ports.js";
import { assertRoomNameFree, roomsInTransaction, type SeatState } from "./room-names.js";

export interface RoomsAndSeatsDeps {
  Centres: Model<TestCentreDoc>;
  audit: AuditLog;
  /** The centre as the actor may see it (404 otherwise), from the organisation service. */
  loadCentre: (actor: AuthUser, id: string) => Promise<HydratedDocument<TestCentreDoc>>;
}

const centreRetired = () => errors.conflict("test_centre_retired", "该考点已停用，不能再添加考场");
const tooManyRooms = () =>
  errors.conflict(
    "too_many_rooms",
    `一个考点最多 ${MAX_ROOMS_PER_CENTRE} 个考场（含已停用的），不能再添加；请另设考点`,
  );

/** A centre as the seat checks below read it: the copy before the transaction or the one inside it. */
type CentreState = {
  retiredAt?: Date | null;
  rooms: { _id: Types.ObjectId; retiredAt?: Date | null; seats: SeatState[] }[];
};

/**
 * The room and seat addressed, refused when missing, retired, or when `ip` (canonical, see
 * canonicalIp) is registered to another seat of the room: the login seats whoever comes from an
 * address on the first seat that has it, so one address on two seats put the second seat's
 * candidate on the first's.
 */
function seatToChange(centre: CentreState, roomId: string, seatId: string, ip: string | null | undefined) {
  const room = centre.rooms.find((r) => String(r._id) === roomId);
  const seat = room?.seats.find((s) => String(s._id) === seatId);
  if (!room || !seat) throw errors.notFound("座位");
  if (centre.retiredAt) throw errors.conflict("test_centre_retired", "该考点已停用，不能再登记座位");
  if (room.retiredAt) throw errors.conflict("room_retired", "该考场已停用，不能再登记座位");
  const taken = (s: SeatState) => s !== seat && typeof s.ip === "string" && canonicalIp(s.ip) === ip;
  if (ip && room.seats.some(taken)) throw errors.conflict("seat_ip_taken", "该 IP 已登记给本考场的其他座位");
  return { room, seat };
}

/**
 * Why the add's conditional write matched nothing although the checks inside its transaction
 * passed: another change committed meanwhile (on a database that decides the condition at the
 * write). Told apart on the centre as committed now, not as the transaction's snapshot still
 * shows it: a retirement, or the last free place taken by another admin's room. Neither seen
 * (nothing else makes the write miss), the add is refused as a conflict to try again, never
 * reported as a reason that is not so.
 */
async function whyNotAdded(Centres: Model<TestCentreDoc>, centreId: Types.ObjectId): Promise<Error> {
  const now = await Centres.findById(centreId, { retiredAt: 1, "rooms._id": 1 }).lean();
  if (!now) return errors.notFound("考点");
  if (now.retiredAt) return centreRetired();
  if (now.rooms.length >= MAX_ROOMS_PER_CENTRE) return tooManyRooms();
  return errors.conflict("test_centre_changed", "该考点刚被其他人修改，请刷新后重试");
}

/**
 * Adding rooms (考场) to a test centre and registering its seats (座位: an IP, a kiosk seat
 * token), each audited in its own transaction. Part of the organisation service, kept in its own
 * module as retirement.ts is, so the service stays within the file size limit.
 */
export function createRoomsAndSeats({ Centres, audit, loadCentre }: RoomsAndSeatsDeps) {
  return {
    async addRoom(actor: AuthUser, idAsSent: string, body: z.infer<typeof CreateRoomBody>): Promise<RoomDto> {
      const c = await loadCentre(actor, idAsSent);
      const centreId = String(c._id);
      if (c.retiredAt) throw centreRetired();
      if (c.rooms.length >= MAX_ROOMS_PER_CENTRE) throw tooManyRooms();
      assertRoomNameFree(c.rooms, body.name);
      const room = {
        _id: new Types.ObjectId(),
        name: body.name,
        retiredAt: null,
        seats: Array.from({ length: body.seatCount }, (_, i) => ({
          _id: new Types.ObjectId(),
          seatNo: i + 1,
          ip: null,
          tokenHash: null,
        })),
      };
      await audit.transaction(async (session) => {
        // Added only to the centre as it must be: in use, with room for one more, and with no room
        // of a name that reads the same. Two adds at once (or an add and a rename) both passed the
        // checks above; checked again inside the transaction that writes the centre, the one
        // retried after the write conflict sees the other (see roomsInTransaction), and a
        // retirement too.
        const current = await roomsInTransaction(Centres, c._id, session, ["name"]);
        if (!current || current.retiredAt) throw centreRetired();
        if (current.rooms.length >= MAX_ROOMS_PER_CENTRE) throw tooManyRooms();
        assertRoomNameFree(current.rooms, body.name);
        const added = await Centres.updateOne(
          { _id: c._id, retiredAt: null, [`rooms.${MAX_ROOMS_PER_CENTRE - 1}`]: { $exists: false } },
          { $push: { rooms: room } },
          { session },
        );
        if (added.matchedCount !== 1) throw await whyNotAdded(Centres, c._id);
        await audit.append(session, {
          action: "room.created",
          actor,
          divisionCode: c.divisionCode,
          target: { type: "test_centre", id: centreId },
          details: { roomId: String(room._id), name: room.name, seats: room.seats.length },
        });
      });
      return toRoomDto(room);
    },

    async updateSeat(
      actor: AuthUser,
      idAsSent: string,
      roomIdAsSent: string,
      seatIdAsSent: string,
      body: z.infer<typeof UpdateSeatBody>,
    ): Promise<SeatTokenIssuedDto> {
      const c = await loadCentre(actor, idAsSent);
      const centreId = String(c._id);
      const [roomId, seatId] = [roomIdAsSent.toLowerCase(), seatIdAsSent.toLowerCase()];
      // Stored and compared in one spelling (see canonicalIp), as the login compares them.
      const ip = body.ip === undefined || body.ip === null ? body.ip : canonicalIp(body.ip);
      if (body.ip && ip === null) throw errors.badRequest("invalid_ip", "IP 地址格式不正确");
      // Refused early on the copy read above; decided again inside the transaction.
      seatToChange(c, roomId, seatId, ip);
      let seatToken: string | undefined;
      let tokenHash: string | null | undefined;
      if (body.clearToken) tokenHash = null;
      if (body.issueToken) {
        seatToken = randomBytes(24).toString("base64url");
        tokenHash = hashSeatToken(seatToken);
      }
      const set: Record<string, string | null> = {};
      if (ip !== undefined) set["rooms.$[room].seats.$[seat].ip"] = ip;
      if (tokenHash !== undefined) set["rooms.$[room].seats.$[seat].tokenHash"] = tokenHash;
      const seat = await audit.transaction(async (session) => {
        // The checks made again on the centre as this transaction reads it, and the seat written
        // by its id: a save of the copy read before wrote it over a binding (or a retirement)
        // committed meanwhile, and two admins bound one address to two seats at once. Both
        // write the centre, so on two instances one is retried and reads the other's here.
        const current = await roomsInTransaction(Centres, c._id, session, ["retiredAt", "seats", "name"]);
        if (!current) throw errors.notFound("座位");
        const { room, seat: live } = seatToChange(current, roomId, seatId, ip);
        if (Object.keys(set).length > 0)
          await Centres.updateOne(
            { _id: c._id },
            { $set: set },
            { session, arrayFilters: [{ "room._id": room._id }, { "seat._id": live._id }] },
          );
        const ipAfter = ip !== undefined ? ip : (live.ip ?? null);
        const after: SeatDto = {
          id: String(live._id),
          seatNo: live.seatNo,
          ip: ipAfter,
          hasToken: tokenHash !== undefined ? Boolean(tokenHash) : Boolean(live.tokenHash),
          // Only a seat left on an address another seat already had (stored before that was refused).
          ipSharedWith: ipSharedWith(room.seats, live.seatNo, ipAfter),
        };
        await audit.append(session, {
          action: "seat.updated",
          actor,
          // The centre's division: its city's admins see who bound their seats and issued tokens.
          divisionCode: c.divisionCode,
          target: { type: "seat", id: after.id },
          // Names beside the centre's id: the audit page shows a seat by its centre, room and number.
          details: {
            testCentreId: centreId,
            testCentreName: c.name,
            roomName: current.rooms.find((r) => r._id.equals(room._id))?.name ?? null,
            seatNo: after.seatNo,
            ip: after.ip,
            tokenIssued: Boolean(seatToken),
            tokenCleared: Boolean(body.clearToken),
          },
        });
        return after;
      });
      return seatToken ? { seat, seatToken } : { seat };
    },
  };
}
