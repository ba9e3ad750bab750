import { expect } from "chai";
import { Types } from "mongoose";
import { scheduleCandidates, useStaffAgent } from "../../helpers/auth.js";
import { useTestNode } from "../../helpers/node.js";

/**
 * A cancellation is only a cancellation: carrying a new time it booked the room for a session that
 * will not run, could be refused as room_busy or time_clash, and stored times the session never
 * had while its seats kept the old ones.
 */
describe("scheduling: a cancellation carries no other change", () => {
  const env = useTestNode();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

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
});
