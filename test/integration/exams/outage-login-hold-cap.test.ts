import { expect } from "chai";
import { createCandidateCheck, type CandidateTicket } from "../../../server/auth/candidate-login.js";
import type { LoginThrottle } from "../../../server/auth/login-throttle.js";
import { AppError } from "../../../server/lib/errors.js";
import { examDb } from "./support/models.js";
import {
  aRoomAfterAnOutage,
  creditOutage,
  expireAttempts,
  secondApproverSweptByHand,
  useExamNode,
  type Room,
} from "./support/setup.js";

const MINUTE = 60_000;
/** EXAM_OUTAGE_HOLD_MAX_MS by default: how long past its deadline and grace an outage holds a seat. */
const HOLD_MAX_MS = 30 * MINUTE;

/** Nothing is ever locked: only the sitting decides. */
const throttle = {
  attempt: () => Promise.resolve(1),
  failed: () => Promise.resolve({ locked: false }),
  reset: () => Promise.resolve(),
} as unknown as LoginThrottle;

/**
 * The deadline sweep holds a seat a room-wide outage cost time at most EXAM_OUTAGE_HOLD_MAX_MS past
 * its deadline and grace (closing.ts outageHolds), and the candidate's login is kept meanwhile
 * (queries.ts outageLoginHold), so a candidate back at a reloaded kiosk can be given the credit.
 * The login's hold must end with the sweep's, whether or not the sweep has run since: a seat past
 * the cap that no sweep has closed yet (the sweep runs every so often, or its instance is down)
 * must not let its candidate log in again, or unplugging a room bought logins without end. The
 * login is the product's check (auth's candidate login) asking exam delivery's `sittingUntil`;
 * only the ticket and seat lookups are stand-ins.
 */
describe("exam delivery: the login an outage keeps ends with the outage hold's cap", function () {
  this.timeout(60_000);
  // No sweep of the node's own (an hour apart): the seats past the cap stay unclosed.
  const env = useExamNode(secondApproverSweptByHand());
  const attempts = () => examDb(env.node.ctx.conn).Attempts;

  /** The room's candidate at `seat` logs in again at their own seat (a reloaded kiosk): "accepted", or the refusal's code and message. */
  async function loginAgain(room: Room, seat: number): Promise<{ said: string; validUntil?: Date }> {
    const a = room.assignments[seat]!;
    const deadline = (await attempts().findById(room.candidates[seat]!.attemptId, { deadline: 1 }).lean())
      ?.deadline;
    if (!deadline) throw new Error("fixture: no deadline");
    // The session's nominal end passed with the candidate's deadline: the login asks exam delivery.
    const ticket: CandidateTicket = {
      candidateId: a.candidateId,
      sessionId: room.session.id,
      ticketNo: a.ticketNo,
      idNumber: a.idNumber,
      name: a.name,
      divisionCode: room.session.divisionCode,
      testCentreId: "tc-fixture",
      roomId: "room-fixture",
      seatId: a.seatId,
      seatNo: a.seatNo,
      startsAt: new Date(room.session.startsAt),
      endsAt: deadline,
      status: "scheduled",
    };
    const check = createCandidateCheck({
      throttle,
      provinceCode: "320000",
      now: () => new Date(),
      candidates: {
        findTicket: (no) => Promise.resolve(no === a.ticketNo ? ticket : null),
        findLoginSeat: () => Promise.resolve({ seatId: a.seatId, seatNo: a.seatNo }),
        testCentreDivision: () => Promise.resolve(null),
        sittingUntil: (sessionId, candidateId) =>
          env.node.delivery.exams.sittingUntil(sessionId, candidateId),
      },
    });
    try {
      const { validUntil } = await check(
        { idNumber: a.idNumber, ticketNo: a.ticketNo, seatToken: "seat" },
        {},
      );
      return { said: "accepted", validUntil };
    } catch (err) {
      if (err instanceof AppError) return { said: `${err.code}: ${err.message}` };
      throw err;
    }
  }

  const statuses = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await attempts().findById(id, { status: 1 }).lean())?.status));

  it("when a seat the outage holds is a minute short of the hold's cap, then its candidate's login is accepted, until no later than the cap", async () => {
    const { room, ids } = await aRoomAfterAnOutage(env.node);
    try {
      await expireAttempts(env.node, ids, HOLD_MAX_MS - MINUTE);
      const deadline = (await attempts().findById(ids[0], { deadline: 1 }).lean())!.deadline!;
      const { said, validUntil } = await loginAgain(room, 0);
      expect(said).to.equal("accepted");
      // One second of grace: the hold's cap.
      expect(validUntil!.getTime()).to.be.at.most(deadline.getTime() + 1_000 + HOLD_MAX_MS);
    } finally {
      room.close();
    }
  });

  it("when the hold's cap has passed and no sweep has closed the seat yet, then its candidate's login is refused as for any sitting that is over", async () => {
    const { room, ids } = await aRoomAfterAnOutage(env.node);
    try {
      await expireAttempts(env.node, ids, HOLD_MAX_MS + 10_000);
      expect(await loginAgain(room, 0)).to.deep.equal({ said: "outside_session_window: 本场考试已结束" });
      // Still unclosed: what refused the login is the cap, not a close.
      expect(await statuses(ids)).to.deep.equal(ids.map(() => "in_progress"));
    } finally {
      room.close();
    }
  });

  it("when the hold's cap has passed while the seat's outage credit waits for a second approver, then its candidate's login is refused as for any sitting that is over", async () => {
    const { room, ids, proposal } = await aRoomAfterAnOutage(env.node);
    try {
      const asked = await creditOutage(room, proposal, "考点网络中断");
      expect(asked.skipped.map((s) => s.code)).to.deep.equal(ids.map(() => "approval_pending"));
      // Before the cap the pending credit keeps the login (the same seat, the other rule of the hold).
      await expireAttempts(env.node, ids, 5_000);
      expect((await loginAgain(room, 0)).said).to.equal("accepted");

      await expireAttempts(env.node, ids, HOLD_MAX_MS + 10_000);
      expect(await loginAgain(room, 0)).to.deep.equal({ said: "outside_session_window: 本场考试已结束" });
      const still = await attempts()
        .find({ _id: { $in: ids } }, { status: 1, pendingExtensions: 1 })
        .lean();
      expect(still.map((a) => [a.status, a.pendingExtensions.length])).to.deep.equal(
        ids.map(() => ["in_progress", 1]),
      );
    } finally {
      room.close();
    }
  });
});
