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
   * A test centre's division and whether it is retired, to check a proctor's binding; null when it
   * does not exist.
   */
  testCentreDivision(testCentreId: string): Promise<{ divisionCode: string; retired: boolean } | null>;
  /**
   * Until when the candidate's sitting of the session runs (their attempt's deadline and grace,
   * past the session's nominal end with extra time), or null when no attempt is in progress.
   */
  sittingUntil(sessionId: string, candidateId: string): Promise<Date | null>;
}

/** Candidates may log in from this long before the session starts (check-in). */
export const CANDIDATE_LOGIN_OPENS_MINUTES = 30;

const invalidTicket = () => errors.unauthorized("身份证号或准考证号错误", "invalid_credentials");

/**
 * Whose failures an attempt adds to: the ID number where the attempt comes from (the seat token it
 * carries, else the client's address). Counted by ID number alone, five bad requests from anywhere
 * locked a candidate out in the middle of their exam; this way only attempts made at the
 * candidate's own seat (its token or its registered address) can lock them out there.
 */
function lockoutKey(idNumber: string, body: CandidateLoginBody, from: { ip?: string }): string {
  const source = body.seatToken ? `seat:${hashSeatToken(body.seatToken)}` : `ip:${clientKey(from.ip ?? "")}`;
  return `${candidateLockoutPrefix(idNumber)}${source}`;
}

/** What every lockout key of the candidate with `idNumber` starts with, wherever they tried. */
export function candidateLockoutPrefix(idNumber: string): string {
  return `candidate:${idNumber}@`;
}

/**
 * The candidate login's checks (auditing is the caller's): the ticket's room, then ID number and
 * ticket under the lockout of where the attempt comes from, the session's window (held on while
 * the candidate still sits), and their own seat.
 *
 * The room is asked first, before the ID number is compared: a request from no seat of the
 * ticket's room gets the same answer whether the numbers belong together or not, so guesses from
 * made-up seat tokens or addresses (each a fresh lockout key) learn nothing of the pairing, and
 * they are not counted against the candidate. What guesses the pairing is a seat of that room, and
 * there each seat's failures are counted.
 */
export function createCandidateCheck(deps: {
  throttle: LoginThrottle;
  candidates: CandidateLoginPort;
  provinceCode: string | null;
}) {
  return async function checkCandidate(
    body: CandidateLoginBody,
    from: { ip?: string },
    now = new Date(),
  ): Promise<{ user: AuthUser; validUntil: Date }> {
    const idNumber = body.idNumber.trim().toUpperCase();
    const ticket = await deps.candidates.findTicket(body.ticketNo.trim());
    const seat = ticket
      ? await deps.candidates.findLoginSeat(ticket.testCentreId, ticket.roomId, {
          seatToken: body.seatToken,
          ip: body.seatToken ? undefined : from.ip,
        })
      : null;
    if (ticket && !seat) throw errors.forbidden("请在本场考试的考场座位上登录", "not_from_session_room");
    const key = lockoutKey(idNumber, body, from);
    const counted = await deps.throttle.attempt(key);
    if (!ticket || !seat || ticket.idNumber !== idNumber) {
      await deps.throttle.failed(key, counted);
      throw invalidTicket();
    }
    await deps.throttle.reset(key);
    if (ticket.status !== "scheduled") throw errors.forbidden("该考试场次已取消", "session_cancelled");
    const opens = new Date(ticket.startsAt.getTime() - CANDIDATE_LOGIN_OPENS_MINUTES * 60_000);
    if (now < opens) throw errors.forbidden("未到登录时间：开考前 30 分钟开放登录", "outside_session_window");
    // Past the nominal end, a candidate still sitting (extra time, a pause, a late release) may
    // log in again, at a reloaded kiosk, until their own deadline.
    let validUntil = ticket.endsAt;
    if (now > ticket.endsAt) {
      const sitting = await deps.candidates.sittingUntil(ticket.sessionId, ticket.candidateId);
      if (!sitting || now > sitting) throw errors.forbidden("本场考试已结束", "outside_session_window");
      validUntil = sitting;
    }
    // Another seat of the same room would bind the candidate's attempt to a seat they do not sit at
    // (proctors see the wrong desk, a neighbour's kiosk runs their paper): only their own seat counts.
    if (seat.seatId !== ticket.seatId)
      throw errors.forbidden(`请在准考证指定的 ${ticket.seatNo} 号座位上登录`, "not_assigned_seat");
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
