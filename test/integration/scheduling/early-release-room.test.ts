import { expect } from "chai";
import { Types } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { formatLocal } from "../../../server/lib/local-time.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { seedSampleBanks } from "../../../server/question-bank/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { scheduleCandidates } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";
import { call, ok } from "../exams/support/clients.js";
import { aProctorWatching, checkIn } from "../exams/support/watched-session.js";

const MINUTE = 60_000;

/**
 * A session may be released up to EXAM_EARLY_RELEASE_MAX_MINUTES before its start, with a reason.
 * Its room is booked from its start only: the session before it in the room holds the room until
 * its own booking ends (its candidates' latest deadline plus the reserve). Released early into
 * that time, two sittings ran in one room at once. Such a release is refused, naming when the
 * room is free.
 */
describe("scheduling: an early release waits for the room's previous session", function () {
  this.timeout(120_000);
  const env = useTestNode();

  before(async () => {
    await seedSampleBanks(env.node.ctx);
  });

  /** A session starting in 20 minutes with its candidate checked in, and a session before it in the same room. */
  async function aRoomAfterAnother() {
    const { node } = env;
    const fixture = await scheduleCandidates(node, { count: 1, startsInMinutes: 20 });
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
      divisionCode: "320000",
      provinceCode: config.provinceCode,
    };
    // Booked two days ahead, then moved to where the previous sitting of the morning is: started
    // an hour ago, its candidates (extra time, the reserve) holding the room for 10 minutes more.
    const previous = await sched.createSession(officer, {
      categoryCode: "01001",
      testCentreId: fixture.room.testCentreId,
      roomId: fixture.room.roomId,
      startsAt: new Date(Date.now() + 2 * 24 * 60 * MINUTE).toISOString(),
      durationMinutes: 60,
      lateEntryMinutes: 20,
      earliestHandInMinutes: 30,
    });
    const until = new Date(Date.now() + 10 * MINUTE);
    await conn.collection("exam_sessions").updateOne(
      { _id: new Types.ObjectId(previous.id) },
      {
        $set: {
          startsAt: new Date(Date.now() - 60 * MINUTE),
          endsAt: new Date(Date.now() - 5 * MINUTE),
          bookedUntil: until,
        },
      },
    );
    const cand = fixture.candidates[0];
    if (!cand) throw new Error("fixture");
    const socket = await aProctorWatching(node, fixture);
    await checkIn(socket, fixture.session.id, cand);
    return { fixture, previous, until, socket };
  }

  it("when a room's previous session is not over, then an early release is refused room_still_in_use and nothing changes", async () => {
    const { conn, config } = env.node.ctx;
    const { fixture, until, socket } = await aRoomAfterAnother();
    try {
      const refused = await call(socket, "proctor:release", {
        sessionId: fixture.session.id,
        earlyReason: "考生全部到齐，经考点主任同意提前开考",
      });
      expect(!refused.ok && refused.error.code).to.equal("room_still_in_use");
      expect(!refused.ok && refused.error.message).to.include(formatLocal(until, config.timeZone, "time"));
      const attempts = await conn
        .collection("exam_attempts")
        .find({ sessionId: fixture.session.id })
        .toArray();
      expect(attempts.map((a) => [a.status, a.startedAt ?? null, a.deadline ?? null])).to.deep.equal([
        ["checked_in", null, null],
      ]);
      const session = await conn
        .collection("exam_sessions")
        .findOne({ _id: new Types.ObjectId(fixture.session.id) });
      expect(session?.releasedAt ?? null).to.equal(null);
      const audited = await conn.collection("audit_log").countDocuments({
        action: { $in: ["exam.release", "exam.early_release"] },
        "target.id": fixture.session.id,
      });
      expect(audited).to.equal(0);
    } finally {
      socket.close();
    }
  });

  it("when the room's previous session is over, then the same early release goes through", async () => {
    const { conn } = env.node.ctx;
    const { fixture, previous, socket } = await aRoomAfterAnother();
    try {
      await conn
        .collection("exam_sessions")
        .updateOne(
          { _id: new Types.ObjectId(previous.id) },
          { $set: { bookedUntil: new Date(Date.now() - MINUTE) } },
        );
      const released = ok(
        await call(socket, "proctor:release", {
          sessionId: fixture.session.id,
          earlyReason: "考生全部到齐，经考点主任同意提前开考",
        }),
      );
      expect(released.affected).to.have.length(1);
    } finally {
      socket.close();
    }
  });
});
