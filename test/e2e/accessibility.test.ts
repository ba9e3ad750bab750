import { expect } from "chai";
import type { Browser } from "playwright-core";
import { seriousA11yViolations } from "../helpers/a11y.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import {
  anotherInstance,
  aPass,
  officer,
  startCertNode,
  type TestNode,
} from "../integration/certificates/support.js";

/**
 * axe-core (WCAG 2.1 A/AA) on the pages the public and officers use for certificates and
 * lookups: no serious or critical violations. The candidate exam page and the proctor console
 * are not covered here yet.
 */
describe("accessibility of the verify, certificate and lookup pages (browser, axe-core)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let browser: Browser;
  let certificateNo = "";

  before(async function () {
    this.timeout(240_000);
    node = await startCertNode({ CLIENT_DIST: await ensureClientBuilt() });
    const inst = anotherInstance(node);
    const pass = await aPass(node);
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === pass.attemptId,
    )!;
    certificateNo = (await inst.facade.issuance.issue(officer, String(pending._id))).certificateNo;
    await inst.facade.issuance.onExamPassed(await aPass(node));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when the public verify page shows a verdict, then axe finds no serious or critical violation", async () => {
    const { context, page } = await openContext(browser, node.url);
    try {
      const doc = await node.ctx.conn.collection("certificates").findOne({ certificateNo });
      await page.goto("/verify");
      await page.locator('[data-test="qr-text"]').fill((doc?.signature as { qr: string }).qr);
      await page.locator('[data-test="verify"]').click();
      await page.locator('[data-test="verify-status"]').waitFor();
      await page.mouse.move(0, 0);
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  for (const [name, path] of [
    ["pending issuances", "/certificates/issuances"],
    ["certificate", "/certificates/:no"],
    ["hub lookup", "/sharing/lookup"],
  ] as const) {
    it(`when an officer opens the ${name} page, then axe finds no serious or critical violation`, async () => {
      const staff = await createStaff(node, { roles: ["officer"] });
      const { context, page } = await openContext(browser, node.url);
      try {
        await loginThroughForm(page, staff.username, staff.password);
        await page.goto(path.replace(":no", certificateNo));
        await page.locator("main h1, main h2, main h3, .el-table, form").first().waitFor();
        await page.waitForLoadState("networkidle");
        await page.mouse.move(0, 0);
        expect(await seriousA11yViolations(page)).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }
});
