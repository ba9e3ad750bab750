import { expect } from "chai";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("every page shows the node's time zone, whatever the browser's (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer's browser runs in New York, then the session list shows the Shanghai start time", async () => {
    const context = await env.browser.newContext({
      baseURL: env.node.url,
      locale: "zh-CN",
      timezoneId: "America/New_York",
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    try {
      const session = await env.node.ctx.conn.collection("exam_sessions").findOne({});
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
