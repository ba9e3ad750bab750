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
      // The hub's staff act at the ministry level: named, not shown as 000000.
      const nodeInfo = page.locator(".el-descriptions", { hasText: "所在辖区" });
      await nodeInfo.getByText("交通运输部", { exact: true }).waitFor();
      expect(await nodeInfo.innerText()).not.to.include("000000");
      await screenshot(page, "hub-admin-home");
      await page.goto("/admin/organisation");
      await page.getByRole("heading", { name: "运管机构" }).waitFor();
      expect(await page.getByText("添加考点").count()).to.equal(0);
      // The hub keeps ministry-level bodies only: its form offers the ministry, and that saves.
      await page.getByRole("button", { name: "添加运管机构" }).click();
      const dialog = page.getByRole("dialog", { name: "添加运管机构" });
      await dialog.locator("input").first().fill("交通运输部运输服务司");
      await dialog.locator(".el-select").click();
      const options = page.locator(".el-select-dropdown__item:visible");
      await options.first().waitFor();
      expect(await options.allInnerTexts()).to.deep.equal(["交通运输部（部级）"]);
      await screenshot(page, "hub-admin-authority-form");
      await options.first().click();
      await dialog.getByRole("button", { name: "保存" }).click();
      await page.getByRole("cell", { name: "交通运输部运输服务司" }).waitFor();
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
