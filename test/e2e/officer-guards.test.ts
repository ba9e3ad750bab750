import { expect } from "chai";
import type { Page } from "playwright-core";
import { createStaff, registerTestCandidate, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

/** Requests of a method to paths under `prefix`, as the page sent them (their bodies). */
function recordRequests(page: Page, method: string, prefix: string): string[] {
  const sent: string[] = [];
  page.on("request", (req) => {
    if (req.method() === method && new URL(req.url()).pathname.startsWith(prefix))
      sent.push(req.postData() ?? "");
  });
  return sent;
}

/**
 * The guards of the officers' pages: what the client refuses before asking the server, what it
 * does not offer to whom, and what a second press does not do twice.
 */
describe("officers' pages: guards against incomplete input, unoffered controls and repeated presses (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer picks a new city whose counties cannot be read, then 保存更正 names the missing county and sends nothing; with the county picked, it is saved", async () => {
    const c = await registerTestCandidate(env.node, { name: "吴缺县", addressDivisionCode: "320102" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const hangzhouCounties = (url: URL) =>
        url.pathname === "/api/divisions" && url.searchParams.get("parent") === "330100";
      const corrections = recordRequests(page, "PATCH", "/api/candidates/");
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      await page.getByPlaceholder("姓名或身份证号开头").fill("吴缺县");
      await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "吴缺县" });
      await row.locator('[data-test="candidate-correct"]').click();
      const dialog = page.locator('[data-test="correct-candidate-dialog"]');
      await dialog.locator('[data-test="address-county"]').getByText("玄武区").waitFor();
      const choose = async (select: string, name: string) => {
        const box = dialog.locator(`[data-test="${select}"]`);
        await box.click();
        const list = await box.locator('[role="combobox"]').getAttribute("aria-controls");
        await page.locator(`[id="${list}"] .el-select-dropdown__item`, { hasText: name }).first().click();
      };
      // The county list of the city picked does not arrive (a lost connection).
      await page.route(hangzhouCounties, (route) => route.abort("connectionfailed"));
      await choose("address-province", "浙江省");
      await choose("address-city", "杭州市");
      // Said at the field, with a way to read the list again, not in a toast beside the field's error.
      await dialog.locator('[data-test="address-retry"]').getByText("区县列表加载失败，点击重试").waitFor();
      expect(await page.locator(".el-message--error").count()).to.equal(0);
      await dialog.locator('[data-test="correct-submit"]').click();
      await dialog.getByText("请选择住址所在的区县").waitFor();
      // Only the empty county is outlined red: the province and city picked are not what is wrong.
      await page.waitForTimeout(400); // the outline's colour transition
      const outline = (select: string) =>
        dialog
          .locator(`[data-test="${select}"] .el-select__wrapper`)
          .evaluate(
            (el) =>
              (
                globalThis as unknown as { getComputedStyle(e: unknown): { boxShadow: string } }
              ).getComputedStyle(el).boxShadow,
          );
      const red = await outline("address-county");
      expect([await outline("address-province"), await outline("address-city")]).to.not.include(red);
      await screenshot(page, "registration-correct-address-incomplete");
      expect(corrections).to.deep.equal([]);

      await page.unroute(hangzhouCounties);
      await dialog.locator('[data-test="address-retry"]').click();
      await dialog.locator('[data-test="address-retry"]').waitFor({ state: "detached" });
      await choose("address-county", "西湖区");
      await dialog.locator('[data-test="correct-submit"]').click();
      await page.getByText("报名信息已更正").waitFor();
      expect(corrections).to.have.length(1);
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      expect(stored).to.include({ addressDivisionCode: "330106" });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an admin of a city opens the audit log, then 校验哈希链 is not offered; the province's admin has it", async () => {
    const city = await createStaff(env.node, {
      roles: ["admin"],
      divisionCode: "320100",
      displayName: "南京市管理员",
    });
    for (const [username, password, offered] of [
      [city.username, city.password, false],
      ["js_admin", TEST_PASSWORD, true],
    ] as const) {
      const { context, page, errors } = await openContext(env.browser, env.node.url);
      try {
        await loginThroughForm(page, username, password);
        await page.goto("/admin/audit");
        await page.locator('[data-test="audit-count"]').waitFor();
        expect(await page.locator('[data-test="audit-verify"]').count(), username).to.equal(offered ? 1 : 0);
        // Every detail reads under a Chinese name, a seat's centre by its name rather than its id.
        const details = (await page.locator('[data-test="audit-details"]').allInnerTexts()).join("\n");
        expect(details, username).not.to.match(/blueprint|考点编号/);
        if (!offered) await screenshot(page, "audit-city-admin");
        expect(errors).to.deep.equal([]);
      } finally {
        await context.close();
      }
    }
  });

  it("when the audit log cannot be read, then the page says why with 重试, and 重试 shows the entries", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const auditList = (url: URL) => url.pathname === "/api/audit";
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.route(auditList, (route) => route.abort("connectionfailed"));
      await page.goto("/admin/audit");
      const failed = page.locator('[data-test="load-failed"]');
      await failed.getByText("无法连接服务器").waitFor();
      expect(await page.locator('[data-test="audit-table"]').count()).to.equal(0);
      expect(await page.getByText("暂无记录").count()).to.equal(0);
      await screenshot(page, "audit-load-failed");
      await page.unroute(auditList);
      await page.locator('[data-test="load-retry"]').click();
      await page.locator('[data-test="audit-table"] .el-table__row').first().waitFor();
      expect(await page.locator('[data-test="audit-count"]').innerText()).to.match(
        /已显示 [1-9]\d* \/ 共 [1-9]\d* 条/,
      );
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the staff accounts cannot be read, then the page says why with 重试 instead of 本辖区暂无用户, and 重试 shows them", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const userList = (url: URL) => url.pathname === "/api/users";
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.route(userList, (route) =>
        route.fulfill({ status: 503, contentType: "text/plain", body: "Service Unavailable" }),
      );
      await page.goto("/admin/users");
      await page.locator('[data-test="load-failed"]').getByText("服务暂时不可用，请稍后重试").waitFor();
      expect(await page.getByText("本辖区暂无用户").count()).to.equal(0);
      await screenshot(page, "users-load-failed");
      await page.unroute(userList);
      await page.locator('[data-test="load-retry"]').click();
      await page.locator('[data-test="users-table"]').getByText("js_proctor").waitFor();
      expect(await page.locator('[data-test="load-failed"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when 发布成绩 is pressed again while its confirmation is open, then one confirmation is shown and the results are published once", async () => {
    // The demo session took place yesterday, so its results may be published.
    const sessions = env.node.ctx.conn.collection("exam_sessions");
    const session = await sessions.findOne({ status: "scheduled" });
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
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const publishes = recordRequests(
        page,
        "POST",
        `/api/exam-sessions/${String(session._id)}/results/publish`,
      );
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto(`/scheduling/sessions/${String(session._id)}/results`);
      const publish = page.locator('[data-test="results-publish"]');
      await publish.click();
      await page.locator(".el-message-box").waitFor();
      // Pressed again under the open confirmation (the keyboard's Enter on the button reaches it).
      await publish.dispatchEvent("click");
      expect(await page.locator(".el-message-box:visible").count()).to.equal(1);
      await page.locator(".el-message-box").getByRole("button", { name: "发布" }).click();
      await page.locator('[data-test="results-published"]').waitFor();
      // The confirmation fades out after the answer: it must close (not stay open for a second press).
      await page.locator(".el-message-box").waitFor({ state: "hidden" });
      expect(publishes).to.have.length(1);
      expect(await page.locator(".el-message--error").count()).to.equal(0);
      expect(
        await env.node.ctx.conn.collection("audit_log").countDocuments({ action: "exam.results_published" }),
      ).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
