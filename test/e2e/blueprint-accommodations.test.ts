import { expect } from "chai";
import { createStaff } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

/** A blueprint keeps one number of minutes per accommodation: the editor refuses a repeated case. */
describe("blueprint editor: repeated accommodation rows (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an author enters the same accommodation twice, then the editor names it and saving stores nothing", async () => {
    const blueprints = env.node.ctx.conn.collection("blueprints");
    const before = await blueprints.countDocuments({});
    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await page.goto("/question-bank/blueprints");
      await page.locator('[data-test="summary"]').waitFor();
      const add = page.getByRole("button", { name: "添加照顾情形" });
      const rows = page.locator(".qb-accom .qb-inline");
      const existing = await rows.count();
      await add.click();
      await add.click();
      await rows.nth(existing).locator("input").first().fill("低视力");
      await rows
        .nth(existing + 1)
        .locator("input")
        .first()
        .fill("低视力");
      const problem = page.locator('[data-test="accommodation-duplicate"]');
      expect(await problem.innerText()).to.equal("特殊照顾情形「低视力」重复，请合并为一行");
      await screenshot(page, "blueprint-accommodation-duplicate");
      await page.getByRole("button", { name: "保存为草稿版本" }).click();
      await page.locator(".el-message--error", { hasText: "重复填写了 2 次" }).waitFor();
      expect(await blueprints.countDocuments({})).to.equal(before);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
