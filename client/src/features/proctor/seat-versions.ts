import type { SeatViewDto } from "@contracts/exams.js";

/**
 * Whether `incoming` is an older reading of the attempt `held` shows. Several instances push seats
 * of one room and their pushes cross: a seat read before a pause, extension, void or close made on
 * another instance may arrive after it, and shown last it took the change back on the console.
 * Only readings of the same attempt compare (a seat without a version, e.g. not arrived, never does).
 */
export function isOlderSeat(held: SeatViewDto | undefined, incoming: SeatViewDto): boolean {
  if (!held || held.attemptId === null || held.attemptId !== incoming.attemptId) return false;
  if (held.version === undefined || incoming.version === undefined) return false;
  return incoming.version < held.version;
}

/**
 * The room's seats read afresh (`proctor:watch`), keeping any seat already held that is newer than
 * the reading: a push that arrived while the reading was under way.
 */
export function withNewerHeld(read: SeatViewDto[], held: readonly SeatViewDto[]): SeatViewDto[] {
  const byCandidate = new Map(held.map((s) => [s.candidateId, s]));
  return read.map((seat) => {
    const kept = byCandidate.get(seat.candidateId);
    return kept && isOlderSeat(kept, seat) ? kept : seat;
  });
}
