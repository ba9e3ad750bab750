import { expect } from "chai";
import { createTestRoom, staffAgent, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, NEW_YORK, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("every page shows the node's time zone, whatever the browser's (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer's browser runs in New York, then the session list shows the Shanghai start time", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url, { timezoneId: NEW_YORK });
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
  it("when an officer in a New York browser picks a day on the session list, then the list holds that Shanghai day's sessions, a 07:30 start included", async () => {
    // 07:30 in Shanghai is 23:30 UTC the day before and 18:30 in New York the day before: a day
    // read in the browser's zone (or UTC) would leave it out.
    const shanghaiDay = (ms: number) =>
      new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(ms));
    const day = shanghaiDay(Date.now() + 40 * 86_400_000);
    const dayBefore = shanghaiDay(Date.now() + 39 * 86_400_000);
    const room = await createTestRoom(env.node, { seats: 1 });
    const officer = await staffAgent(env.node, { roles: ["officer"], divisionCode: "320100" });
    await officer.agent
      .post("/api/exam-sessions")
      .send({
        categoryCode: "01001",
        testCentreId: room.testCentreId,
        roomId: room.roomId,
        startsAt: `${day}T07:30:00+08:00`,
      })
      .expect(201);
    const { context, page, errors } = await openContext(env.browser, env.node.url, { timezoneId: NEW_YORK });
    const pickDays = async (first: string, last: string) => {
      const inputs = page.locator('[data-test="session-days"] input');
      // Typed over a picked range, the picker keeps its panel's old days: cleared first, as a user would.
      if (await inputs.nth(0).inputValue()) {
        await page.locator('[data-test="session-days"]').hover();
        await page.locator('[data-test="session-days"] .el-range__close-icon').click();
        await page
          .locator('[data-test="list-count"]')
          .getByText("共 1 场", { exact: true })
          .waitFor({ state: "detached" });
        await page.locator("h1").click();
      }
      // Typed as the picker shows a day (2026年12月7日), from the ISO day the session was made for.
      const typed = (day: string) => day.replace(/^(\d{4})-0?(\d{1,2})-0?(\d{1,2})$/, "$1年$2月$3日");
      await inputs.nth(0).fill(typed(first));
      await inputs.nth(1).fill(typed(last));
      await inputs.nth(1).press("Enter");
    };
    const rows = page.locator('[data-test="sessions-table"] .el-table__row');
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      await rows.first().waitFor();
      await pickDays(day, day);
      await page.locator('[data-test="list-count"]').getByText("共 1 场", { exact: true }).waitFor();
      expect(await rows.count()).to.equal(1);
      expect(await rows.first().textContent()).to.include("07:30");
      await screenshot(page, "time-zone-session-day");
      await pickDays(dayBefore, dayBefore);
      await page.locator('[data-test="sessions-table"]').getByText("暂无场次").waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
