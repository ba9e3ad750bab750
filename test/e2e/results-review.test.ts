import { expect } from "chai";
import { Types } from "mongoose";
import { screenshot } from "../helpers/browser.js";
import { staffAgent } from "../helpers/auth.js";
import { examDb } from "../integration/exams/support/models.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * A sitting whose paper changed after check-in closes ungraded, for review (`paper_changed`). The
 * candidate's page waited for a score that never comes ("成绩正在计算"), and the officer's results
 * page showed a bare "—" and, on publishing, only the server's refusal. Both now say what it is,
 * and the officer can publish the rest with that sitting knowingly withheld.
 */
describe("results under review (browser)", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when a sitting closes ungraded because its paper changed, then the candidate is told it is under review, and the officer sees it marked and publishes the rest with it withheld", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    const db = examDb(env.node.ctx.conn);
    try {
      const candidate = await contextAs(env.browser, env.node.url, who);
      const { page } = candidate;
      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });

      // Someone with database access changes the stored paper; then the deadline closes the attempt.
      const attempt = await db.Attempts.findOne({ sessionId: fixture.session.id }, { _id: 1 }).lean();
      if (!attempt) throw new Error("no attempt");
      const stored = await db.Papers.findById(attempt._id).lean<{
        paper: { questions: { stem: string }[] };
      }>();
      await db.Papers.updateOne(
        { _id: attempt._id },
        { $set: { "paper.questions.0.stem": `${stored?.paper.questions[0]?.stem ?? ""}（已改动）` } },
      );
      await db.Attempts.updateOne(
        { _id: attempt._id },
        { $set: { deadline: new Date(Date.now() - 60_000) } },
      );

      const underReview = page.locator('[data-test="result-under-review"]');
      await underReview.waitFor({ timeout: 20_000 });
      expect(await underReview.innerText()).to.contain("待复核");
      expect(await page.locator('[data-test="result"]').innerText()).to.not.contain("成绩正在计算");
      await screenshot(page, "result-under-review");
      expect(candidate.errors).to.deep.equal([]);
      await candidate.context.close();

      // The session took place yesterday: its results can be published.
      const sessions = env.node.ctx.conn.collection("exam_sessions");
      const _id = new Types.ObjectId(fixture.session.id);
      const session = await sessions.findOne({ _id });
      if (!session) throw new Error("session");
      const day = 86_400_000;
      await sessions.updateOne(
        { _id },
        {
          $set: {
            startsAt: new Date(Number(session.startsAt) - day),
            endsAt: new Date(Number(session.endsAt) - day),
            bookedUntil: new Date(Number(session.bookedUntil) - day),
          },
        },
      );

      const officer = await staffAgent(env.node, {
        roles: ["officer"],
        divisionCode: fixture.room.divisionCode,
      });
      const office = await contextAs(env.browser, env.node.url, officer);
      const op = office.page;
      await op.goto(`/scheduling/sessions/${fixture.session.id}/results`);
      const row = op.locator('[data-test="results-table"] .el-table__row');
      await row.first().waitFor();
      expect(await row.first().innerText()).to.contain("待复核（不计分）");

      await op.locator('[data-test="results-publish"]').click();
      await op.locator(".el-message-box").getByRole("button", { name: "发布" }).click();
      const listed = op.locator('[data-test="results-review-row"]');
      await listed.first().waitFor();
      expect(await listed.count()).to.equal(1);
      expect(await listed.first().innerText()).to.contain(fixture.candidates[0]?.assignment.ticketNo ?? "?");
      expect(await env.node.ctx.conn.collection("exam_publications").countDocuments({})).to.equal(0);
      await screenshot(op, "results-review-refused");

      await op.locator('[data-test="results-publish-withheld"]').click();
      await op.locator('[data-test="results-published"]').waitFor();
      expect(await op.locator('[data-test="results-review"]').count()).to.equal(0);
      expect(await row.first().innerText()).to.contain("待复核（不计分）");
      expect(
        await env.node.ctx.conn
          .collection("exam_publications")
          .countDocuments({ sessionId: fixture.session.id }),
      ).to.equal(1);
      expect(await db.Results.countDocuments({ attemptId: attempt._id })).to.equal(0);
      expect(office.errors).to.deep.equal([]);
      await office.context.close();
    } finally {
      desk.close();
    }
  });
});
