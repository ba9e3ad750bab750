import { expect } from "chai";
import type { WebSocketRoute } from "playwright-core";
import type { SessionRoomDto } from "../../server/contracts/exams.js";
import { screenshot } from "../helpers/browser.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * A save the server fails (a database failover answers `internal_error`) is resent by the page on
 * its own while the socket stays connected: before, only a reconnect, an unpause or the hand-in
 * resent it, and the time-up closed the attempt without that answer.
 */
describe("exam room (browser): a failed save is retried without a reconnect", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the server answers a save with internal_error, then the page retries it on the same connection and the answer is stored", async () => {
    const { fixture, candidate: c, proctor, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);

      // Between page and server: `attempt:answer` is answered with internal_error in the server's
      // place (socket.io frame `42<id>[event, payload]`, ack `43<id>[body]`) until the test has seen
      // the page say so (a fixed first failure left the words on screen for about a second, which a
      // loaded machine could miss); every other frame passes. Each websocket the page opens is
      // counted: a retry must not need a new one.
      const connections: WebSocketRoute[] = [];
      const answers: string[] = [];
      let failing = true;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        connections.push(ws);
        const server = ws.connectToServer();
        ws.onMessage((frame) => {
          const text = typeof frame === "string" ? frame : frame.toString("utf8");
          const m = /^42(\d+)\["attempt:answer"/.exec(text);
          if (m) {
            answers.push(text);
            if (failing) {
              const body = { ok: false, error: { code: "internal_error", message: "服务器内部错误" } };
              ws.send(`43${m[1]}${JSON.stringify([body])}`);
              return;
            }
          }
          server.send(frame);
        });
      });

      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });

      const first = page.locator('[data-test="question"] button[role="option"]').first();
      await first.click();
      // The failure is said, not hidden behind a spinner that never ends …
      await page
        .locator('[data-test="sync-state"]')
        .getByText("保存未成功，正在自动重试")
        .waitFor({ timeout: 5_000 });
      await screenshot(page, "exam-save-retrying");
      failing = false;
      // … and about a second later the same save goes again and is stored.
      await page
        .locator('[data-test="sync-state"]')
        .getByText("全部作答已保存到服务器")
        .waitFor({ timeout: 10_000 });
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor();
      // Refused at least once, then the same save again (retries while failing are not counted exactly).
      expect(answers.length).to.be.at.least(2);
      expect(new Set(answers.map((a) => a.replace(/^42\d+/, ""))).size).to.equal(1);
      expect(connections).to.have.length(1);
      const room = (await proctor.agent.get(`/api/exam-sessions/${fixture.session.id}/room`).expect(200))
        .body as SessionRoomDto;
      expect(room.seats.find((s) => s.candidateId === c.id)?.answered).to.equal(1);

      // The result page opened before the end says so, instead of loading for ever.
      await page.goto("/exam/result");
      await page.locator('[data-test="result-not-closed"]').getByText("考试尚未结束").waitFor();
      expect(await page.locator(".el-skeleton").count()).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
