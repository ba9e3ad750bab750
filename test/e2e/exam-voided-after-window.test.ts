import { expect } from "chai";
import { Types } from "mongoose";
import type { WebSocketRoute } from "playwright-core";
import { screenshot } from "../helpers/browser.js";
import { examDb } from "../integration/exams/support/models.js";
import { call, ok } from "../integration/exams/support/clients.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * A page offline while the proctor voids its attempt, that comes back only after its login window:
 * the server refuses its login (the sitting is over), and that refusal alone read as "handed in
 * automatically" (已自动交卷). The refusal now says how the attempt closed.
 */
describe("exam room (browser): a voided attempt met after the login window", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the proctor voids the attempt while the page is offline and it reconnects after its login window, then it says the result is void, not handed in", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // `offline` is a network that fails every connection (engine.io tries again soon).
      let offline = false;
      const open: WebSocketRoute[] = [];
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        if (offline) {
          setTimeout(() => ws.send("offline"), 50);
          return;
        }
        ws.connectToServer();
        open.push(ws);
      });

      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });

      offline = true;
      for (const ws of open.splice(0)) await ws.close();
      await page.locator('[data-test="sync-state"]').getByText("网络中断").waitFor();

      const attempt = await examDb(env.node.ctx.conn)
        .Attempts.findOne({ sessionId: fixture.session.id }, { _id: 1 })
        .lean();
      if (!attempt) throw new Error("no attempt");
      ok(await call(desk, "proctor:void", { attemptId: attempt._id, note: "考生携带手机，违纪" }));
      // The session's end, and the window the login was given, pass while the page is offline.
      const past = new Date(Date.now() - 60_000);
      await env.node.ctx.conn
        .collection("exam_sessions")
        .updateOne({ _id: new Types.ObjectId(fixture.session.id) }, { $set: { endsAt: past } });
      await env.node.ctx.conn
        .collection("sessions")
        .updateMany(
          { "session.passport.user.user.id": who.user.id },
          { $set: { "session.candidateUntil": past.getTime() } },
        );

      offline = false;
      const result = page.locator('[data-test="result"]');
      await result.waitFor({ timeout: 30_000 });
      await result.locator("h1").filter({ hasText: "作废" }).waitFor({ timeout: 15_000 });
      const text = await result.innerText();
      expect(text).to.contain("本场考试成绩已作废").and.not.contain("已交卷").and.not.contain("自动交卷");
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      await screenshot(page, "exam-voided-after-window");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
