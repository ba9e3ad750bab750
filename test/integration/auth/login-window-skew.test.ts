import { expect } from "chai";
import { Types } from "mongoose";
import { SESSION_DOORS_OPEN_MINUTES } from "../../../server/config.js";
import { seedSampleBanks } from "../../../server/question-bank/index.js";
import {
  anonymousAgent,
  connectSocket,
  scheduleCandidates,
  staffAgent,
  type ScheduledCandidates,
} from "../../helpers/auth.js";
import type { TestNode } from "../../helpers/node.js";
import { useSkewedNode } from "../../helpers/skewed-node.js";
import { call, type ExamSocket } from "../exams/support/clients.js";

const MINUTE = 60_000;
/** A few seconds of drift between two instances behind one load balancer, as NTP leaves them. */
const SKEW = 30_000;
/** How far from the opening of the doors each test stands: half the skew, far more than a request takes. */
const MARGIN = SKEW / 2;

interface Doors {
  fixture: ScheduledCandidates;
  /** The room's proctor, connected. */
  socket: ExamSocket;
  /**
   * Moves the session so that its doors (login and check-in, SESSION_DOORS_OPEN_MINUTES before
   * the start) open `fromNowMs` from now on this process's clock, to the millisecond; then, at
   * once, what the candidate's login and the proctor's check-in of the candidate answer ("ok" or
   * the refusal's code). Exam delivery opens check-in on the database's clock; the login must open
   * on that clock too.
   */
  loginAndCheckInWithDoorsOpening(fromNowMs: number): Promise<{ login: string; checkIn: string }>;
}

/** A session with one candidate and its proctor connected, made before the clock-sensitive part. */
async function aSessionAtItsDoors(node: TestNode): Promise<Doors> {
  const fixture = await scheduleCandidates(node, { count: 1, startsInMinutes: 45 });
  const c = fixture.candidates[0];
  if (!c) throw new Error("fixture");
  const proctor = await staffAgent(node, {
    roles: ["proctor"],
    testCentreId: fixture.room.testCentreId,
    divisionCode: fixture.session.divisionCode,
  });
  const socket = (await connectSocket(node, proctor)) as unknown as ExamSocket;
  const { agent } = await anonymousAgent(node);
  return {
    fixture,
    socket,
    async loginAndCheckInWithDoorsOpening(fromNowMs) {
      const t0 = Date.now();
      const startsAt = t0 + fromNowMs + SESSION_DOORS_OPEN_MINUTES * MINUTE;
      const moved = await node.ctx.conn
        .collection("exam_sessions")
        .updateOne(
          { _id: new Types.ObjectId(fixture.session.id) },
          { $set: { startsAt: new Date(startsAt), endsAt: new Date(startsAt + 60 * MINUTE) } },
        );
      expect(moved.modifiedCount, "the session's times").to.equal(1);
      const res = await agent
        .post("/api/auth/candidate-login")
        .send({ idNumber: c.idNumber, ticketNo: c.assignment.ticketNo, seatToken: c.seatToken });
      const ack = await call(socket, "proctor:check_in", {
        sessionId: fixture.session.id,
        candidateId: c.id,
        idNumber: c.idNumber,
      });
      // Both answered inside the margin: past it, the two clocks agree again and prove nothing.
      expect(Date.now() - t0, "time taken").to.be.below(MARGIN);
      return {
        login: res.status === 200 ? "ok" : String(res.body.error?.code),
        checkIn: ack.ok ? "ok" : ack.error.code,
      };
    },
  };
}

/**
 * Item 1 of the clock review: two instances behind one load balancer, 30 s apart, must admit a
 * candidate at the same moment. The login window is judged on the node's database clock (exam
 * delivery's, `delivery.now` wired in server/features.ts): the one check-in, release and the
 * deadlines read, kept in step with the database by an offset measured each minute, so a login
 * costs no database round trip for it.
 */
describe("candidate login: the doors open on the database's clock, 30 s ahead of this instance's", function () {
  this.timeout(60_000);
  const env = useSkewedNode(SKEW, { env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  it("when the doors have opened by the database's clock but not yet by this instance's, then the candidate logs in and the proctor may check them in", async () => {
    const doors = await aSessionAtItsDoors(env.node);
    try {
      // Opened 15 s ago by the database's clock; opens in 15 s by this instance's.
      expect(await doors.loginAndCheckInWithDoorsOpening(MARGIN)).to.deep.equal({
        login: "ok",
        checkIn: "ok",
      });
    } finally {
      doors.socket.close();
    }
  });
});

describe("candidate login: the doors open on the database's clock, 30 s behind this instance's", function () {
  this.timeout(60_000);
  const env = useSkewedNode(-SKEW, { env: { LOGIN_RATE_LIMIT_PER_MINUTE: "100000" } });
  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  it("when the doors have opened by this instance's clock but not yet by the database's, then the login is refused as check-in is", async () => {
    const doors = await aSessionAtItsDoors(env.node);
    try {
      // Opened 15 s ago by this instance's clock; opens in 15 s by the database's.
      expect(await doors.loginAndCheckInWithDoorsOpening(-MARGIN)).to.deep.equal({
        login: "outside_session_window",
        checkIn: "check_in_too_early",
      });
    } finally {
      doors.socket.close();
    }
  });
});
