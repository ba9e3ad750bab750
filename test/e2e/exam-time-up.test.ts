import { expect } from "chai";
import { Types } from "mongoose";
import type { WebSocketRoute } from "playwright-core";
import { screenshot } from "../helpers/browser.js";
import { examDb } from "../integration/exams/support/models.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * Time up with an answer still on its way: the server closes the attempt at the deadline (plus
 * grace) without it, and the result page must say which question did not count. A room released
 * at its scheduled start ends at its nominal end, so by then the candidate's login window is over
 * too and the page cannot ask the server again: what `attempt:closed` carries has to do.
 */
describe("exam room (browser): an answer pending at time-up", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the deadline closes the attempt after the login window while an answer is unsent, then the result page names that question as not counted", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // Between page and server: once `holding`, the page's answer saves never reach the server
      // (a network that takes frames and answers nothing); every other frame passes.
      let holding = false;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((frame) => {
          const text = typeof frame === "string" ? frame : frame.toString("utf8");
          if (holding && /^42\d+\["attempt:answer"/.test(text)) return;
          server.send(frame);
        });
      });

      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      // Released early only to keep the test short: the login window is ended below before the
      // deadline, as a release at the scheduled start leaves it.
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });

      // Question 1 is answered and stored; question 2's answer stays on the page.
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
      holding = true;
      await page.locator('[data-test="next"]').click();
      await page.locator('[data-test="question"][data-index="1"]').waitFor();
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();

      // The session's end passes: the login, and the socket the page holds, were given until then …
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
      const held = [...env.node.io.sockets.sockets.values()].filter((s) => s.data.user?.id === who.user.id);
      expect(held, "the page's socket on the server").to.have.length(1);
      for (const s of held) s.data.candidateUntil = past.getTime();
      // … and then the attempt's deadline and grace: the sweeper closes it without question 2.
      const attempt = await examDb(env.node.ctx.conn)
        .Attempts.findOne({ sessionId: fixture.session.id }, { _id: 1 })
        .lean();
      if (!attempt) throw new Error("no attempt");
      await examDb(env.node.ctx.conn).Attempts.updateOne(
        { _id: attempt._id },
        { $set: { deadline: new Date(Date.now() - 60_000) } },
      );

      await page.locator('[data-test="result"]').waitFor({ timeout: 20_000 });
      const warning = page.locator('[data-test="unsaved-at-close"]');
      await warning.waitFor({ timeout: 15_000 });
      expect(await warning.innerText())
        .to.contain("第 2 题")
        .and.contain("未计入成绩")
        .and.not.contain("第 1 题");
      await screenshot(page, "exam-unsaved-at-close");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id).lean();
      expect(stored?.status).to.equal("submitted");
      expect(stored?.answers[1]?.seq).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });

  it("when the page is offline at time-up and its login is over once it reconnects, then the refusal says it was handed in: the result page shows it and names the unconfirmed answer", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // Between page and server: `holding` drops the page's answer saves; `offline` is a network
      // that fails every connection (the page's socket.io keeps trying, as on a real kiosk).
      let holding = false;
      let offline = false;
      const open: WebSocketRoute[] = [];
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        if (offline) {
          // No server answers: the page's engine.io reads a frame it cannot parse as a failed
          // connection and tries again after its backoff (a close before the handshake left it
          // waiting for its 20 s connect timeout instead).
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
      const dropConnection = async () => {
        for (const ws of open.splice(0)) await ws.close();
      };

      // The page's clock runs as the real one until the test moves it on.
      await page.clock.install();
      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });

      // Question 1 is answered and stored; question 2's answer never reaches the server.
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
      holding = true;
      await page.locator('[data-test="next"]').click();
      await page.locator('[data-test="question"][data-index="1"]').waitFor();
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();

      // The network goes, and stays gone while the sitting's time runs out: the page's clock (an
      // hour on, the whole sitting) and the server's deadline, which its sweeper closes the attempt at.
      offline = true;
      await dropConnection();
      await page.locator('[data-test="sync-state"]').getByText("网络中断").waitFor();
      await page.clock.fastForward("01:00:00");
      await page.locator('[data-test="time-up"]').waitFor({ timeout: 15_000 });
      const attempt = await examDb(env.node.ctx.conn)
        .Attempts.findOne({ sessionId: fixture.session.id }, { _id: 1 })
        .lean();
      if (!attempt) throw new Error("no attempt");
      await examDb(env.node.ctx.conn).Attempts.updateOne(
        { _id: attempt._id },
        { $set: { deadline: new Date(Date.now() - 60_000) } },
      );

      // The session's end has passed: the login given until then holds no more, and the server
      // hands the attempt in at the deadline and grace without question 2.
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
      for (let i = 0; i < 100; i++) {
        const now = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id, { status: 1 }).lean();
        if (now?.status === "submitted") break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }

      // The network is back: the server refuses the page's login, saying how the attempt closed:
      // the result page shows the score, and names the unconfirmed answer as not counted.
      offline = false;
      await page.locator('[data-test="result"]').waitFor({ timeout: 30_000 });
      const warning = page.locator('[data-test="unsaved-at-close"]');
      await warning.waitFor({ timeout: 15_000 });
      expect(await warning.innerText())
        .to.contain("第 2 题")
        .and.contain("未计入成绩")
        .and.not.contain("第 1 题");
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      expect(await page.locator('[data-test="exam-sheet"]').count()).to.equal(0);
      await screenshot(page, "exam-closed-offline-after-window");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id).lean();
      expect(stored?.status).to.equal("submitted");
      expect(stored?.answers[1]?.seq).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
