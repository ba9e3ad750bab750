import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { Types } from "mongoose";
import type { Download } from "playwright-core";
import { createStaff, TEST_PASSWORD, uniqueIdNumber } from "../helpers/auth.js";
import { seriousA11yViolations } from "../helpers/a11y.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";
import { aRow, csvFile, HEADERS } from "../integration/registration/import-support.js";

/** Issue 14: an officer imports registrations from a spreadsheet, reads the report, then confirms. */
describe("bulk registration import page (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer uploads a GBK CSV with a bad row, then the report names it and nothing can be confirmed; the corrected file confirms and lists the candidates", async () => {
    const good = uniqueIdNumber();
    const bad = good.slice(0, 17) + (good[17] === "0" ? "1" : "0");
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      await page.getByRole("button", { name: "批量导入" }).click();
      await page.waitForURL("**/registration/import");
      // The template button is a download fetched by the page (see the template test below), not a link.
      expect(await page.locator('[data-test="import-template"]').textContent()).to.include("下载模板");

      const pick = page.locator('[data-test="import-pick"] input[type="file"]');
      await pick.setInputFiles({
        name: "报名-gbk.csv",
        mimeType: "text/csv",
        buffer: csvFile([aRow({ 姓名: "郑导入" }), aRow({ 姓名: "王校验", 身份证号: bad })], "gb18030"),
      });
      const summary = page.locator('[data-test="import-summary"]');
      await summary.getByText("有问题 1 行").waitFor();
      expect(await summary.textContent()).to.include("GB18030");
      const rows = page.locator('[data-test="import-rows"]');
      expect(await rows.textContent()).to.include("身份证号码校验位错误");
      expect(await page.locator('[data-test="import-confirm"]').isDisabled()).to.equal(true);
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
      await screenshot(page, "registration-import-report");

      await pick.setInputFiles({
        name: "报名.csv",
        mimeType: "text/csv",
        buffer: csvFile([aRow({ 姓名: "郑导入" }), aRow({ 姓名: "王改正" })]),
      });
      await summary.getByText("可登记 2 行").waitFor();
      await page.locator('[data-test="import-confirm"]').click();
      await page.getByRole("dialog").getByRole("button", { name: "确认导入" }).click();
      await page.locator('[data-test="import-done"]').getByText("已登记 2 名考生").waitFor();
      expect(await page.locator('[data-test="import-confirm"]').isDisabled()).to.equal(true);
      await screenshot(page, "registration-import-done");

      await page.goto("/registration/candidates");
      for (const name of ["郑导入", "王改正"])
        await page.locator('[data-test="candidates-table"]').getByText(name).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the server refuses the import template, then the page shows its message and no JSON page opens; once allowed, the template is saved under its Chinese name", async () => {
    const { user, username, password } = await createStaff(env.node, {
      roles: ["officer"],
      divisionCode: "320100",
    });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, username, password);
      await page.goto("/registration/import");
      const template = page.locator('[data-test="import-template"]');
      await template.waitFor();
      const downloads: Download[] = [];
      page.on("download", (d) => downloads.push(d));
      // As an admin's password reset leaves the account: the server refuses it all but the change (403).
      const staff = env.node.ctx.conn.collection("staff_users");
      await staff.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { mustChangePassword: true } });

      await template.click();
      await page
        .locator(".el-message--error", { hasText: "请先在“修改密码”页面设置自己的新密码" })
        .waitFor({ timeout: 15_000 });
      expect(page.url()).to.match(/\/registration\/import$/);
      expect(context.pages()).to.have.length(1);
      expect(await page.locator("body").innerText()).not.to.include("password_change_required");
      await screenshot(page, "registration-import-template-refused");
      expect(downloads).to.have.length(0);

      await staff.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { mustChangePassword: false } });
      const [download] = await Promise.all([page.waitForEvent("download"), template.click()]);
      expect(download.suggestedFilename()).to.equal("报名导入模板.xlsx");
      // An .xlsx is a zip: the saved bytes are the workbook, not an error body.
      expect((await readFile(await download.path())).subarray(0, 2).toString("latin1")).to.equal("PK");
      expect(downloads).to.have.length(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the file's header is refused, then the reason shows once, in place, and no toast repeats it", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/import");
      const headers = [...HEADERS.filter((h) => h !== "近3年无重大事故"), "近三年无重大事故"];
      await page.locator('[data-test="import-pick"] input[type="file"]').setInputFiles({
        name: "表头.csv",
        mimeType: "text/csv",
        buffer: csvFile([aRow()], "utf-8-bom", headers),
      });
      await page.locator('[data-test="import-error"]').getByText("未知的列「近三年无重大事故」").waitFor();
      expect(await page.getByText("未知的列「近三年无重大事故」").count()).to.equal(1);
      expect(await page.locator(".el-message").count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
