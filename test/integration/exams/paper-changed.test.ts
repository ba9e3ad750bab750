import { expect } from "chai";
import request from "supertest";
import { testUserHeader } from "../../../scripts/bench/exam-node.js";
import { moveFixtureSessionBack } from "../../../scripts/bench/exam-fixtures.js";
import type { SessionReportDto } from "../../../server/contracts/exams.js";
import { findBrokenLink, type ChainEvent } from "../../../server/exams/index.js";
import { outboxModel } from "../../../server/lib/outbox.js";
import { call, ok, officerUser, type JournalCandidate } from "./support/clients.js";
import { examDb } from "./support/models.js";
import { answerAll, aRoom, useExamNode } from "./support/setup.js";

/** Long enough back for any fixture session (60 minutes, 20 of late entry) to be over. */
const OVER = 3 * 60;
const QUESTIONS = 10;

/**
 * A paper changed after the candidate saw it (its hash no longer the one the check-in event
 * recorded) used to be graded anyway, the change only logged: a score that looked right and was
 * not. Such an attempt still closes, once, with every answer; it gets no score, and is marked for
 * review (`paper_changed`), which the report shows and publication does not pass over silently.
 */
describe("exam delivery: a paper changed after check-in is not graded", function () {
  this.timeout(60_000);
  const env = useExamNode({ sweepIntervalMs: 3_600_000 });
  const db = () => examDb(env.node.ctx.conn);
  const officer = () => testUserHeader(officerUser());

  /**
   * Someone with database access rewrites the candidate's stored paper so that their (wrong)
   * answers become the key: graded, the sitting would pass with full marks.
   */
  async function rewriteKeyToWrongAnswers(c: JournalCandidate): Promise<void> {
    const set: Record<string, string[]> = {};
    for (let i = 0; i < QUESTIONS; i++) set[`paper.questions.${i}.answer`] = i % 3 === 0 ? ["F"] : ["D"];
    await db().Papers.updateOne({ _id: c.attemptId }, { $set: set });
  }

  it("when the stored paper is changed and the candidate hands in, then the attempt closes once with every answer but no score, no result and no pass, marked paper_changed", async () => {
    const room = await aRoom(env.node, { candidates: 1, release: true });
    const c = room.candidates[0];
    if (!c) throw new Error("fixture");
    try {
      await answerAll(c, QUESTIONS, false);
      await rewriteKeyToWrongAnswers(c);
      const view = ok(await c.submit());
      expect(view.status).to.equal("submitted");
      expect(view.result).to.equal(null);
      // Closing again, by any path, changes nothing: the attempt was closed exactly once.
      const forced = ok(
        await call(room.proctor, "proctor:force_submit", { attemptId: c.attemptId, reason: "复核" }),
      );
      expect(forced.affected).to.deep.equal([]);
      expect(await env.node.delivery.exams.sweepOnce()).to.not.include(c.attemptId);

      const doc = await db().Attempts.findById(c.attemptId).lean();
      expect(doc?.status).to.equal("submitted");
      expect(doc?.result).to.equal(null);
      expect(doc?.review).to.deep.include({ code: "paper_changed" });
      expect(doc?.answers.filter((a) => (a.choice ?? []).length > 0)).to.have.length(QUESTIONS);
      const events = (doc?.events ?? []) as ChainEvent[];
      expect(findBrokenLink(events)).to.equal(null);
      const closings = events.filter((e) => e.type === "submit");
      expect(closings).to.have.length(1);
      expect(closings[0]?.data).to.include({ review: "paper_changed" });
      expect(closings[0]?.data).to.not.have.any.keys("score", "passed");
      expect(await db().Results.countDocuments({ attemptId: c.attemptId })).to.equal(0);
      expect(
        await outboxModel(env.node.ctx.conn).countDocuments({ key: `exam.passed:${c.attemptId}` }),
      ).to.equal(0);
    } finally {
      room.close();
    }
  });

  it("when a session holds a sitting marked paper_changed, then the report lists it for review without a score, publication is refused paper_changed naming it, and published with it withheld it stays without a result", async () => {
    const room = await aRoom(env.node, { candidates: 2, release: true });
    const [a, b] = room.candidates;
    if (!a || !b) throw new Error("fixture");
    try {
      await answerAll(a, QUESTIONS, true);
      ok(await a.submit());
      await answerAll(b, QUESTIONS, false);
      await rewriteKeyToWrongAnswers(b);
      ok(await b.submit());
      await moveFixtureSessionBack(env.node.ctx.conn, room.session.id, OVER);

      const report = (
        await request(env.node.url)
          .get(`/api/exam-sessions/${room.session.id}/report`)
          .set("x-test-user", officer())
          .expect(200)
      ).body as SessionReportDto;
      const rowOf = (r: SessionReportDto, attemptId: string) =>
        r.results.find((x) => x.attemptId === attemptId);
      expect(rowOf(report, b.attemptId)).to.deep.include({
        status: "submitted",
        score: null,
        passed: null,
        review: "paper_changed",
      });
      expect(rowOf(report, a.attemptId)).to.deep.include({ score: QUESTIONS, passed: true });
      expect(rowOf(report, a.attemptId)).to.not.have.property("review");
      // A sitting without a score is in no pass rate and no score band.
      expect(report.passRateByCategory[0]).to.include({ sat: 1, passed: 1 });
      expect(report.scoreDistribution.reduce((n, x) => n + x.count, 0)).to.equal(1);
      const csv = await request(env.node.url)
        .get(`/api/exam-sessions/${room.session.id}/report.csv`)
        .set("x-test-user", officer())
        .expect(200);
      expect(csv.text).to.match(/待复核/);

      const publish = (body: object) =>
        request(env.node.url)
          .post(`/api/exam-sessions/${room.session.id}/results/publish`)
          .set("x-test-user", officer())
          .send(body);
      const refused = await publish({});
      expect(refused.status).to.equal(409);
      expect(refused.body.error.code).to.equal("paper_changed");
      expect(refused.body.error.details).to.deep.equal({ attemptIds: [b.attemptId] });
      expect(
        await env.node.ctx.conn
          .collection("exam_publications")
          .countDocuments({ sessionId: room.session.id }),
      ).to.equal(0);

      const published = (await publish({ withheld: [b.attemptId] }).expect(200)).body as SessionReportDto;
      expect(published.publishedAt).to.be.a("string");
      expect(rowOf(published, b.attemptId)).to.deep.include({ score: null, review: "paper_changed" });
      expect(await db().Results.countDocuments({ attemptId: a.attemptId, official: true })).to.equal(1);
      expect(await db().Results.countDocuments({ attemptId: b.attemptId })).to.equal(0);
      const own = ok(await call(b.socket!, "attempt:sync", {}));
      expect(own.result).to.equal(null);
    } finally {
      room.close();
    }
  });
});
