import { expect } from "chai";
import { incidentModel } from "../../../server/proctoring/incident.model.js";
import { MAX_INCIDENTS_PER_SESSION } from "../../../server/proctoring/incident-log.js";
import { call, ok } from "../exams/support/clients.js";
import { aRoom, useExamNode, type Room } from "../exams/support/setup.js";

/**
 * A console looping 登记事件 (a stuck button, a script) must not grow a session's reports without
 * bound: every watch and room read returns them all.
 */
describe("proctoring: a session's incident reports are bounded", () => {
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const Incidents = () => incidentModel(env.node.ctx.conn);

  /** `n` reports of the room's session stored directly, a second apart, the newest last. */
  const reportsOf = async (room: Room, n: number) => {
    const at = Date.now() - n * 1000;
    await Incidents().insertMany(
      Array.from({ length: n }, (_, i) => ({
        _id: `inc_test_${room.session.id}_${i}`,
        sessionId: room.session.id,
        attemptId: null,
        kind: "environment",
        note: `记录 ${i}`,
        reportedBy: "测试",
        reportedById: "u_test",
        at: new Date(at + i * 1000),
      })),
    );
  };

  it("when a session already has as many reports as allowed, then another is refused incidents_exhausted and none is stored", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    try {
      await reportsOf(room, MAX_INCIDENTS_PER_SESSION);
      const refused = await call(room.proctor, "proctor:incident", {
        sessionId: room.session.id,
        kind: "environment",
        note: "空调故障",
      });
      expect(refused.ok ? "ok" : refused.error.code).to.equal("incidents_exhausted");
      if (!refused.ok) expect(refused.error.message).to.match(/[\u4e00-\u9fa5]/);
      expect(await Incidents().countDocuments({ sessionId: room.session.id })).to.equal(
        MAX_INCIDENTS_PER_SESSION,
      );
    } finally {
      room.close();
    }
  });

  it("when a session holds more reports than the bound (stored before it), then watching it returns the newest bound's worth only", async () => {
    const room = await aRoom(env.node, { candidates: 1 });
    try {
      await reportsOf(room, MAX_INCIDENTS_PER_SESSION + 20);
      const { incidents } = ok(await call(room.proctor, "proctor:watch", { sessionId: room.session.id }));
      expect(incidents).to.have.length(MAX_INCIDENTS_PER_SESSION);
      // Oldest first as before, the newest kept.
      expect(incidents[0]?.note).to.equal("记录 20");
      expect(incidents.at(-1)?.note).to.equal(`记录 ${MAX_INCIDENTS_PER_SESSION + 19}`);
    } finally {
      room.close();
    }
  });
});
