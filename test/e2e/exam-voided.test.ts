import { expect } from "chai";
import type { WebSocketRoute } from "playwright-core";
import { screenshot } from "../helpers/browser.js";
import { examDb } from "../integration/exams/support/models.js";
import { call, ok } from "../integration/exams/support/clients.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * An attempt the proctor voids (作废, misconduct) is never shown as handed in: whenever the server
 * tells the page (`attempt:closed` while connected, the sync after a reconnect), the page says the
 * result is void, and names no answer as missing from a score there is none of.
 */
describe("exam room (browser): a voided attempt", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the proctor voids the attempt while the page is offline and it reconnects, then it says the result is void, not handed in", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // `offline` is a network that fails every connection; `holding` drops the page's answer saves.
      let offline = false;
      let holding = false;
      const open: WebSocketRoute[] = [];
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        if (offline) {
          // A frame engine.io cannot parse reads as a failed connection: it tries again soon.
          setTimeout(() => ws.send("offline"), 50);
          return;
        }
        const server = ws.connectToServer();
        open.push(ws);
        ws.onMessage((frame) => {
          const text = typeof frame === "string" ? frame : frame.toString("utf8");
          if (holding && /^42\d+\["attempt:answer"/.test(text)) return;
          server.send(frame);
        });
      });

      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });

      // One answer stored, one still in the journal when the network goes.
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
      holding = true;
      await page.locator('[data-test="next"]').click();
      await page.locator('[data-test="question"][data-index="1"]').waitFor();
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      offline = true;
      for (const ws of open.splice(0)) await ws.close();
      await page.locator('[data-test="sync-state"]').getByText("网络中断").waitFor();

      const attempt = await examDb(env.node.ctx.conn)
        .Attempts.findOne({ sessionId: fixture.session.id }, { _id: 1 })
        .lean();
      if (!attempt) throw new Error("no attempt");
      ok(await call(desk, "proctor:void", { attemptId: attempt._id, note: "考生携带手机，违纪" }));

      // The network is back (the login still holds): the sync says voided.
      holding = false;
      offline = false;
      const result = page.locator('[data-test="result"]');
      await result.waitFor({ timeout: 30_000 });
      await result.locator("h1").filter({ hasText: "作废" }).waitFor({ timeout: 15_000 });
      const text = await result.innerText();
      expect(text).to.contain("本场考试成绩已作废").and.not.contain("已交卷").and.not.contain("自动交卷");
      expect(await page.locator('[data-test="unsaved-at-close"]').count()).to.equal(0);
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      await screenshot(page, "exam-voided-after-reconnect");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id, { status: 1 }).lean();
      expect(stored?.status).to.equal("voided");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
