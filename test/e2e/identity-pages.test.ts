import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { seedDemo, DEMO_PASSWORD } from "../../scripts/seed-demo.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { launchBrowser, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";

/** Logs in through the shell's login page. */
async function login(page: Page, username: string): Promise<void> {
  await page.goto("/login");
  await page.locator('[data-test="username"] input, input[data-test="username"]').first().fill(username);
  await page.locator('[data-test="password"] input, input[data-test="password"]').first().fill(DEMO_PASSWORD);
  await page.locator('[data-test="login-submit"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

describe("identity, organisation, registration and scheduling pages (browser)", function () {
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

  it("when an admin opens users, organisation and audit, then each page shows the province's data", async () => {
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await login(page, "js_admin");
      await page.goto("/admin/users");
      await page.locator('[data-test="users-table"]').getByText("js_proctor").waitFor();
      await screenshot(page, "identity-users");
      await page.goto("/admin/organisation");
      await page.getByText("南京市从业资格考试中心").waitFor();
      await screenshot(page, "identity-organisation");
      await page.goto("/admin/audit");
      await page.locator('[data-test="audit-verify"]').click();
      await page.getByText(/哈希链完整/).waitFor();
      await screenshot(page, "identity-audit");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer types a candidate, then the ID number and each eligibility rule are checked live", async () => {
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await login(page, "js_officer");
      await page.goto("/registration/new");
      await page.locator('[data-test="reg-name"] input, input[data-test="reg-name"]').first().fill("李实时");
      const id = page.locator('[data-test="reg-id"] input, input[data-test="reg-id"]').first();
      const good = makeIdNumber("320102", "1958-03-01", 33);
      await id.fill(good.slice(0, 17) + (good[17] === "1" ? "2" : "1"));
      await page.getByText("校验位错误").waitFor();
      await id.fill(good);
      await page.locator('[data-test="reg-id-info"]').getByText("1958-03-01").waitFor();
      await page.getByText("经营性道路旅客运输驾驶员", { exact: true }).click();
      await page.locator('[data-test="eligibility-panel"] [data-rule="max_age"]').waitFor();
      await page
        .locator('[data-test="eligibility-panel"] [data-rule="declaration:noMajorAccident3y"]')
        .waitFor();
      await screenshot(page, "identity-registration");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer opens a session, then the seat map shows the seated demo candidate and the ticket", async () => {
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await login(page, "js_officer");
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await page.locator('[data-test="seat-map"]').getByText("张演示").waitFor();
      await screenshot(page, "identity-seat-map");
      await page.locator('[data-test="seat-1"]').click();
      await page.locator('[data-test="ticket"]').getByText("准考证号").waitFor();
      await screenshot(page, "identity-ticket");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
