import type { Types } from "mongoose";
import type { AuthorityDto, DivisionDto, RoomDto, TestCentreDto } from "../contracts/organisation.js";
import { divisionLevel } from "../access/index.js";
import { divisionName, parentOf } from "./division-scope.js";
import { canonicalIp } from "./room-ports.js";

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
  const sharing = seatsByAddress(r.seats);
  return {
    id: String(r._id),
    name: r.name,
    seats: r.seats.map((s) => ({
      id: String(s._id),
      seatNo: s.seatNo,
      ip: s.ip ?? null,
      hasToken: Boolean(s.tokenHash),
      ipSharedWith: (sharing.get(addressOf(s)) ?? []).filter((n) => n !== s.seatNo),
    })),
    retired: Boolean(r.retiredAt),
  };
}

/** A seat's registered address in the spelling the login compares (see canonicalIp); "" for none. */
const addressOf = (s: { ip?: string | null }) => (s.ip ? (canonicalIp(s.ip) ?? s.ip) : "");

/**
 * The seat numbers registered to each address of a room. Binding an address already on another
 * seat is refused, but two admins binding one address at once both got through before that check
 * moved inside the transaction, and such pairs are still stored: the login seats whoever comes
 * from the address on the first of them, so the admin is shown them (ipSharedWith) to rebind.
 */
function seatsByAddress(seats: SeatLike[]): Map<string, number[]> {
  const byAddress = new Map<string, number[]>();
  for (const s of seats) {
    const address = addressOf(s);
    if (address) byAddress.set(address, [...(byAddress.get(address) ?? []), s.seatNo]);
  }
  return byAddress;
}

/** The numbers of the seats other than `seatNo` registered to `ip` (for one seat; see seatsByAddress). */
export function ipSharedWith(seats: SeatLike[], seatNo: number, ip: string | null): number[] {
  const address = addressOf({ ip });
  return address
    ? seats.filter((s) => s.seatNo !== seatNo && addressOf(s) === address).map((s) => s.seatNo)
    : [];
}

/**
 * An authority as every answer gives it: its division by name, or by code where the node knows no
 * name (a division abolished since), never an empty 所属区划.
 */
export function toAuthorityDto(a: {
  _id: unknown;
  name: string;
  divisionCode: string;
  phone?: string | null;
  retiredAt?: Date | null;
}): AuthorityDto {
  return {
    id: String(a._id),
    name: a.name,
    divisionCode: a.divisionCode,
    divisionName: divisionName(a.divisionCode) ?? a.divisionCode,
    phone: a.phone ?? null,
    retired: Boolean(a.retiredAt),
  };
}

export function toDivisionDto(code: string): DivisionDto {
  return { code, name: divisionName(code) ?? code, level: divisionLevel(code), parentCode: parentOf(code) };
}
