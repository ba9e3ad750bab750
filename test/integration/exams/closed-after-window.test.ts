import { expect } from "chai";
import { Types } from "mongoose";
import type { AttemptClosedDto } from "../../../server/contracts/exams.js";
import { answerOf } from "../../helpers/answers.js";
import { useNodeWithSampleBanks } from "../../helpers/node.js";
import { call, ok } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { aCandidateSitting } from "./support/watched-session.js";

/**
 * A room released at its scheduled start ends at its nominal end: the candidate's login window
 * (the session's end, then the attempt's deadline and grace) is over by the time the sweeper closes
 * the attempt. The page used to learn which of its answers the server stored only by syncing after
 * `attempt:closed`, and that sync is refused `session_ended`: an answer still in its journal at
 * time-up was never named as not counted. `attempt:closed` now carries what the server stored.
 */
describe("exam delivery: what the page learns when the deadline closes an attempt after its login window", function () {
  this.timeout(120_000);
  const env = useNodeWithSampleBanks();

  it("when the sweeper closes the attempt after the login window, then attempt:closed names the seq stored per question, though a sync is refused", async () => {
    // Released early only to keep the test short: the window is moved to end before the
    // deadline below, as a release at the scheduled start leaves it.
    const { session, login, pSock: proctor, cSock: page, paper } = await aCandidateSitting(env.node);
    try {
      const attemptId = paper.attemptId;
      const [first, second] = [answerOf(paper, 0), answerOf(paper, 1)];
      ok(await call(page, "attempt:answer", { attemptId, seq: 1, index: 0, choice: first }));
      ok(await call(page, "attempt:answer", { attemptId, seq: 2, index: 1, choice: second }));
      // Seq 3 (question 1 again) stays in the page's journal: the time is up before it is sent.

      // The session's end and the windows the login and its socket were given are over …
      const past = new Date(Date.now() - 60_000);
      await env.node.ctx.conn
        .collection("exam_sessions")
        .updateOne({ _id: new Types.ObjectId(session.id) }, { $set: { endsAt: past } });
      await env.node.ctx.conn
        .collection("sessions")
        .updateMany(
          { "session.passport.user.user.id": login.user.id },
          { $set: { "session.candidateUntil": past.getTime() } },
        );
      const held = env.node.io.sockets.sockets.get(page.id ?? "");
      if (!held) throw new Error("socket not on this node");
      held.data.candidateUntil = past.getTime();
      // … and so are the deadline and its grace: the sweeper closes the attempt.
      const closed = new Promise<AttemptClosedDto>((r) => page.once("attempt:closed", r));
      await examDb(env.node.ctx.conn).Attempts.updateOne(
        { _id: attemptId },
        { $set: { deadline: new Date(Date.now() - 60_000) } },
      );
      const note = await closed;
      expect(note).to.include({ attemptId, status: "submitted", closeReason: "deadline" });
      expect(note.answers.map((a) => ({ index: a.index, seq: a.seq, choice: a.choice }))).to.deep.equal([
        { index: 0, seq: 1, choice: first },
        { index: 1, seq: 2, choice: second },
      ]);

      // What the page used to rely on: the sync after the close is refused, the socket closed.
      const refused = await call(page, "attempt:sync", { attemptId });
      expect(refused.ok).to.equal(false);
      if (!refused.ok) expect(refused.error.code).to.equal("session_ended");
    } finally {
      proctor.close();
      page.close();
    }
  });
});
