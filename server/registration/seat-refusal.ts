import type { ClientSession } from "mongoose";
import { errors } from "../lib/errors.js";
import { formatShown } from "../lib/local-time.js";
import type { OpenSeat, OpenSeatPort } from "./corrections.js";

/**
 * Refuses a change to a registration while the candidate holds a seat (a correction, a withdrawal,
 * a new photo): the ticket and the proctor's check-in list carry what would change. `what` ends the
 * message (再`what`). One rule for every such change, so each names the seat the same way.
 */
export async function assertNotSeated(
  openSeat: OpenSeatPort | undefined,
  candidateId: string,
  what: string,
  timeZone: string,
  session?: ClientSession,
): Promise<void> {
  const seat = await openSeat?.(candidateId, session);
  // Mid-sitting (past the nominal end, with extra time or paused) there is no seat to take away:
  // the change waits until the candidate has handed in or the proctor has closed the attempt.
  if (seat?.sittingUntil)
    throw errors.conflict("candidate_sitting", `该考生正在考试中，请待其交卷或考试结束后再${what}`);
  if (seat) throw seatedRefusal(seat, what, timeZone);
}

/**
 * The seat named, so the officer knows what to unseat, or whom to ask: the session may be one
 * another office scheduled (a city's session for a county's candidate), which this officer
 * cannot see or change.
 */
function seatedRefusal(seat: OpenSeat, what: string, timeZone: string) {
  const where = [seat.testCentreName, seat.roomName].filter(Boolean).join(" ");
  const session = `${formatShown(seat.sessionStartsAt, timeZone, "minute")} 开始的考试场次${where ? `（${where}）` : ""}`;
  return errors.conflict(
    "candidate_seated",
    `该考生已安排在 ${session}，请先取消座位安排再${what}；如该场次不是您安排的，请联系安排该场次的运管机构取消座位`,
    {
      ...(seat.sessionId ? { sessionId: seat.sessionId } : {}),
      sessionStartsAt: seat.sessionStartsAt.toISOString(),
      ...(seat.testCentreName ? { testCentreName: seat.testCentreName } : {}),
      ...(seat.roomName ? { roomName: seat.roomName } : {}),
    },
  );
}
