import { expect } from "chai";
import { Types } from "mongoose";
import { scheduleCandidates, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";
import { shanghaiWallTime } from "./journey-steps.js";

/**
 * 新建场次 and 改期 take a session's start the same way: a wall time in the node's zone, that zone
 * named beside the box (the officer's browser may run in another).
 */
describe("scheduling: a session's start in 新建场次 and 改期 (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer opens 新建场次, then the start box names the node's zone", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="session-create"]').click();
      await page.locator('[data-test="session-zone"]').getByText("中国标准时间").waitFor();
      await screenshot(page, "session-create-zone");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer moves a seated session to a later start, then only the start changes and the dialog closes", async () => {
    const { session } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 24 * 60 });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto(`/scheduling/sessions/${session.id}`);
      await page.locator('[data-test="session-move"]').click();
      const dialog = page.locator('[data-test="session-move-dialog"]');
      await dialog.locator('[data-test="move-zone"]').getByText("中国标准时间").waitFor();
      await dialog.locator('[data-test="move-seated-note"]').getByText("本场次已安排 1 名考生").waitFor();
      // An hour later, on the whole minute (the picker takes minutes; the fixture's start has seconds).
      const target = Math.ceil((Date.parse(session.startsAt) + 60 * 60_000) / 60_000) * 60_000;
      const later = shanghaiWallTime((target - Date.now()) / 60_000);
      const input = dialog.locator(".el-form-item", { hasText: "新开考时间" }).locator("input").first();
      await input.fill(later);
      await input.press("Enter");
      await screenshot(page, "session-move-dialog");
      await dialog.locator('[data-test="move-submit"]').click();
      await page.getByText("场次已改期").waitFor();
      await dialog.waitFor({ state: "hidden" });
      const stored = await env.node.ctx.conn
        .collection("exam_sessions")
        .findOne({ _id: new Types.ObjectId(session.id) });
      expect((stored?.startsAt as Date).toISOString()).to.equal(new Date(target).toISOString());
      expect(stored?.durationMinutes).to.equal(session.durationMinutes);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
