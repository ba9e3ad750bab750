import { expect } from "chai";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("form errors name the field and say what is wrong, in Chinese (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an admin saves a user with a too-short username, then the username field shows the server's Chinese message", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/users");
      await page.locator('[data-test="user-create"]').click();
      const form = page.locator('[data-test="user-form"]');
      await form.locator(".el-form-item", { hasText: "用户名" }).locator("input").fill("ab");
      await form.locator(".el-form-item", { hasText: "姓名" }).locator("input").fill("张测试");
      await form.locator(".el-form-item", { hasText: "初始密码" }).locator("input").fill("Long-enough-2026");
      // Roles and division left empty: those fields are named too.
      await page.locator('[data-test="user-save"]').click();
      const fieldError = form.locator(".el-form-item", { hasText: "用户名" }).locator(".el-form-item__error");
      await fieldError.waitFor();
      const text = (await fieldError.textContent()) ?? "";
      expect(text).to.match(/[\u4e00-\u9fff]/);
      expect(text).to.not.match(/Too small/);
      await page.locator(".el-message", { hasText: "用户名：" }).waitFor();
      await form.locator(".el-form-item", { hasText: "角色" }).locator(".el-form-item__error").waitFor();
      await screenshot(page, "form-errors-user");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
