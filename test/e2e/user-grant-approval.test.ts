import { expect } from "chai";
import type { StaffUserDto } from "../../server/contracts/staff-accounts.js";
import { createStaff, loginStaff, newUserBody, staffAgent, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("a privileged account waits for a second admin on the users page (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when another admin has created a reviewer, then the users page shows it 待批准 and its 批准 lets the account log in", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const body = newUserBody({ roles: ["reviewer"], divisionCode: "320000" });
    const created = (await requester.agent.post("/api/users").send(body).expect(201)).body
      .user as StaffUserDto;
    expect(created.pendingGrant?.kind).to.equal("account");
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/users");
      const row = page.locator(".el-table__row", { hasText: body.username });
      await row.locator('[data-test="user-pending-grant"]').waitFor();
      await screenshot(page, "users-pending-grant");
      await row.locator('[data-test="user-grant-approve"]').click();
      await page.getByRole("button", { name: "确认批准" }).click();
      await page.locator(".el-message", { hasText: "已批准" }).waitFor();
      await row.locator('[data-test="user-pending-grant"]').waitFor({ state: "detached" });
      await loginStaff(env.node, body.username, body.password);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when another admin has added the officer role to a reviewer, then 批准 says the current password ends, and the row then shows 无可用密码", async () => {
    const requester = await staffAgent(env.node, { roles: ["admin"], divisionCode: "320000" });
    const target = await createStaff(env.node, { roles: ["reviewer"], divisionCode: "320000" });
    await requester.agent
      .patch(`/api/users/${target.user.id}`)
      .send({ roles: ["reviewer", "officer"], expectedVersion: target.user.version })
      .expect(200);
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/users");
      const row = page.locator(".el-table__row", { hasText: target.username });
      await row.locator('[data-test="user-grant-approve"]').click();
      await page.locator(".el-message-box", { hasText: "当前的密码立即失效" }).waitFor();
      await page.getByRole("button", { name: "确认批准" }).click();
      await row.locator('[data-test="user-no-password"]').waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the admin who asked for a grant opens the users page, then it offers them 驳回 but no 批准", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      const body = newUserBody({ roles: ["officer"], divisionCode: "320100" });
      const answer = await page.evaluate(async (b) => {
        const csrf = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
        const res = await fetch("/api/users", {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrf.csrfToken },
          body: JSON.stringify(b),
        });
        return res.status;
      }, body);
      expect(answer).to.equal(201);
      await page.goto("/admin/users");
      const row = page.locator(".el-table__row", { hasText: body.username });
      await row.locator('[data-test="user-pending-grant"]').waitFor();
      await row.locator('[data-test="user-grant-reject"]').waitFor();
      expect(await row.locator('[data-test="user-grant-approve"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
