import { examDb } from "./support/models.js";
import { expect } from "chai";
import type { CandidateAttemptDto } from "../../../server/contracts/exams.js";
import { answersOf } from "../../helpers/answers.js";
import { TEST_REDIS_URL, useExamNodes } from "../../helpers/exam-nodes.js";
import {
  call,
  candidateUser,
  checkInAll,
  connect,
  JournalCandidate,
  leaks,
  ok,
  proctorUser,
} from "./support/clients.js";
import { createFixtureSession } from "../../../scripts/bench/exam-fixtures.js";

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random disconnects with a journal replay: candidates answer while their connection drops again
 * and again (sometimes before the ack arrives), reconnect to either of two instances sharing rooms
 * through Redis, resync and replay their journal. Nothing acknowledged or journaled may be lost.
 */
describe("exam delivery: random disconnects with journal replay", function () {
  this.timeout(180_000);
  const env = useExamNodes(2, { redisUrl: TEST_REDIS_URL, tiny: { questions: 20 } });

  it("when 240 disconnects hit 8 candidates mid-answer, then after replay every last choice is on the server: 0 lost", async () => {
    const [n0, n1] = env.nodes;
    if (!n0 || !n1) throw new Error("nodes");
    const random = rng(20260510);
    const { session, assignments } = await createFixtureSession(n0.ctx.conn, { candidates: 8 });
    const proctor = await connect(n1.url, proctorUser());
    await checkInAll(proctor, session.id, assignments);
    const cands = assignments.map(
      (a, i) => new JournalCandidate((i % 2 ? n1 : n0).url, candidateUser(session.id, a)),
    );
    for (const c of cands) await c.connect();
    const started = cands.map(
      (c) => new Promise<CandidateAttemptDto>((r) => c.socket?.once("attempt:started", r)),
    );
    ok(await call(proctor, "proctor:release", { sessionId: session.id }));
    // Each candidate's paper as received: answers are drawn from what its questions offer.
    const papers = await Promise.all(started);

    let disconnects = 0;
    let lostAcks = 0;
    await Promise.all(
      cands.map(async (c, ci) => {
        for (let step = 0; step < 60; step++) {
          const index = Math.floor(random() * 20);
          const offered = answersOf(papers[ci] ?? null, index);
          const choice = offered[Math.floor(random() * offered.length)];
          if (!choice) throw new Error(`fixture: question ${index} offers no answer`);
          const dropBeforeAck = step % 2 === 1 && random() < 0.5;
          if (dropBeforeAck) {
            // The save leaves, the connection drops before its ack: only the journal knows it.
            void c.answer(index, choice, 300);
            c.socket?.disconnect();
            lostAcks++;
          } else {
            await c.answer(index, choice);
            if (step % 2 === 1) c.socket?.disconnect();
          }
          if (step % 2 === 1) {
            disconnects++;
            c.close();
            await c.connect((random() < 0.5 ? n0 : n1).url);
            await c.replay();
          }
        }
        await c.replay();
      }),
    );
    expect(disconnects).to.be.at.least(200);

    const Attempts = examDb(n0.ctx.conn).Attempts;
    let lost = 0;
    for (const c of cands) {
      expect(c.journal.size, "journal drained").to.equal(0);
      const done = ok(await c.submit());
      expect(done.status).to.equal("submitted");
      const doc = await Attempts.findById(c.attemptId).lean();
      for (const [index, choice] of c.intended) {
        if (JSON.stringify(doc?.answers[index]?.choice) !== JSON.stringify([...choice].sort())) lost++;
      }
      expect(leaks(c.received)).to.deep.equal([]);
      c.close();
    }
    expect({ lost, disconnects, lostAcksReplayed: lostAcks > 0 }).to.deep.equal({
      lost: 0,
      disconnects,
      lostAcksReplayed: true,
    });
    proctor.close();
  });
});
