import { expect } from "chai";
import { staffAgent } from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call } from "../exams/support/clients.js";
import { aWatchedSession, checkIn, releaseEarly } from "../exams/support/watched-session.js";

/**
 * Once a candidate is checked in, their attempt holds a paper and the session's times and rules
 * as they were; once the room is released, attempts run. Unseating such a candidate left an
 * attempt the release started unseen by the proctor's map; a new length after check-in gave one
 * room two deadlines; a cancellation after an early release left attempts running and graded.
 */
describe("scheduling: changes after check-in and release", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  /** Two seated candidates, the first checked in by a proctor watching the session. */
  async function aRoomWithOneCheckedIn() {
    const { session, candidates, proctor: socket } = await aWatchedSession(env.node, 2);
    const [inside, outside] = candidates;
    if (!inside || !outside) throw new Error("fixture");
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: session.divisionCode });
    await checkIn(socket, session.id, inside);
    return { session, inside, outside, socket, officer };
  }

  it("when a checked-in candidate is unseated, then it is refused and the seat stays; one not checked in is unseated", async () => {
    const { session, inside, outside, socket, officer } = await aRoomWithOneCheckedIn();
    try {
      const refused = await officer.agent
        .delete(`/api/exam-sessions/${session.id}/assignments/${inside.id}`)
        .expect(409);
      expect(refused.body.error.code).to.equal("candidate_checked_in");
      expect(
        await env.node.ctx.conn
          .collection("seat_assignments")
          .countDocuments({ sessionId: session.id, candidateId: inside.id }),
      ).to.equal(1);
      await officer.agent.delete(`/api/exam-sessions/${session.id}/assignments/${outside.id}`).expect(204);
    } finally {
      socket.close();
    }
  });

  it("when someone is checked in, then the session's length is not changed; cancelled before the release, the release is refused", async () => {
    const { session, socket, officer } = await aRoomWithOneCheckedIn();
    try {
      const longer = await officer.agent
        .patch(`/api/exam-sessions/${session.id}`)
        .send({ durationMinutes: 120 })
        .expect(409);
      expect(longer.body.error.code).to.equal("session_admitted");
      const stored = await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200);
      expect(stored.body.session.durationMinutes).to.equal(session.durationMinutes);

      await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
      const release = await call(socket, "proctor:release", {
        sessionId: session.id,
        earlyReason: "考生全部到齐，经考点主任同意提前开考",
      });
      expect(release.ok).to.equal(false);
      if (!release.ok) expect(release.error.code).to.equal("session_cancelled");
    } finally {
      socket.close();
    }
  });

  it("when the room was released early, then the session is not cancelled while its attempts run", async () => {
    const { session, socket, officer } = await aRoomWithOneCheckedIn();
    try {
      await releaseEarly(socket, session.id);
      const refused = await officer.agent
        .patch(`/api/exam-sessions/${session.id}`)
        .send({ status: "cancelled" })
        .expect(409);
      expect(refused.body.error.code).to.equal("session_released");
      const stored = await officer.agent.get(`/api/exam-sessions/${session.id}`).expect(200);
      expect(stored.body.session.status).to.equal("scheduled");
    } finally {
      socket.close();
    }
  });
});
