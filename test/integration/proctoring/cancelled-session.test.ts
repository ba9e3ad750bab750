import { expect } from "chai";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { cancelFixtureSession } from "../../../scripts/bench/exam-fixtures.js";
import type { SessionRoomDto } from "../../../server/contracts/exams.js";
import { call, connect, ok, proctorUser } from "../exams/support/clients.js";
import { examDb } from "../exams/support/models.js";
import { aRoom, useExamNode } from "../exams/support/setup.js";

/**
 * The proctor home leaves cancelled sessions out, but a console opened by its address showed a
 * cancelled session's room as if it were to be sat (应考 N, every seat waiting) and offered its
 * actions. The room says cancelled and holds no seat to sit; every live action is refused
 * `session_cancelled`, also by a console that watched the room before it was cancelled.
 */
describe("proctoring: a cancelled session's console", () => {
  const env = useExamNode();

  it("when a cancelled session's console is opened, then the room says cancelled with no seat to sit, and live actions are refused session_cancelled", async () => {
    const room = await aRoom(env.node, { candidates: 2 });
    const [a] = room.candidates;
    if (!a) throw new Error("fixture");
    const sessionId = room.session.id;
    // Opened by address, by another proctor of the centre.
    const other = await connect(env.node.url, proctorUser({ id: "proctor-2", displayName: "赵监考" }));
    try {
      await cancelFixtureSession(env.node.ctx.conn, sessionId);

      const watched = ok(await call(other, "proctor:watch", { sessionId }));
      expect(watched.status).to.equal("cancelled");
      expect(watched.seats).to.deep.equal([]);
      expect(watched.outageProposal).to.equal(null);
      // The console that watched it before the cancellation reads it anew.
      expect(ok(await call(room.proctor, "proctor:watch", { sessionId })).status).to.equal("cancelled");
      const rest = (
        await request(env.node.url)
          .get(`/api/exam-sessions/${sessionId}/room`)
          .set("x-test-user", testUserHeader(proctorUser()))
          .expect(200)
      ).body as SessionRoomDto;
      expect([rest.status, rest.seats.length]).to.deep.equal(["cancelled", 0]);

      const refusals = [
        await call(room.proctor, "proctor:pause", { sessionId, reason: "考场停电" }),
        await call(room.proctor, "proctor:resume", { sessionId }),
        await call(room.proctor, "proctor:void", { attemptId: a.attemptId, note: "考生携带手机，违纪" }),
        await call(room.proctor, "proctor:extend", {
          attemptId: a.attemptId,
          minutes: 5,
          reason: "设备故障",
        }),
        await call(room.proctor, "proctor:incident", { sessionId, kind: "environment", note: "考场停电" }),
        await call(room.proctor, "proctor:release", { sessionId }),
      ];
      expect(refusals.map((r) => (r.ok ? "ok" : r.error.code))).to.deep.equal(
        Array.from({ length: refusals.length }, () => "session_cancelled"),
      );
      const attempts = await examDb(env.node.ctx.conn).Attempts.find({ sessionId }).lean();
      expect(attempts.map((x) => x.status)).to.deep.equal(["checked_in", "checked_in"]);
      expect(await env.node.ctx.conn.collection("exam_incidents").countDocuments({ sessionId })).to.equal(0);
    } finally {
      other.close();
      room.close();
    }
  });
});
