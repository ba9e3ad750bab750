import { expect } from "chai";
import { TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

/** The organisation page shows the admin what the login would get wrong: one IP on two seats. */
describe("organisation page (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when two seats of a room already share an IP, then the page warns 座位 IP 重复 naming both seats, and rebinding one clears the warning", async () => {
    // Stored so before two admins binding one address at once were refused.
    await env.node.ctx.conn
      .collection("test_centres")
      .updateOne(
        { name: "南京市从业资格考试中心" },
        { $set: { "rooms.$[r].seats.$[s].ip": "10.9.9.9" } },
        { arrayFilters: [{ "r.name": "第一考场" }, { "s.seatNo": { $in: [2, 3] } }] },
      );
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/organisation");
      const room = page.locator(".rc-room", { hasText: "第一考场" }).first();
      const warning = room.locator('[data-test="seat-ip-duplicates"]');
      await warning.waitFor();
      expect(await warning.textContent()).to.include("座位 IP 重复：2、3 号座位都登记为 10.9.9.9");
      await room
        .getByRole("button", { name: "2 号座位，已绑定考试机 IP 10.9.9.9，与 3 号座位 IP 重复", exact: true })
        .waitFor();
      await screenshot(page, "organisation-seat-ip-duplicates");

      await room.locator('[data-test="org-seat-3"]').click();
      const dialog = page.locator(".el-dialog", { hasText: "3 号座位" });
      await dialog.locator(".el-form-item", { hasText: "考试机 IP" }).locator("input").fill("");
      await dialog.getByRole("button", { name: "保存 IP" }).click();
      await page.getByText("座位已保存").waitFor();
      await warning.waitFor({ state: "detached" });
      await room.getByRole("button", { name: "2 号座位，已绑定考试机 IP 10.9.9.9", exact: true }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
