import { expect } from "chai";
import { call, connect, type ExamSocket } from "./support/clients.js";
import { aRoom, useExamNode } from "./support/setup.js";

/**
 * A candidate's events aimed at another attempt are refused, and audited within a budget kept per
 * candidate, not per socket: a per-socket allowance let one login open hundreds of sockets and
 * write an audit transaction on each, every minute, into the chain every proctor's action waits on.
 */
describe("exam delivery: a candidate's refusals of other attempts are audited within a budget", () => {
  const env = useExamNode();

  it("when one candidate opens many sockets and each aims at another attempt, then every event is refused, one is audited for the candidate and the rest in one summary entry", async () => {
    const room = await aRoom(env.node, { candidates: 3, release: true });
    const [me, other, third] = room.candidates;
    if (!me?.socket || !other || !third?.socket) throw new Error("fixture");
    const sockets: ExamSocket[] = [];
    try {
      for (let i = 0; i < 12; i++) sockets.push(await connect(env.node.url, me.user));
      const acks = await Promise.all(
        sockets.map((s) =>
          call(s, "attempt:answer", { attemptId: other.attemptId, seq: 1, index: 0, choice: ["T"] }),
        ),
      );
      expect(new Set(acks.map((a) => (a.ok ? "ok" : a.error.code)))).to.deep.equal(new Set(["forbidden"]));
      // Another candidate's refusal has an allowance of its own.
      const theirs = await call(third.socket, "attempt:flag", {
        attemptId: other.attemptId,
        seq: 1,
        index: 0,
        flagged: true,
      });
      expect(!theirs.ok && theirs.error.code).to.equal("forbidden");

      const audit = env.node.ctx.conn.collection("audit_log");
      const one = await audit
        .find({ action: "exam.cross_attempt_refused", "details.reason": { $exists: false } })
        .toArray();
      expect(one.map((a) => (a.details as { candidateId: string }).candidateId).sort()).to.deep.equal(
        [me.user.candidate?.candidateId, third.user.candidate?.candidateId].sort(),
      );

      // The node shuts down: what was only counted is audited in one entry.
      await env.node.delivery.exams.closeRefusalSummaries();
      const summaries = await audit
        .find({ action: "exam.cross_attempt_refused", "details.reason": "summary" })
        .toArray();
      expect(summaries.map((s) => s.details)).to.deep.equal([
        { reason: "summary", refused: 11, candidates: 1 },
      ]);
    } finally {
      for (const s of sockets) s.close();
      room.close();
    }
  });
});
