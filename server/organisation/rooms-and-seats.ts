import { randomBytes } from "node:crypto";
import { Types, type HydratedDocument, type Model } from "mongoose";
import type { z } from "zod";
import type { AuthUser } from "../contracts/auth.js";
import type {
  CreateRoomBody,
  RoomDto,
  SeatTokenIssuedDto,
  UpdateSeatBody,
} from "../contracts/organisation.js";
import type { AuditLog } from "../audit/index.js";
import { errors } from "../lib/errors.js";
import type { TestCentreDoc } from "./organisation.model.js";
import { toRoomDto } from "./presenters.js";
import { canonicalIp, hashSeatToken } from "./room-ports.js";
import { assertRoomNameFree, roomsInTransaction } from "./room-names.js";

export interface RoomsAndSeatsDeps {
  Centres: Model<TestCentreDoc>;
  audit: AuditLog;
  /** The centre as the actor may see it (404 otherwise), from the organisation service. */
  loadCentre: (actor: AuthUser, id: string) => Promise<HydratedDocument<TestCentreDoc>>;
}

const centreRetired = () => errors.conflict("test_centre_retired", "该考点已停用，不能再添加考场");

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
        // Added only to the centre as it must be: in use, and with no room of a name that reads
        // the same. Two adds of one name at once (or an add and a rename) both passed the check
        // above; checked again inside the transaction that writes the centre, the one retried
        // after the write conflict sees the other (see roomsInTransaction), and a retirement too.
        const current = await roomsInTransaction(Centres, c._id, session);
        if (!current || current.retiredAt) throw centreRetired();
        assertRoomNameFree(current.rooms, body.name);
        const added = await Centres.updateOne(
          { _id: c._id, retiredAt: null },
          { $push: { rooms: room } },
          { session },
        );
        if (added.matchedCount !== 1) throw centreRetired();
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
      roomId: string,
      seatId: string,
      body: z.infer<typeof UpdateSeatBody>,
    ): Promise<SeatTokenIssuedDto> {
      const c = await loadCentre(actor, idAsSent);
      const centreId = String(c._id);
      const room = c.rooms.find((r) => String(r._id) === roomId.toLowerCase());
      const seat = room?.seats.find((s) => String(s._id) === seatId.toLowerCase());
      if (!room || !seat) throw errors.notFound("座位");
      if (body.ip !== undefined) {
        // Stored and compared in one spelling (see canonicalIp), as the login compares them.
        const ip = body.ip === null ? null : canonicalIp(body.ip);
        if (body.ip !== null && ip === null) throw errors.badRequest("invalid_ip", "IP 地址格式不正确");
        const taken = (s: (typeof room.seats)[number]) =>
          s !== seat && typeof s.ip === "string" && canonicalIp(s.ip) === ip;
        if (ip && room.seats.some(taken))
          throw errors.conflict("seat_ip_taken", "该 IP 已登记给本考场的其他座位");
        seat.ip = ip;
      }
      let seatToken: string | undefined;
      if (body.clearToken) seat.tokenHash = null;
      if (body.issueToken) {
        seatToken = randomBytes(24).toString("base64url");
        seat.tokenHash = hashSeatToken(seatToken);
      }
      await audit.transaction(async (session) => {
        await c.save({ session });
        await audit.append(session, {
          action: "seat.updated",
          actor,
          // The centre's division: its city's admins see who bound their seats and issued tokens.
          divisionCode: c.divisionCode,
          target: { type: "seat", id: String(seat._id) },
          details: {
            testCentreId: centreId,
            ip: seat.ip ?? null,
            tokenIssued: Boolean(seatToken),
            tokenCleared: Boolean(body.clearToken),
          },
        });
      });
      const dto = {
        id: String(seat._id),
        seatNo: seat.seatNo,
        ip: seat.ip ?? null,
        hasToken: Boolean(seat.tokenHash),
      };
      return seatToken ? { seat: dto, seatToken } : { seat: dto };
    },
  };
}
