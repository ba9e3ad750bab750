import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { ObjectId } from "mongodb";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("session results page (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer opens a session's results and publishes them, then the page says when, and the CSV downloads", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await page.locator('[data-test="session-results"]').click();
      await page.waitForURL(/\/results$/);
      await page.locator('[data-test="results-attendance"]').getByText("安排").waitFor();
      await page.getByText("成绩尚未发布").waitFor();
      // The demo session starts after the seed ran: nothing can be published before it is over.
      expect(await page.locator('[data-test="results-publish"]').isDisabled()).to.equal(true);
      expect(await page.locator('[data-test="results-unpublished"]').textContent()).to.match(
        /场次 .*\d{2}:\d{2} 结束后才能发布成绩/,
      );
      await screenshot(page, "results-provisional");

      // Time passes: the session took place yesterday.
      const sessions = env.node.ctx.conn.collection("exam_sessions");
      const session = await sessions.findOne({});
      if (!session) throw new Error("demo session");
      const day = 86_400_000;
      await sessions.updateOne(
        { _id: session._id },
        {
          $set: {
            startsAt: new Date(Number(session.startsAt) - day),
            endsAt: new Date(Number(session.endsAt) - day),
            bookedUntil: new Date(Number(session.bookedUntil) - day),
          },
        },
      );
      await page.reload();
      await page.getByText("成绩尚未发布").waitFor();

      await page.locator('[data-test="results-publish"]').click();
      await page.locator(".el-message-box").getByRole("button", { name: "发布" }).click();
      await page.locator('[data-test="results-published"]').waitFor();
      const published = (await page.locator('[data-test="results-published"]').textContent()) ?? "";
      expect(published).to.match(/已发布：\d{4}/);
      expect(await page.locator('[data-test="results-publish"]').count()).to.equal(0);
      expect(
        await env.node.ctx.conn.collection("audit_log").countDocuments({ action: "exam.results_published" }),
      ).to.equal(1);
      await screenshot(page, "results-published");

      // Both files are fetched by the page and saved under the server's names.
      const [csv] = await Promise.all([
        page.waitForEvent("download"),
        page.locator('[data-test="results-csv"]').click(),
      ]);
      expect(csv.suggestedFilename()).to.match(/^session-.+-report\.csv$/);
      expect((await readFile(await csv.path())).toString("utf8")).to.include("经营性道路旅客运输驾驶员");
      const [xlsx] = await Promise.all([
        page.waitForEvent("download"),
        page.locator('[data-test="results-xlsx"]').click(),
      ]);
      expect(xlsx.suggestedFilename()).to.match(/^session-.+-report\.xlsx$/);
      // An .xlsx is a zip: the saved bytes are the workbook, not an error body.
      expect((await readFile(await xlsx.path())).subarray(0, 2).toString("latin1")).to.equal("PK");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer opens a cancelled session, then its results say it has none, nothing can be published and no seating plan is offered", async () => {
    const sessions = env.node.ctx.conn.collection("exam_sessions");
    const demo = await sessions.findOne({});
    if (!demo) throw new Error("demo session");
    const cancelled = { ...demo, _id: new ObjectId(), status: "cancelled" };
    await sessions.insertOne(cancelled);
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto(`/scheduling/sessions/${String(cancelled._id)}/results`);
      await page.locator('[data-test="results-cancelled"]').getByText("本场次已取消，没有成绩").waitFor();
      expect(await page.locator('[data-test="results-publish"]').count()).to.equal(0);
      expect(await page.locator('[data-test="results-unpublished"]').count()).to.equal(0);
      await screenshot(page, "results-cancelled");
      await page.goto(`/scheduling/sessions/${String(cancelled._id)}`);
      await page.locator('[data-test="session-results"]').waitFor();
      expect(await page.locator('[data-test="seating-plan"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
