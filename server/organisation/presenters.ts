import type { Types } from "mongoose";
import type { RoomDto, TestCentreDto } from "../contracts/organisation.js";
import { divisionName } from "./division-scope.js";

/** What leaves the organisation feature about test centres and rooms (never a seat token's hash). */

type SeatLike = { _id: Types.ObjectId; seatNo: number; ip?: string | null; tokenHash?: string | null };
type RoomLike = { _id: Types.ObjectId; name: string; seats: SeatLike[]; retiredAt?: Date | null };

export function toCentreDto(c: {
  _id: Types.ObjectId;
  name: string;
  address: string;
  divisionCode: string;
  authorityId?: string | null;
  rooms: RoomLike[];
  retiredAt?: Date | null;
}): TestCentreDto {
  return {
    id: String(c._id),
    name: c.name,
    address: c.address,
    divisionCode: c.divisionCode,
    divisionName: divisionName(c.divisionCode) ?? c.divisionCode,
    authorityId: c.authorityId ?? null,
    rooms: c.rooms.map((r) => toRoomDto(r)),
    retired: Boolean(c.retiredAt),
  };
}

export function toRoomDto(r: RoomLike): RoomDto {
  return {
    id: String(r._id),
    name: r.name,
    seats: r.seats.map((s) => ({
      id: String(s._id),
      seatNo: s.seatNo,
      ip: s.ip ?? null,
      hasToken: Boolean(s.tokenHash),
    })),
    retired: Boolean(r.retiredAt),
  };
}
