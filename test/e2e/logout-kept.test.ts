import { expect } from "chai";
import type { Browser } from "playwright-core";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode, type TestNode } from "../helpers/node.js";

/**
 * The server answers 503 logout_failed when its session store could not end the login (the login
 * still holds). The page said "logged out" all the same and went to the login page, while a copied
 * cookie kept working: it now says why and stays.
 */
describe("logout the server could not complete (browser)", function () {
  this.timeout(180_000);
  let node: TestNode | undefined;
  let browser: Browser | undefined;

  before(async function () {
    const dist = await ensureClientBuilt();
    node = await startTestNode({ env: { CLIENT_DIST: dist } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when the server answers logout_failed, then the page says so and stays logged in; a later logout that succeeds reaches the login page", async () => {
    if (!node || !browser) throw new Error("not started");
    const staff = await createStaff(node, { roles: ["officer"], displayName: "退出测试员" });
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await page.goto("/login");
      await page.locator('[data-test="username"]').fill(staff.username);
      await page.locator('[data-test="password"]').fill(staff.password);
      await page.locator('[data-test="login-submit"]').click();
      await page.locator('[data-test="logout"]').waitFor();
      // The store's failure, as the server words it (auth.routes.ts), for the first logout only.
      let refused = 0;
      await page.route("**/api/auth/logout", async (route) => {
        if (refused++ > 0) return route.fallback();
        await route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "logout_failed", message: "退出登录失败，请重试" } }),
        });
      });
      const path = new URL(page.url()).pathname;
      await page.locator('[data-test="logout"]').click();
      await page.getByText("退出登录失败，请重试").waitFor();
      await screenshot(page, "logout-kept");
      expect(new URL(page.url()).pathname).to.equal(path);
      expect(await page.getByText("退出测试员").count()).to.be.greaterThan(0);

      await page.locator('[data-test="logout"]').click();
      await page.waitForURL(/\/login/);
      const me = await page.evaluate(async () => (await fetch("/api/auth/session")).json());
      expect(me).to.have.property("user", null);
      expect(errors.filter((e) => !e.includes("503"))).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
