import { expect } from "chai";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

const MINUTE = 60_000;
const REASON = "考生全部到齐，经考点主任同意提前开考";

/**
 * Lets the test move the page's monotonic clock (`performance.now`, which the console's reading of
 * the server's clock runs on) ahead, as a laptop that slept or a tab the browser throttled leaves
 * it; the page's wall clock, its timers and its socket are left alone.
 */
const PAGE_CLOCK = `(() => {
  const real = performance.now.bind(performance);
  let ahead = 0;
  window.__pageClockAhead = (ms) => { ahead = ms; };
  performance.now = () => real() + ahead;
})()`;

/**
 * Whether a release is early is the server's call, on its clock; the console only estimates that
 * clock. Where the estimate says "on time" and the server says "early", the server refuses
 * `early_release_reason_required`, and the console asks for the reason and releases with it: it
 * used to show the refusal and send every retry without a reason again.
 */
describe("proctor console (browser): an early release the page took for on time", function () {
  this.timeout(120_000);
  const env = useExamBrowser();

  it("when the page's clock has run past the start but the server's has not, then the refusal asks the proctor for the reason and the room is released early with it", async () => {
    const { fixture, candidate, proctor, desk } = await aCheckedInSeat(env.node);
    const con = await contextAs(env.browser, env.node.url, proctor);
    try {
      const page = con.page;
      await page.addInitScript(PAGE_CLOCK);
      const sessionId = fixture.session.id;
      const seat = `[data-test="seat-${candidate.assignment.seatNo}"]`;
      await page.goto(`/proctor/sessions/${sessionId}`);
      await page.locator(`${seat}[data-state="checked_in"]`).waitFor();

      // The session starts in a quarter of an hour; the page's estimate runs 20 minutes ahead.
      await page.evaluate(`window.__pageClockAhead(${20 * MINUTE})`);
      // The console's clock ticks once a second.
      await page.waitForTimeout(1_500);

      await page.locator('[data-test="release-room"]').click();
      // On time by the page's estimate: a plain confirmation, no reason asked.
      const confirm = page.locator(".el-message-box").filter({ hasText: "确认" });
      await confirm.waitFor();
      await confirm.getByRole("button", { name: "开考", exact: true }).click();

      // The server judges it early: the console asks for the reason, naming the server's clock.
      const prompt = page.locator(".el-message-box").filter({ hasText: "按服务器时间" });
      await prompt.waitFor({ timeout: 10_000 });
      expect(await prompt.textContent()).to.match(
        /按服务器时间距计划开考还有 1[45] 分钟：提前开考须填写理由/,
      );
      await prompt.locator("input").fill(REASON);
      await prompt.getByRole("button", { name: "提前开考" }).click();
      await prompt.waitFor({ state: "hidden" });

      await page.locator(`${seat}[data-state="in_progress"]`).waitFor();
      const audited = await env.node.ctx.conn
        .collection("audit_log")
        .find({ action: { $in: ["exam.release", "exam.early_release"] }, "target.id": sessionId })
        .toArray();
      expect(audited.map((e) => [e.action, e.details?.reason])).to.deep.equal([
        ["exam.early_release", REASON],
      ]);
    } finally {
      await con.context.close();
      desk.close();
    }
  });
});
