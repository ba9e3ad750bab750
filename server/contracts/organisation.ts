import { z } from "zod";
import { DivisionCode, ObjectIdString } from "./auth.js";
import { refuseInvisible, typedCode, visibleName } from "./validation.js";

/**
 * The code that stands for the ministry level (交通运输部, the hub's own staff and bodies): GB/T 2260
 * has no ministry entry, so roadcert uses six zeros. Shared with the client, which offers it on the
 * hub's authority form, so the two can never disagree.
 */
export const MINISTRY_CODE = "000000";
/** The ministry level's name, where a division name would stand. */
export const MINISTRY_NAME = "交通运输部";

/** The four levels (部/省/市/县). */
export type DivisionLevel = "ministry" | "province" | "city" | "county";

/** The levels as people name them. */
export const DIVISION_LEVEL_LABELS: Record<DivisionLevel, string> = {
  ministry: "部级",
  province: "省级",
  city: "市级",
  county: "县级",
};

/**
 * The level a GB/T 2260 code stands for: pure code arithmetic, shared with the client so a page
 * offered only to one level (the province's escalation list) is hidden by the same rule the
 * server refuses by.
 */
export function divisionLevel(code: string): DivisionLevel {
  if (code === MINISTRY_CODE) return "ministry";
  if (code.endsWith("0000")) return "province";
  if (code.endsWith("00")) return "city";
  return "county";
}

/** GB/T 2260 division with its level in the four-level system (部/省/市/县). */
export interface DivisionDto {
  code: string;
  name: string;
  level: DivisionLevel;
  parentCode: string | null;
}

/** A road-transport authority (运管机构) attached to a division. */
export interface AuthorityDto {
  id: string;
  name: string;
  divisionCode: string;
  divisionName: string;
  phone: string | null;
  /** Retired (停用): kept for the records that name it, offered for nothing new. */
  retired: boolean;
}

export interface SeatDto {
  id: string;
  seatNo: number;
  ip: string | null;
  /** Only whether a kiosk token is set; the token itself is shown once, when issued. */
  hasToken: boolean;
  /**
   * The numbers of the room's other seats registered to the same IP (empty when none): the login
   * seats a candidate on the first of them, so the admin must bind them apart. New bindings of a
   * taken address are refused (`seat_ip_taken`); this marks pairs stored before that was sure.
   */
  ipSharedWith: number[];
}

export interface RoomDto {
  id: string;
  name: string;
  seats: SeatDto[];
  retired: boolean;
}

/** A test centre (考点) with its rooms and numbered seats (workstations). */
export interface TestCentreDto {
  id: string;
  name: string;
  address: string;
  divisionCode: string;
  divisionName: string;
  authorityId: string | null;
  rooms: RoomDto[];
  retired: boolean;
}

/** Authorities, test centres and rooms: printed on certificates and admission tickets, sent to the hub. */
const Name = visibleName(1, 100);
/**
 * A centre's address, printed on every admission ticket on one line: no hidden characters (a
 * bidirectional control shows the words in another order, a zero-width space hides in a copy) and
 * no line breaks, as a name.
 */
const Address = visibleName(1, 200);

/**
 * An authority's office phone (often a landline with an area code or extension, so no mobile
 * pattern): typed as a code (full-width digits folded, blanks trimmed) and, shown beside its name,
 * refused when it holds a hidden character as the name is.
 */
const AuthorityPhone = refuseInvisible(typedCode().max(32));

export const CreateAuthorityBody = z
  .object({ name: Name, divisionCode: DivisionCode, phone: AuthorityPhone.optional() })
  .strict();
export const UpdateAuthorityBody = z
  .object({ name: Name.optional(), phone: AuthorityPhone.nullable().optional() })
  .strict();

export const CreateTestCentreBody = z
  .object({
    name: Name,
    address: Address,
    divisionCode: DivisionCode,
    authorityId: ObjectIdString.optional(),
  })
  .strict();
export const UpdateTestCentreBody = z.object({ name: Name.optional(), address: Address.optional() }).strict();

export const RenameRoomBody = z.object({ name: Name }).strict();

/**
 * The most rooms one test centre holds, retired ones included (they stay for the records). Every
 * room and seat lives in the centre's one document, which each seat login and new session reads:
 * rooms added without end would grow it towards the database's 16 MB document limit (up to 300
 * seats a room). Refused beyond with `too_many_rooms`.
 */
export const MAX_ROOMS_PER_CENTRE = 100;

/** Adds a room with seats numbered 1..seatCount. */
export const CreateRoomBody = z.object({ name: Name, seatCount: z.number().int().min(1).max(300) }).strict();

/**
 * Binds a seat to a workstation: a fixed IP, and/or a kiosk token (`issueToken: true` returns a new
 * token once; `null` clears).
 */
export const UpdateSeatBody = z
  .object({
    ip: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
    issueToken: z.boolean().optional(),
    clearToken: z.literal(true).optional(),
  })
  .strict();

export interface SeatTokenIssuedDto {
  seat: SeatDto;
  /** Present only when a token was issued by this request. */
  seatToken?: string;
}

/**
 * An actor sees a target division when the target lies inside the actor's own division (a
 * province officer the whole province; a city officer the city and its counties; a county
 * officer only the county). The ministry level sees everything on its own node.
 */
export function canSeeDivision(actorDivision: string, targetDivision: string): boolean {
  switch (divisionLevel(actorDivision)) {
    case "ministry":
      return true;
    case "province":
      return targetDivision.slice(0, 2) === actorDivision.slice(0, 2);
    case "city":
      return targetDivision.slice(0, 4) === actorDivision.slice(0, 4);
    case "county":
      return targetDivision === actorDivision;
  }
}
