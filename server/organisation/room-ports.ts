import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import { Types, type ClientSession, type Model } from "mongoose";
import { claimInTransaction } from "../lib/mongo.js";
import type { TestCentreDoc } from "./organisation.model.js";

/** Hashes a kiosk seat token for storage and lookup. */
export function hashSeatToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What another feature needs of a room: its centre, division and seats. */
export interface RoomInfo {
  testCentreId: string;
  testCentreName: string;
  testCentreAddress: string;
  divisionCode: string;
  roomId: string;
  roomName: string;
  /** The room or its centre is retired: no new sessions. */
  retired: boolean;
  seats: { seatId: string; seatNo: number; bound: boolean }[];
}

/**
 * What other features ask of test centres, without actor checks (they check their own actor):
 * scheduling's room facts and claim, the candidate login's seat, the proctor binding's centre.
 */
export function createRoomPorts(Centres: Model<TestCentreDoc>) {
  return {
    /**
     * For scheduling, inside its transaction `tx`: the centre's and the room's names as `tx` reads
     * them while the centre and the room are in use (not retired), else null. Claimed by a write, so
     * a retirement or a rename in flight conflicts with the new session instead of both passing
     * their checks (the one retried sees the other: the new session copies the new names).
     */
    async claimRoom(
      testCentreId: string,
      roomId: string,
      tx: ClientSession,
    ): Promise<{ testCentreName: string; testCentreAddress: string; roomName: string } | null> {
      if (!Types.ObjectId.isValid(testCentreId) || !Types.ObjectId.isValid(roomId)) return null;
      const inUse = {
        _id: testCentreId,
        retiredAt: null,
        rooms: { $elemMatch: { _id: roomId, retiredAt: null } },
      };
      if ((await claimInTransaction(Centres, inUse, "roomClaims", tx)) !== 1) return null;
      const c = await Centres.findById(testCentreId, { name: 1, address: 1, rooms: 1 }).session(tx).lean();
      const room = c?.rooms.find((r) => String(r._id) === roomId);
      return c && room ? { testCentreName: c.name, testCentreAddress: c.address, roomName: room.name } : null;
    },

    /** Room facts for scheduling; null when the room does not exist. */
    async getRoom(testCentreId: string, roomId: string): Promise<RoomInfo | null> {
      if (!Types.ObjectId.isValid(testCentreId)) return null;
      const c = await Centres.findById(testCentreId).lean();
      const room = c?.rooms.find((r) => String(r._id) === roomId);
      if (!c || !room) return null;
      return {
        testCentreId: String(c._id),
        testCentreName: c.name,
        testCentreAddress: c.address,
        divisionCode: c.divisionCode,
        roomId: String(room._id),
        roomName: room.name,
        retired: Boolean(room.retiredAt || c.retiredAt),
        seats: room.seats
          .map((s) => ({ seatId: String(s._id), seatNo: s.seatNo, bound: Boolean(s.ip || s.tokenHash) }))
          .sort((a, b) => a.seatNo - b.seatNo),
      };
    },

    /**
     * The seat of a room a candidate is logging in from: matched by kiosk token when one is sent,
     * otherwise by the request's IP against the seats' registered IPs. Null when neither matches.
     */
    async findLoginSeat(
      testCentreId: string,
      roomId: string,
      from: { seatToken?: string; ip?: string },
    ): Promise<{ seatId: string; seatNo: number } | null> {
      if (!Types.ObjectId.isValid(testCentreId)) return null;
      const c = await Centres.findById(testCentreId).lean();
      const room = c?.rooms.find((r) => String(r._id) === roomId);
      if (!room) return null;
      const tokenHash = from.seatToken ? hashSeatToken(from.seatToken) : null;
      const ip = from.ip ? canonicalIp(from.ip) : null;
      // Stored seats are canonical; one stored before was as typed, so it is spelled anew here.
      const seat = tokenHash
        ? room.seats.find((s) => s.tokenHash === tokenHash)
        : room.seats.find((s) => ip !== null && typeof s.ip === "string" && canonicalIp(s.ip) === ip);
      return seat ? { seatId: String(seat._id), seatNo: seat.seatNo } : null;
    },

    /**
     * A test centre's own id, its division and whether it is retired (for binding proctors, who are
     * bound only to centres in use); null when it does not exist.
     */
    async testCentreDivision(
      id: string,
    ): Promise<{ id: string; name: string; divisionCode: string; retired: boolean } | null> {
      if (!Types.ObjectId.isValid(id)) return null;
      const c = await Centres.findById(id, { name: 1, divisionCode: 1, retiredAt: 1 }).lean();
      return c
        ? { id: String(c._id), name: c.name, divisionCode: c.divisionCode, retired: Boolean(c.retiredAt) }
        : null;
    },
  };
}

/**
 * An address in the one spelling seats are stored and compared in: IPv6 lower-case and compressed
 * (RFC 5952), IPv4-mapped IPv6 (`::ffff:10.0.0.5`, as Node reports IPv4 on dual-stack sockets) as
 * the IPv4 address. Typed as written, `2001:DB8::1` never matched the `2001:db8::1` a login came
 * from, and one address could be registered to two seats. Null for what is no address.
 */
export function canonicalIp(ip: string): string | null {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : null;
}
