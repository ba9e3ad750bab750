import type { AuthUser } from "../contracts/auth.js";
import type { CategoryCode } from "../contracts/categories.js";
import type {
  AssignBody,
  AutoAssignBody,
  AutoAssignResultDto,
  SeatAssignmentDto,
  SeatMapDto,
} from "../contracts/scheduling.js";
import { AppError } from "../lib/errors.js";
import type { RegistrationService } from "../registration/index.js";

export interface AutoSeatingDeps {
  seatMap(actor: AuthUser, sessionId: string): Promise<SeatMapDto>;
  assign(actor: AuthUser, sessionId: string, body: AssignBody): Promise<SeatAssignmentDto>;
  registration: RegistrationService;
  /** Candidates already holding a seat in an open session of the category (any session). */
  scheduledCandidates(categoryCode: CategoryCode): Promise<Set<string>>;
  /** Candidates who passed the category already (they need no seat). */
  passedCandidates(categoryCode: CategoryCode): Promise<Set<string>>;
}

/** Candidates the automatic mode considers at most (one room holds far fewer). */
const WAITING_LIMIT = 500;

/**
 * Automatic seating (自动排座): each candidate goes through the same `assign` as a hand-placed one
 * (scope, category, double booking, retake policy, capacity; one transaction and audit entry each),
 * so nothing is half-written and every refusal is reported by name. Seats bound to a seat computer
 * are filled first: a candidate on an unbound seat cannot log in until it is bound.
 */
export async function autoSeat(
  deps: AutoSeatingDeps,
  actor: AuthUser,
  sessionId: string,
  body: AutoAssignBody,
): Promise<AutoAssignResultDto> {
  const map = await deps.seatMap(actor, sessionId);
  const seatedHere = new Set(map.seats.flatMap((s) => (s.assignment ? [s.assignment.candidateId] : [])));
  const category = map.session.categoryCode;
  const candidates = body.candidateIds
    ? body.candidateIds.map((candidateId) => ({ candidateId, name: null as string | null }))
    : await waiting(deps, actor, category, seatedHere);
  const freeSeats = map.seats
    .filter((s) => !s.assignment)
    .sort((a, b) => Number(b.bound) - Number(a.bound) || a.seatNo - b.seatNo);
  let room = Math.max(0, map.session.capacity - map.session.assignedCount);

  const result: AutoAssignResultDto = { seated: [], refused: [] };
  for (const c of candidates) {
    const name = c.name ?? (await nameInScope(deps, actor, c.candidateId));
    const refuse = (code: string, message: string) =>
      result.refused.push({ candidateId: c.candidateId, name, code, message });
    if (seatedHere.has(c.candidateId)) {
      refuse("already_assigned", "该考生已在本场次");
      continue;
    }
    if (room === 0 || freeSeats.length === 0) {
      refuse("session_full", "该场次座位已满");
      continue;
    }
    // A seat someone else took meanwhile is skipped for the next; any other refusal is the candidate's.
    for (;;) {
      const seat = freeSeats.shift();
      if (!seat) {
        refuse("session_full", "该场次座位已满");
        break;
      }
      try {
        const a = await deps.assign(actor, sessionId, { candidateId: c.candidateId, seatId: seat.seatId });
        result.seated.push({
          candidateId: a.candidateId,
          name: a.name,
          seatNo: a.seatNo,
          ticketNo: a.ticketNo,
        });
        seatedHere.add(a.candidateId);
        room--;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === "seat_taken") continue;
        freeSeats.unshift(seat);
        if (err.code === "session_full") room = 0;
        refuse(err.code, err.message);
      }
      break;
    }
  }
  return result;
}

/**
 * The name a refusal shows, read through the officer's scope: a candidate of another division
 * answers exactly as an id nobody registered (as `assign` refuses both with `not_found`), so the
 * refusal list tells neither their name nor that they exist.
 */
async function nameInScope(deps: AutoSeatingDeps, actor: AuthUser, candidateId: string): Promise<string> {
  try {
    return (await deps.registration.get(actor, candidateId)).name;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return "（未知考生）";
    throw err;
  }
}

/**
 * The officer's candidates of the category who still need a seat, first registered first: not
 * seated here or in another open session of it, and not passed already.
 */
async function waiting(
  deps: AutoSeatingDeps,
  actor: AuthUser,
  category: CategoryCode,
  seatedHere: Set<string>,
): Promise<{ candidateId: string; name: string }[]> {
  const [scheduled, passed] = await Promise.all([
    deps.scheduledCandidates(category),
    deps.passedCandidates(category),
  ]);
  const exclude = new Set([...seatedHere, ...scheduled, ...passed]);
  const registered = await deps.registration.waitingFor(actor, category, exclude, WAITING_LIMIT);
  return registered.map((c) => ({ candidateId: c.id, name: c.name }));
}
