import { expect } from "chai";
import type { Browser } from "playwright-core";
import { seedDemo } from "../../scripts/seed-demo.js";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";

describe("each node's client shows only what the node runs (browser)", function () {
  this.timeout(120_000);
  let hub: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;

  before(async function () {
    this.timeout(180_000);
    const dist = await ensureClientBuilt();
    hub = await startTestNode({ role: "hub", env: { CLIENT_DIST: dist } });
    await seedDemo(hub.ctx, { password: TEST_PASSWORD });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it("when the hub admin logs in, then no question-bank, exam or test-centre page is offered or reachable", async () => {
    const { context, page, errors } = await openContext(browser, hub.url);
    const notFound: string[] = [];
    page.on("response", (res) => {
      if (res.url().includes("/api/") && res.status() === 404) notFound.push(res.url());
    });
    try {
      await loginThroughForm(page, "hub_admin", TEST_PASSWORD);
      const menu = page.locator(".rc-staff__aside");
      await menu.getByText("审计日志").waitFor({ state: "attached" });
      for (const absent of ["题库管理", "试题列表", "考试场次", "考生名单", "监考控制台"]) {
        expect(await menu.getByText(absent).count(), absent).to.equal(0);
      }
      await screenshot(page, "hub-admin-home");
      await page.goto("/admin/organisation");
      await page.getByRole("heading", { name: "运管机构" }).waitFor();
      expect(await page.getByText("添加考点").count()).to.equal(0);
      await screenshot(page, "hub-admin-organisation");
      await page.goto("/question-bank/questions");
      await page.getByRole("heading", { name: "页面不存在" }).waitFor();
      expect(notFound).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
