import { expect } from "chai";
import type { StaffUserDto } from "../../server/contracts/staff-accounts.js";
import { createStaff, staffAgent, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("the users page in pages, and re-enabling a privileged account (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an admin ticks 只看待批准 and re-enables a disabled officer, then only waiting grants are listed and the officer's role waits 待批准", async () => {
    const other = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const officer = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const quiet = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    const disabled = (
      await other.agent
        .patch(`/api/users/${officer.user.id}`)
        .send({ active: false, expectedVersion: officer.user.version })
        .expect(200)
    ).body.user as StaffUserDto;
    expect(disabled.active).to.equal(false);
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/users");
      await page.locator('[data-test="users-table"]').getByText("js_proctor").waitFor();
      await page.locator('[data-test="users-waiting-only"]').click();
      await page.locator('[data-test="users-table"]').getByText("js_proctor").waitFor({ state: "detached" });
      expect(await page.locator(".el-table__row", { hasText: quiet.username }).count()).to.equal(0);
      await page.locator('[data-test="users-waiting-only"]').click();
      const row = page.locator(".el-table__row", { hasText: officer.username });
      await row.locator(".el-switch").click();
      await page.locator(".el-message", { hasText: "须另一名管理员批准后生效" }).waitFor();
      await row.locator('[data-test="user-pending-grant"]').waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
