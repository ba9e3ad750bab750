import { expect } from "chai";
import type { Page } from "playwright-core";
import { registerTestCandidate, scheduleCandidates, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

/**
 * 更换照片 on the candidate list: the server refuses a new photo while the candidate holds a seat
 * (the proctor's check-in list shows the photo); the page used to let the officer pick and confirm
 * one first, and only then show the refusal.
 */
describe("registration: 更换照片 on the candidate list (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  /** The list row of the one candidate named `name` (found by name: the seeded list is long). */
  async function rowOf(page: Page, name: string) {
    await page.getByPlaceholder("姓名或身份证号开头").fill(name);
    await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
    const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: name });
    await row.waitFor();
    return row;
  }

  it("when the candidate holds a seat in a session not yet held, then 更换照片 says why and opens no photo dialog", async () => {
    const { candidates } = await scheduleCandidates(env.node, { count: 1, startsInMinutes: 120 });
    const seated = candidates[0];
    if (!seated) throw new Error("fixture");
    await env.node.ctx.conn
      .collection("candidates")
      .updateOne({ idNumber: seated.idNumber }, { $set: { name: "吴有座" } });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      const row = await rowOf(page, "吴有座");
      await row.locator('[data-test="candidate-photo"]').click();
      const box = page.locator(".el-message-box", { hasText: "暂不能更换照片" });
      await box.waitFor();
      // The server's own words: the seat (its start and room) and what to do first.
      await box.getByText(/该考生已安排在 .*开始的考试场次.*请先取消座位安排再更换照片/).waitFor();
      expect(await page.locator('[data-test="photo-dialog"]:visible').count()).to.equal(0);
      await screenshot(page, "registration-photo-seated");
      await box.getByRole("button", { name: "知道了" }).click();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the candidate holds no seat, then 更换照片 opens the photo dialog, which says so when the photo on file cannot be shown", async () => {
    await registerTestCandidate(env.node, { name: "郑无座" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      const row = await rowOf(page, "郑无座");
      await row.locator('[data-test="candidate-photo"]').click();
      const dialog = page.locator('[data-test="photo-dialog"]');
      await dialog.getByText("更换照片：郑无座").waitFor();
      // TEST_PHOTO has a JPEG's first bytes and nothing a browser can decode: said, not shown broken.
      await dialog.locator('[data-test="photo-broken"]').getByText("照片无法显示").waitFor();
      expect(await dialog.locator('img[alt="现有照片"]').count()).to.equal(0);
      await screenshot(page, "registration-photo-dialog");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
