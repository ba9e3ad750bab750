import { expect } from "chai";
import type { Browser } from "playwright-core";
import { seedDemo } from "../../scripts/seed-demo.js";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";

describe("every page shows the node's time zone, whatever the browser's (browser)", function () {
  this.timeout(120_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;

  before(async function () {
    this.timeout(180_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedDemo(node.ctx, { password: TEST_PASSWORD });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when an officer's browser runs in New York, then the session list shows the Shanghai start time", async () => {
    const context = await browser.newContext({
      baseURL: node.url,
      locale: "zh-CN",
      timezoneId: "America/New_York",
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    try {
      const session = await node.ctx.conn.collection("exam_sessions").findOne({});
      if (!session) throw new Error("the demo seeds a session");
      const at = session.startsAt as Date;
      const hm = (timeZone: string) =>
        new Intl.DateTimeFormat("en-GB", {
          timeZone,
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }).format(at);
      expect(hm("Asia/Shanghai")).to.not.equal(hm("America/New_York"));
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      const row = page.locator('[data-test="sessions-table"] .el-table__row').first();
      await row.waitFor();
      const text = (await row.textContent()) ?? "";
      expect(text).to.include(hm("Asia/Shanghai"));
      expect(text).to.not.include(hm("America/New_York"));
      await screenshot(page, "time-zone-sessions");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
