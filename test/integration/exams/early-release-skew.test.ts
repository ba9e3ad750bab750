import { expect } from "chai";
import { Types } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { seedSampleBanks } from "../../../server/question-bank/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { scheduleCandidates, type ScheduledCandidates } from "../../helpers/auth.js";
import type { TestNode } from "../../helpers/node.js";
import { useSkewedNode } from "../../helpers/skewed-node.js";
import { call, ok, type ExamSocket } from "./support/clients.js";
import { aProctorWatching, checkIn } from "./support/watched-session.js";

const MINUTE = 60_000;
/** How far the node's database clock and its own are apart: far more than a request takes. */
const SKEW = 20 * MINUTE;
const REASON = "考生全部到齐，经考点主任同意提前开考";

interface CheckedInRoom {
  fixture: ScheduledCandidates;
  socket: ExamSocket;
  /** The session of the same room before this one, when asked for. */
  previousId?: string;
}

/** Moves session `id` to start at `startsAt` (epoch ms) and run an hour, with other fields as given. */
async function moveSession(
  node: TestNode,
  id: string,
  startsAt: number,
  more: Record<string, unknown> = {},
): Promise<void> {
  const moved = await node.ctx.conn
    .collection("exam_sessions")
    .updateOne(
      { _id: new Types.ObjectId(id) },
      { $set: { startsAt: new Date(startsAt), endsAt: new Date(startsAt + 60 * MINUTE), ...more } },
    );
  expect(moved.modifiedCount, "the session's times").to.equal(1);
}

/**
 * A session starting at `startsAt` (epoch ms of this process's clock) with one candidate the
 * proctor has checked in, the proctor's socket watching it; with `previousHeldUntil`, a session
 * before it in the same room whose booking holds the room until then.
 */
async function aCheckedInRoom(
  node: TestNode,
  startsAt: number,
  previousHeldUntil?: number,
): Promise<CheckedInRoom> {
  const fixture = await scheduleCandidates(node, { count: 1, startsInMinutes: 45 });
  await moveSession(node, fixture.session.id, startsAt);
  let previousId: string | undefined;
  if (previousHeldUntil !== undefined) {
    const { conn, config } = node.ctx;
    const sched = createSchedulingService(conn, {
      timeZone: config.timeZone,
      provinceCode: config.provinceCode,
      organisation: createOrganisationService(conn, config.provinceCode, undefined, {
        timeZone: config.timeZone,
      }),
      registration: createRegistrationService(conn, {
        provinceCode: config.provinceCode,
        timeZone: config.timeZone,
      }),
    });
    const officer: AuthUser = {
      id: "o",
      kind: "staff",
      roles: ["officer"],
      displayName: "o",
      divisionCode: fixture.session.divisionCode,
      provinceCode: config.provinceCode,
    };
    // Booked two days ahead (no clash), then moved to the hour before this session.
    const previous = await sched.createSession(officer, {
      categoryCode: "01001",
      testCentreId: fixture.room.testCentreId,
      roomId: fixture.room.roomId,
      startsAt: new Date(Date.now() + 2 * 24 * 60 * MINUTE).toISOString(),
      durationMinutes: 60,
      lateEntryMinutes: 20,
      earliestHandInMinutes: 30,
    });
    await moveSession(node, previous.id, startsAt - 75 * MINUTE, {
      bookedUntil: new Date(previousHeldUntil),
    });
    previousId = previous.id;
  }
  const cand = fixture.candidates[0];
  if (!cand) throw new Error("fixture");
  const socket = await aProctorWatching(node, fixture);
  await checkIn(socket, fixture.session.id, cand);
  return { fixture, socket, ...(previousId ? { previousId } : {}) };
}

/** The release audit entries of session `id`: their actions and reasons. */
async function releasesAudited(node: TestNode, id: string): Promise<{ action: string; reason?: string }[]> {
  const entries = await node.ctx.conn
    .collection("audit_log")
    .find({ action: { $in: ["exam.release", "exam.early_release"] }, "target.id": id })
    .toArray();
  return entries.map((e) => ({
    action: String(e.action),
    ...(e.details?.reason ? { reason: String(e.details.reason) } : {}),
  }));
}

/** The session's attempts as [status, started] pairs. */
async function attemptsOf(node: TestNode, id: string): Promise<[string, boolean][]> {
  const docs = await node.ctx.conn.collection("exam_attempts").find({ sessionId: id }).toArray();
  return docs.map((d) => [String(d.status), d.startedAt instanceof Date]);
}

/**
 * Item 2 of the clock review: whether a release is early (提前开考: a reason required, the room's
 * previous session must be over, audited as early) is decided by the server alone, on one clock:
 * exam delivery's, the database's, which the deadlines it writes are on. Scheduling claimed the
 * session for the release on the instance's own clock, and asked the room's previous session only
 * when that clock said "early": an instance running behind let an early release run beside the
 * previous sitting, one running ahead refused a release on time for a room already free.
 */
describe("early release on the database's clock: its clock 20 minutes ahead of this instance's", function () {
  this.timeout(90_000);
  const env = useSkewedNode(SKEW);
  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  /** Releases the room without a reason: it must go through for its one candidate, audited as on time. */
  async function expectReleasedOnTime({ fixture, socket }: CheckedInRoom): Promise<void> {
    try {
      const released = ok(await call(socket, "proctor:release", { sessionId: fixture.session.id }));
      expect(released.affected).to.have.length(1);
      expect(await releasesAudited(env.node, fixture.session.id)).to.deep.equal([{ action: "exam.release" }]);
    } finally {
      socket.close();
    }
  }

  it("when the start has passed by the database's clock but not by this instance's, then a release without a reason goes through, audited as on time", async () => {
    // Started ten minutes ago by the database's clock; starts in ten minutes by this instance's.
    await expectReleasedOnTime(await aCheckedInRoom(env.node, Date.now() + SKEW / 2));
  });

  it("when the room's previous session holds it by this instance's clock but is over by the database's, then the release on time goes through", async () => {
    // Starts in ten minutes by this instance's clock (ten minutes ago by the database's); the
    // previous session's booking runs five minutes more by this instance's clock (it ended a
    // quarter of an hour ago by the database's).
    await expectReleasedOnTime(
      await aCheckedInRoom(env.node, Date.now() + SKEW / 2, Date.now() + 5 * MINUTE),
    );
  });

  it("when a room is released, then the session's release time is on the clock of its candidates' start", async () => {
    const { fixture, socket } = await aCheckedInRoom(env.node, Date.now() + SKEW / 2);
    try {
      ok(await call(socket, "proctor:release", { sessionId: fixture.session.id }));
      const { conn } = env.node.ctx;
      const session = await conn
        .collection("exam_sessions")
        .findOne({ _id: new Types.ObjectId(fixture.session.id) });
      const attempt = await conn.collection("exam_attempts").findOne({ sessionId: fixture.session.id });
      const releasedAt = (session?.releasedAt as Date | undefined)?.getTime() ?? 0;
      const startedAt = (attempt?.startedAt as Date | undefined)?.getTime() ?? Infinity;
      // One release, read twice within the same transaction: seconds apart at most, not the skew.
      expect(Math.abs(startedAt - releasedAt)).to.be.below(MINUTE);
    } finally {
      socket.close();
    }
  });
});

describe("early release on the database's clock: its clock 20 minutes behind this instance's", function () {
  this.timeout(90_000);
  const env = useSkewedNode(-SKEW);
  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  it("when the start has passed by this instance's clock but not by the database's, then a release without a reason is refused early_release_reason_required and nobody starts", async () => {
    // Starts in ten minutes by the database's clock; started ten minutes ago by this instance's.
    const { fixture, socket } = await aCheckedInRoom(env.node, Date.now() - SKEW / 2);
    try {
      const refused = await call(socket, "proctor:release", { sessionId: fixture.session.id });
      expect(!refused.ok && refused.error.code).to.equal("early_release_reason_required");
      expect(await attemptsOf(env.node, fixture.session.id)).to.deep.equal([["checked_in", false]]);
      expect(await releasesAudited(env.node, fixture.session.id)).to.deep.equal([]);
    } finally {
      socket.close();
    }
  });

  it("when the room's previous session holds it by the database's clock but is over by this instance's, then an early release is refused room_still_in_use, and goes through with its reason once that session is over", async () => {
    // Starts in ten minutes by the database's clock; the previous session's booking runs a quarter
    // of an hour more by the database's clock (it ended five minutes ago by this instance's).
    const { fixture, socket, previousId } = await aCheckedInRoom(
      env.node,
      Date.now() - SKEW / 2,
      Date.now() - 5 * MINUTE,
    );
    try {
      const refused = await call(socket, "proctor:release", {
        sessionId: fixture.session.id,
        earlyReason: REASON,
      });
      expect(!refused.ok && refused.error.code).to.equal("room_still_in_use");
      expect(await attemptsOf(env.node, fixture.session.id)).to.deep.equal([["checked_in", false]]);
      expect(await releasesAudited(env.node, fixture.session.id)).to.deep.equal([]);

      // The previous session's booking over a minute ago by the database's clock.
      await env.node.ctx.conn
        .collection("exam_sessions")
        .updateOne(
          { _id: new Types.ObjectId(previousId) },
          { $set: { bookedUntil: new Date(Date.now() - SKEW - MINUTE) } },
        );
      const released = ok(
        await call(socket, "proctor:release", { sessionId: fixture.session.id, earlyReason: REASON }),
      );
      expect(released.affected).to.have.length(1);
      expect(await releasesAudited(env.node, fixture.session.id)).to.deep.equal([
        { action: "exam.early_release", reason: REASON },
      ]);
    } finally {
      socket.close();
    }
  });
});
