import { expect } from "chai";
import type { Browser } from "playwright-core";
import { DEMO_PASSWORD, seedDemo } from "../../scripts/seed-demo.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";

describe("session results page (browser)", function () {
  this.timeout(120_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;

  before(async function () {
    this.timeout(180_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedDemo(node.ctx);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when an officer opens a session's results and publishes them, then the page says when, and the CSV downloads", async () => {
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await loginThroughForm(page, "js_officer", DEMO_PASSWORD);
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await page.locator('[data-test="session-results"]').click();
      await page.waitForURL(/\/results$/);
      await page.locator('[data-test="results-attendance"]').getByText("安排").waitFor();
      await page.getByText("成绩尚未发布").waitFor();
      await screenshot(page, "results-provisional");

      await page.locator('[data-test="results-publish"]').click();
      await page.locator(".el-message-box").getByRole("button", { name: "发布" }).click();
      await page.locator('[data-test="results-published"]').waitFor();
      const published = (await page.locator('[data-test="results-published"]').textContent()) ?? "";
      expect(published).to.match(/已发布：\d{4}/);
      expect(await page.locator('[data-test="results-publish"]').count()).to.equal(0);
      expect(
        await node.ctx.conn.collection("audit_log").countDocuments({ action: "exam.results_published" }),
      ).to.equal(1);
      await screenshot(page, "results-published");

      const href = await page.locator('[data-test="results-csv"]').getAttribute("href");
      const csv = await page.request.get(href ?? "");
      expect(csv.status()).to.equal(200);
      expect(csv.headers()["content-type"]).to.match(/text\/csv/);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
