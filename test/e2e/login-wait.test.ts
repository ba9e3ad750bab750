import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openContext } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode, type TestNode } from "../helpers/node.js";

/** Logins allowed from one address a minute on this node: small, so the page reaches the refusal. */
const LIMIT = 2;

/**
 * A login refused for too many attempts told the person only "请稍后再试", in a toast that closed
 * after three seconds; the refusal says how long (details.retryAfterSeconds).
 */
describe("login page: the wait after too many attempts (browser)", function () {
  this.timeout(180_000);
  let node: TestNode | undefined;
  let browser: Browser | undefined;

  before(async function () {
    const dist = await ensureClientBuilt();
    node = await startTestNode({ env: { CLIENT_DIST: dist, LOGIN_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when staff logins from one address pass the limit, then the login card says how many seconds to wait", async () => {
    if (!node || !browser) throw new Error("not started");
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await page.goto("/login");
      for (let i = 0; i <= LIMIT; i++) {
        await page.locator('[data-test="username"]').fill(`nobody_${i}`);
        await page.locator('[data-test="password"]').fill("wrong-password");
        const answered = page.waitForResponse((r) => r.url().endsWith("/api/auth/login"));
        await page.locator('[data-test="login-submit"]').click();
        await answered;
      }
      const wait = page.locator('[data-test="login-wait"]');
      await wait.waitFor();
      expect(await wait.innerText()).to.match(/^登录尝试过于频繁，请 \d+ 秒后再试$/);
      // A press during the wait would be refused again and start it over: the buttons are off.
      expect(await page.locator('[data-test="login-submit"]').isDisabled()).to.equal(true);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the wait runs, then the card counts it down each second and at 0 clears it and turns the buttons back on", async () => {
    if (!node || !browser) throw new Error("not started");
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      // The page's clock is moved by the test: the count is checked at whole seconds, not by waiting.
      await page.clock.install();
      await page.goto("/login");
      const wait = page.locator('[data-test="login-wait"]');
      // Logins until one is refused (an earlier test may have used this address's minute already).
      for (let i = 0; i <= LIMIT && !(await wait.isVisible()); i++) {
        await page.locator('[data-test="username"]').fill(`counted_${i}`);
        await page.locator('[data-test="password"]').fill("wrong-password");
        const answered = page.waitForResponse((r) => r.url().endsWith("/api/auth/login"));
        await page.locator('[data-test="login-submit"]').click();
        await answered;
        // The answer is in; the page shows it a moment later (the wait card, or the button back on).
        await settledAfterAnswer(page);
      }
      await wait.waitFor();
      const secondsOn = async () => Number(/请 (\d+) 秒后再试/.exec(await wait.innerText())?.[1]);
      const first = await secondsOn();
      expect(first).to.be.greaterThan(1);
      await page.clock.runFor(1000);
      expect(await secondsOn()).to.be.lessThan(first);
      expect(await page.locator('[data-test="login-submit"]').isDisabled()).to.equal(true);
      await page.clock.runFor(first * 1000);
      await wait.waitFor({ state: "detached" });
      expect(await page.locator('[data-test="login-submit"]').isDisabled()).to.equal(false);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});

/**
 * Waits until the login page has acted on an answer: the wait card shows or the submit button is
 * on again. Polled from the test's side: the page's own timers are the test's clock here.
 */
async function settledAfterAnswer(page: Page): Promise<void> {
  const wait = page.locator('[data-test="login-wait"]');
  const submit = page.locator('[data-test="login-submit"]');
  for (let i = 0; i < 200; i++) {
    if ((await wait.isVisible()) || (await submit.isEnabled())) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the login page never acted on the answer");
}
