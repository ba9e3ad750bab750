import { expect } from "chai";
import { useStaffAgent } from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, ok } from "../exams/support/clients.js";
import { aCandidateLoggedInAtTheirSeat, checkIn, releaseEarly } from "../exams/support/watched-session.js";

/**
 * A candidate's login is kept until its window (`candidateUntil`) whatever scheduling does
 * meanwhile. What a login could do past an unseating or a cancellation is what matters: exam
 * delivery reads the live seat and session at each act (check-in claims the seat, release claims
 * the session, saves need a released attempt of the login's own session), so none of it goes.
 */
describe("a candidate logged in when they are unseated or their session is cancelled", function () {
  const env = useNodeWithSampleBanks();
  const officer = useStaffAgent(env, { roles: ["officer"], divisionCode: "320100" });

  it("when a candidate is unseated while logged in, then their socket finds no attempt and the proctor cannot check them in", async () => {
    const { session, cand: c, pSock: proctor, cSock: socket } = await aCandidateLoggedInAtTheirSeat(env.node);
    try {
      await officer.agent.delete(`/api/exam-sessions/${session.id}/assignments/${c.id}`).expect(204);
      const checkedIn = await call(proctor, "proctor:check_in", {
        sessionId: session.id,
        candidateId: c.id,
        idNumber: c.idNumber,
      });
      expect(checkedIn.ok).to.equal(false);
      const sync = await call(socket, "attempt:sync", {});
      expect(sync.ok).to.equal(false);
      if (!sync.ok) expect(sync.error.code).to.equal("attempt_not_found");
    } finally {
      socket.close();
      proctor.close();
    }
  });

  it("when the session is cancelled after check-in, then no paper is released and the candidate's save is refused", async () => {
    const { session, cand: c, pSock: proctor, cSock: socket } = await aCandidateLoggedInAtTheirSeat(env.node);
    try {
      await checkIn(proctor, session.id, c);
      const synced = ok(await call(socket, "attempt:sync", {}));
      ok(await call(socket, "attempt:confirm", { attemptId: synced.attemptId }));
      await officer.agent.patch(`/api/exam-sessions/${session.id}`).send({ status: "cancelled" }).expect(200);
      let started = false;
      socket.on("attempt:started", () => (started = true));
      let released = true;
      await releaseEarly(proctor, session.id).catch(() => (released = false));
      expect(released).to.equal(false);
      const save = await call(socket, "attempt:answer", {
        attemptId: synced.attemptId,
        seq: 1,
        index: 0,
        // A key question 0 offers (papers open with their true/false questions): refused for the
        // cancelled session, not for the answer.
        choice: ["T"],
      });
      expect(save.ok).to.equal(false);
      expect(started).to.equal(false);
    } finally {
      socket.close();
      proctor.close();
    }
  });
});
