import { expect } from "chai";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";
import { aCheckedInSeat, contextAs, seedBank } from "./exam-fixtures.js";

/**
 * One page answers for a seat: a candidate who opens the exam in a second tab finds the first tab
 * stopped with a message saying where the exam went and how to continue there.
 */
describe("exam room (browser): one page per seat", function () {
  this.timeout(180_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedBank(node);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when the candidate opens the exam in a second tab, then the first tab stops and says so, and the second carries on", async () => {
    const { desk, who } = await aCheckedInSeat(node);
    try {
      const { context, page: first, errors } = await contextAs(browser, node.url, who);
      await first.goto("/exam");
      await first.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });

      const second = await context.newPage();
      await second.goto("/exam");
      await second.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });
      const notice = first.locator('[data-test="exam-taken-over"]');
      await notice.waitFor({ timeout: 15_000 });
      expect(await notice.innerText())
        .to.contain("本场考试已在其他页面打开")
        .and.contain("本页已停止作答");
      await screenshot(first, "exam-taken-over");
      // The identity screen is gone from the first tab: nothing there can be answered any more.
      expect(await first.locator('[data-test="identity-confirm"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
