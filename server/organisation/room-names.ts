import type { ClientSession, Model, Types } from "mongoose";
import { errors } from "../lib/errors.js";
import type { TestCentreDoc } from "./organisation.model.js";

/** Refused when a centre already has a room whose name reads the same. */
const roomExists = () => errors.conflict("room_exists", "该考场名称已存在");

/**
 * What two room names of one centre are compared by: names that read the same to the staff who
 * pick a room, the candidates who look for it on their ticket and the proctor console are one name.
 * NFKC folds full-width letters and digits (第１考场 is 第1考场), case is dropped (A101 is a101),
 * and so is white space (机房 一 is 机房一).
 */
export function roomNameKey(name: string): string {
  return name.normalize("NFKC").replace(/\s+/gu, "").toLowerCase();
}

/** Refuses with `room_exists` when a room other than `except` already has a name that reads as `name`. */
export function assertRoomNameFree(
  rooms: readonly { _id: Types.ObjectId | string; name: string }[],
  name: string,
  except?: string,
): void {
  const key = roomNameKey(name);
  if (rooms.some((r) => String(r._id) !== except && roomNameKey(r.name) === key)) throw roomExists();
}

/** A seat as the checks inside a transaction read it. */
export type SeatState = {
  _id: Types.ObjectId;
  seatNo: number;
  ip?: string | null;
  tokenHash?: string | null;
};
/** A room with every field a check may ask for (see roomsInTransaction). */
type RoomState = { _id: Types.ObjectId; name: string; retiredAt?: Date | null; seats: SeatState[] };

/**
 * The centre (whether retired) and its rooms' ids and the `fields` asked for, as the transaction
 * `session` sees them, for the checks a room is added, renamed or retired, or a seat bound under.
 * Only those fields are read: a centre's seats take megabytes (MAX_ROOMS_PER_CENTRE rooms of up to
 * 300 seats) and a name check needs none of them. The caller then writes the centre in the same
 * transaction: two such changes of one centre at once (on one instance or on two) both write that
 * document, so one of them meets a write conflict and is retried whole, and its check, made again
 * here, sees the other's change. A check on a copy read before the transaction let both through.
 */
export async function roomsInTransaction<F extends Exclude<keyof RoomState, "_id">>(
  Centres: Model<TestCentreDoc>,
  centreId: Types.ObjectId,
  session: ClientSession,
  fields: readonly F[],
): Promise<{ retiredAt?: Date | null; rooms: Pick<RoomState, "_id" | F>[] } | null> {
  const projection = Object.fromEntries([
    ["retiredAt", 1],
    ["rooms._id", 1],
    ...fields.map((f) => [`rooms.${f}`, 1]),
  ]) as Record<string, 1>;
  return Centres.findById(centreId, projection)
    .session(session)
    .lean<{ retiredAt?: Date | null; rooms: Pick<RoomState, "_id" | F>[] }>();
}
