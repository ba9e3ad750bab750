import { SESSION_DOORS_OPEN_MINUTES } from "../config.js";
import type { AuthUser, CandidateLoginBody } from "../contracts/auth.js";
import { errors } from "../lib/errors.js";
import { hashSeatToken } from "../organisation/index.js";
import { clientKey, type LoginThrottle } from "./login-throttle.js";

/** A candidate's admission ticket as the candidate login needs it (supplied by scheduling). */
export interface CandidateTicket {
  candidateId: string;
  sessionId: string;
  ticketNo: string;
  idNumber: string;
  name: string;
  divisionCode: string;
  testCentreId: string;
  roomId: string;
  /** The seat the candidate is assigned to: the only seat they may log in from. */
  seatId: string;
  seatNo: number;
  startsAt: Date;
  endsAt: Date;
  status: string;
}

/** What the candidate login reads from scheduling and organisation (wired in server/features.ts). */
export interface CandidateLoginPort {
  findTicket(ticketNo: string): Promise<CandidateTicket | null>;
  findLoginSeat(
    testCentreId: string,
    roomId: string,
    from: { seatToken?: string; ip?: string },
  ): Promise<{ seatId: string; seatNo: number } | null>;
  /**
   * A test centre's own id (as stored: the binding keeps it, not the request's spelling), its
   * name, division and whether it is retired, to check a proctor's binding (and name the centre
   * in its audit entry); null when it does not exist.
   */
  testCentreDivision(
    testCentreId: string,
  ): Promise<{ id: string; name: string; divisionCode: string; retired: boolean } | null>;
  /**
   * Until when the candidate's sitting of the session runs (their attempt's deadline and grace,
   * past the session's nominal end with extra time), or null when no attempt is in progress or
   * its deadline and grace have passed by the database's clock.
   */
  sittingUntil(sessionId: string, candidateId: string): Promise<Date | null>;
}

const invalidTicket = () => errors.unauthorized("身份证号或准考证号错误", "invalid_credentials");
/**
 * A request from no seat of the ticket's room, whether the ticket exists or not: the candidate
 * who is in the wrong room is still told where to look.
 */
const invalidTicketOrPlace = () =>
  errors.unauthorized(
    "身份证号或准考证号错误，或未在本场考试考场的座位上登录，请核对准考证上的考场和座位",
    "invalid_credentials",
  );

/**
 * Whose failures an attempt adds to: the typed ID number where the attempt comes from. Counted by
 * ID number alone, five bad requests from anywhere locked a candidate out in the middle of their
 * exam; this way only attempts made at the candidate's own seat can lock them out there. "Where"
 * is the seat token when one is sent (it names one seat), else the seat the request's address
 * resolved to, else the address (an IPv6 /64, see clientKey). The resolved seat, not the address:
 * a room's seats on IPv6 usually share one /64, so keyed by the address every neighbour's failures
 * counted against the candidate.
 */
function lockoutKey(
  idNumber: string,
  body: CandidateLoginBody,
  from: { ip?: string },
  seat: { seatId: string } | null,
): string {
  const source = body.seatToken
    ? `seat:${hashSeatToken(body.seatToken)}`
    : seat
      ? `seat-id:${seat.seatId}`
      : `ip:${clientKey(from.ip ?? "")}`;
  return `${candidateLockoutPrefix(idNumber)}${source}`;
}

/**
 * The failures of a ticket at its seat, whatever ID number was typed with it: counted only by the
 * typed ID number, one known ticket let its holder's ID number be guessed one number after another
 * without ever locking. Under the ticket's own ID number, so the proctor's unlock of that candidate
 * (`candidateLockoutPrefix`) lifts it too.
 */
function ticketLockoutKey(ticket: CandidateTicket): string {
  return `${candidateLockoutPrefix(ticket.idNumber)}ticket:${ticket.ticketNo}`;
}

/** What every lockout key of the candidate with `idNumber` starts with, wherever they tried. */
export function candidateLockoutPrefix(idNumber: string): string {
  return `candidate:${idNumber}@`;
}

/**
 * The candidate login's checks (auditing is the caller's): the ticket's room and seat, then ID
 * number and ticket under the lockouts, then the session's state and window (held on while the
 * candidate still sits).
 *
 * The room and the seat are asked first, before the ID number is compared. A request from no seat
 * of the ticket's room gets the answer a made-up ticket gets, counted the same way (against the
 * typed ID number where the request comes from, never at the candidate's seat): with its own
 * answer, "not from the session's room" told anyone anywhere that a ticket number exists, and the
 * seat answer named its seat. A request from another seat of the ticket's room is told the
 * ticket's seat (the seating plan posted at the room shows it anyway) whether the numbers belong
 * together or not, and is counted against nobody. What can guess the pairing is the ticket's own
 * seat, and there every failure counts twice: against the typed ID number at that seat, and
 * against the ticket whatever ID number was typed.
 */
export function createCandidateCheck(deps: {
  throttle: LoginThrottle;
  candidates: CandidateLoginPort;
  provinceCode: string | null;
  /**
   * The time the window is judged at: the node's database clock, the one exam delivery judges the
   * sitting by (`sittingUntil`) and the socket's guard compares the window with. On the instance's
   * own clock, an instance running behind let a candidate in after the session had ended (and one
   * running ahead refused them before it had), while the socket said the opposite.
   */
  now: () => Date;
}) {
  return async function checkCandidate(
    body: CandidateLoginBody,
    from: { ip?: string },
    now = deps.now(),
  ): Promise<{ user: AuthUser; validUntil: Date }> {
    const idNumber = body.idNumber.trim().toUpperCase();
    const ticket = await deps.candidates.findTicket(body.ticketNo.trim());
    const seat = ticket
      ? await deps.candidates.findLoginSeat(ticket.testCentreId, ticket.roomId, {
          seatToken: body.seatToken,
          ip: body.seatToken ? undefined : from.ip,
        })
      : null;
    // Another seat of the same room would bind the candidate's attempt to a seat they do not sit at
    // (proctors see the wrong desk, a neighbour's kiosk runs their paper): only their own seat counts.
    if (ticket && seat && seat.seatId !== ticket.seatId)
      throw errors.forbidden(`请在准考证指定的 ${ticket.seatNo} 号座位上登录`, "not_assigned_seat");
    // The ticket's own lockout only at its seat: from elsewhere, guesses must not lock its holder out.
    const keys = [
      lockoutKey(idNumber, body, from, seat),
      ...(ticket && seat ? [ticketLockoutKey(ticket)] : []),
    ];
    const counted: number[] = [];
    for (const key of keys) counted.push(await deps.throttle.attempt(key, now));
    if (!ticket || !seat || ticket.idNumber !== idNumber) {
      for (const [i, key] of keys.entries()) await deps.throttle.failed(key, counted[i] ?? 1, now);
      // No seat of the ticket's room: one answer whether the ticket exists or not (see above).
      throw seat ? invalidTicket() : invalidTicketOrPlace();
    }
    for (const key of keys) await deps.throttle.reset(key);
    if (ticket.status !== "scheduled") throw errors.forbidden("该考试场次已取消", "session_cancelled");
    // Candidates may log in from when check-in opens (the configuration's window, not a copy of it).
    const opens = new Date(ticket.startsAt.getTime() - SESSION_DOORS_OPEN_MINUTES * 60_000);
    if (now < opens)
      throw errors.forbidden(
        `未到登录时间：开考前 ${SESSION_DOORS_OPEN_MINUTES} 分钟开放登录`,
        "outside_session_window",
      );
    // Past the nominal end, a candidate still sitting (extra time, a pause, a late release) may
    // log in again, at a reloaded kiosk, until their own deadline.
    let validUntil = ticket.endsAt;
    if (now > ticket.endsAt) {
      const sitting = await deps.candidates.sittingUntil(ticket.sessionId, ticket.candidateId);
      // Exam delivery answers on the database's clock (null once deadline and grace have passed),
      // as the socket and session checks take it: not compared again with this instance's clock.
      if (!sitting) throw errors.forbidden("本场考试已结束", "outside_session_window");
      validUntil = sitting;
    }
    const user: AuthUser = {
      id: ticket.candidateId,
      kind: "candidate",
      roles: ["candidate"],
      displayName: ticket.name,
      divisionCode: ticket.divisionCode,
      provinceCode: deps.provinceCode,
      candidate: {
        candidateId: ticket.candidateId,
        sessionId: ticket.sessionId,
        ticketNo: ticket.ticketNo,
        seatId: seat.seatId,
      },
    };
    return { user, validUntil };
  };
}
