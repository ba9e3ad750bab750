import { expect } from "chai";
import { Types } from "mongoose";
import type { AuthUser } from "../../../server/contracts/auth.js";
import { UpdateSessionBody } from "../../../server/contracts/scheduling.js";
import { createOrganisationService } from "../../../server/organisation/index.js";
import { createRegistrationService } from "../../../server/registration/index.js";
import { createSchedulingService } from "../../../server/scheduling/index.js";
import { scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

const serviceOfficer: AuthUser = {
  id: "test-officer",
  kind: "staff",
  roles: ["officer"],
  displayName: "测试",
  divisionCode: "320100",
  provinceCode: "320000",
};

/**
 * A cancellation is only a cancellation: carrying a new time it booked the room for a session that
 * will not run, could be refused as room_busy or time_clash, and stored times the session never
 * had while its seats kept the old ones.
 */
describe("scheduling: a cancellation carries no other change", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });
  /** The service itself, as a caller that skips the route's contract reaches it. */
  const scheduling = () => {
    const { conn, config } = env.node.ctx;
    return createSchedulingService(conn, {
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
  };

  for (const [what, change] of [
    ["a new start", { startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() }],
    ["a new length", { durationMinutes: 90 }],
    ["new rules", { lateEntryMinutes: 5 }],
  ] as const) {
    it(`when a cancellation carries ${what}, then it is refused as 400 naming the cancellation and the session is unchanged`, async () => {
      const { session } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 120 });
      const res = await officer.agent
        .patch(`/api/exam-sessions/${session.id}`)
        .send({ status: "cancelled", ...change })
        .expect(400);
      expect(res.body.error.code).to.equal("validation_failed");
      expect(res.body.error.message).to.contain("取消场次时不能同时修改");
      const stored = await env.node.ctx.conn
        .collection("exam_sessions")
        .findOne({ _id: new Types.ObjectId(session.id) });
      expect(stored).to.deep.include({
        status: "scheduled",
        startsAt: new Date(session.startsAt),
        durationMinutes: session.durationMinutes,
        lateEntryMinutes: session.lateEntryMinutes,
      });
    });
  }

  it("when a session is cancelled alone, then it is cancelled", async () => {
    const { session } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 120 });
    const res = await officer.agent
      .patch(`/api/exam-sessions/${session.id}`)
      .send({ status: "cancelled" })
      .expect(200);
    expect(res.body.session).to.include({ status: "cancelled" });
  });

  // The contract and the service judge a cancellation by one rule: a field present but undefined
  // (as a caller spreading optional values sends) changes nothing, so it does not stop the cancellation.
  it("when a cancellation names other fields left undefined, then the contract accepts it and the service cancels the session", async () => {
    const { session } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 120 });
    const body = { status: "cancelled" as const, startsAt: undefined, durationMinutes: undefined };
    expect(UpdateSessionBody.safeParse(body).success).to.equal(true);
    const sched = scheduling();
    const cancelled = await sched.updateSession(serviceOfficer, session.id, body);
    expect(cancelled).to.include({ status: "cancelled" });
  });

  it("when the service is asked to cancel with a new length without the contract, then it refuses cancellation_with_changes", async () => {
    const { session } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 120 });
    const sched = scheduling();
    const refused = await sched
      .updateSession(serviceOfficer, session.id, { status: "cancelled", durationMinutes: 90 })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).to.include({ code: "cancellation_with_changes" });
  });
});
