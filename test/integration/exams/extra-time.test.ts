import { expect } from "chai";
import { Types } from "mongoose";
import { answerOf } from "../../helpers/answers.js";
import { anonymousAgent, type AuthedAgent } from "../../helpers/auth.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, ok, type ExamSocket } from "./support/clients.js";
import { aCandidateSitting as aCandidateSittingOn } from "./support/watched-session.js";

/**
 * A candidate's login used to end at the session's nominal end (start + length), while their own
 * deadline runs later with accommodation, an extension, a pause or a late release: from the
 * nominal end every save was refused `session_ended`, the socket closed, a reloaded kiosk could
 * not log in again, and the sweeper graded what had been saved by then. The login now holds while
 * the attempt runs.
 */
describe("exam delivery: extra time past the session's nominal end", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  const aCandidateSitting = () => aCandidateSittingOn(env.node);

  /**
   * The nominal end passes while the candidate's own deadline (their 90 minutes from release) has
   * not: what an accommodation or extension makes of any session. The session's end is moved into
   * the past, and so is the window the candidate's login, socket and HTTP session were given.
   */
  async function passNominalEnd(sessionId: string, login: AuthedAgent, cSock: ExamSocket) {
    const past = new Date(Date.now() - 60_000);
    const moved = await env.node.ctx.conn
      .collection("exam_sessions")
      .updateOne({ _id: new Types.ObjectId(sessionId) }, { $set: { endsAt: past } });
    expect(moved.modifiedCount, "the session's nominal end").to.equal(1);
    const held = env.node.io.sockets.sockets.get(cSock.id ?? "");
    if (!held) throw new Error("socket not on this node");
    held.data.candidateUntil = past.getTime();
    const updated = await env.node.ctx.conn
      .collection("sessions")
      .updateMany(
        { "session.passport.user.user.id": login.user.id },
        { $set: { "session.candidateUntil": past.getTime() } },
      );
    expect(updated.modifiedCount, "the candidate's login session").to.be.greaterThan(0);
    return held;
  }

  it("when the nominal end passes while the candidate's deadline has not, then saves go on, the page reloads, and a reloaded kiosk logs in again", async () => {
    const { session, login, credentials, pSock, cSock, paper } = await aCandidateSitting();
    try {
      const held = await passNominalEnd(session.id, login, cSock);
      const save = await call(cSock, "attempt:answer", {
        attemptId: paper.attemptId,
        seq: 1,
        index: 0,
        choice: answerOf(paper, 0),
      });
      expect(save.ok, JSON.stringify(save)).to.equal(true);
      // The socket's window is now the attempt's deadline (and grace), not asked again per save.
      expect(held.data.candidateUntil).to.be.greaterThan(Date.now() + 60 * 60_000);
      expect(
        ok(
          await call(cSock, "attempt:answer", {
            attemptId: paper.attemptId,
            seq: 2,
            index: 1,
            choice: answerOf(paper, 1),
          }),
        ).applied,
      ).to.equal(true);

      // The page reloads: the HTTP session still knows the candidate.
      const me = await login.agent.get("/api/auth/me").expect(200);
      expect(me.body.user.id).to.equal(login.user.id);
      // The kiosk restarts: logging in again is accepted until the deadline.
      const again = await (
        await anonymousAgent(env.node)
      ).agent
        .post("/api/auth/candidate-login")
        .send(credentials);
      expect(again.status, JSON.stringify(again.body)).to.equal(200);

      // Handed in, the sitting is over: no further login past the nominal end.
      const done = ok(await call(cSock, "attempt:submit", { attemptId: paper.attemptId, lastSeq: 2 }));
      expect(done.status).to.equal("submitted");
      const late = await (
        await anonymousAgent(env.node)
      ).agent
        .post("/api/auth/candidate-login")
        .send(credentials);
      expect(late.status).to.equal(403);
      expect(late.body.error.code).to.equal("outside_session_window");
    } finally {
      pSock.close();
      cSock.close();
    }
  });

  it("when the nominal end passes and the candidate has no attempt running, then the next event is refused and the socket closed, as before", async () => {
    const { session, login, pSock, cSock, paper } = await aCandidateSitting();
    try {
      ok(await call(cSock, "attempt:submit", { attemptId: paper.attemptId, lastSeq: 0 }));
      await passNominalEnd(session.id, login, cSock);
      const closed = new Promise<string>((resolve) => cSock.once("disconnect", resolve));
      const refused = await call(cSock, "attempt:sync", {});
      expect(refused.ok).to.equal(false);
      if (!refused.ok) expect(refused.error.code).to.equal("session_ended");
      expect(await closed).to.equal("io server disconnect");
      await login.agent.get("/api/auth/me").expect(401);
    } finally {
      pSock.close();
      cSock.close();
    }
  });
});
