import { expect } from "chai";
import { Types } from "mongoose";
import type { Page } from "playwright-core";
import type { OutboundEntryDto } from "../../server/contracts/hub.js";
import { createStaff, registerTestCandidate, TEST_PASSWORD } from "../helpers/auth.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

/** Issue 14: the office seats a session in one go, prints its plan, and sets seat computers up. */
describe("examination office pages (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an officer seats the waiting candidates automatically, then the report names who could not be seated, the plan prints, and unbound seats are warned about", async () => {
    await registerTestCandidate(env.node, { name: "钱自动", divisionCode: "320100" });
    await registerTestCandidate(env.node, { name: "孙自动", divisionCode: "320100" });
    await registerTestCandidate(env.node, { name: "李货运", divisionCode: "320100", categories: ["02001"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      expect(await page.locator('[data-test="session-lifecycle"]').first().textContent()).to.include(
        "已安排",
      );
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      // The demo room binds only seat 1 to a computer.
      const warning = (await page.locator('[data-test="unbound-seats"]').textContent()) ?? "";
      expect(warning).to.match(/11 个座位（2、3、.*12 号）未绑定考试机/);

      await page.locator('[data-test="auto-seat-all"]').click();
      const report = page.locator('[data-test="auto-seat-report"]');
      await report.getByText("已安排 2 人").waitFor();
      expect(await report.textContent()).not.to.include("李货运");
      await screenshot(page, "office-auto-seat-report");
      await report.getByRole("button", { name: "知道了" }).click();
      for (const name of ["钱自动", "孙自动"])
        await page.locator('[data-test="seat-map"]').getByText(name).waitFor();
      await screenshot(page, "office-session-seated");

      // The plan opens in a tab of its own: fetched by this page first, then shown from its bytes.
      const [tab, plan] = await Promise.all([
        page.waitForEvent("popup"),
        page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/seating-plan.pdf")),
        page.locator('[data-test="seating-plan"]').click(),
      ]);
      expect(plan.status()).to.equal(200);
      expect(plan.headers()["content-type"]).to.equal("application/pdf");
      // The tab shows the fetched bytes (a blob of this page), not the API address.
      await tab.waitForURL(/^blob:/);
      await tab.close();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the server refuses the seating plan, then the session page shows its message, and the tab opened for it closes without showing the refusal", async () => {
    const seeded = await env.node.ctx.conn.collection("staff_users").findOne({ username: "js_officer" });
    const { user, username, password } = await createStaff(env.node, {
      roles: ["officer"],
      divisionCode: String(seeded?.divisionCode),
    });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, username, password);
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      const plan = page.locator('[data-test="seating-plan"]');
      await plan.waitFor();
      const tabs: Page[] = [];
      page.on("popup", (tab) => tabs.push(tab));
      // As an admin's password reset leaves the account: the server refuses it all but the change (403).
      await env.node.ctx.conn
        .collection("staff_users")
        .updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { mustChangePassword: true } });

      // Waited for from before the click: without a tab the wait fails, where a loop over the
      // tabs seen would assert nothing.
      const opened = page.waitForEvent("popup", { timeout: 15_000 });
      await plan.click();
      const tab = await opened;
      await page
        .locator(".el-message--error", { hasText: "请先在“修改密码”页面设置自己的新密码" })
        .waitFor({ timeout: 15_000 });
      // The tab was opened inside the click (popup blockers allow no later one) and closed on the refusal.
      if (!tab.isClosed()) await tab.waitForEvent("close", { timeout: 15_000 });
      expect(tab.isClosed()).to.equal(true);
      expect(tab.url()).to.equal("about:blank");
      expect(tabs).to.deep.equal([tab]);
      expect(context.pages()).to.deep.equal([page]);
      expect(page.url()).to.match(/\/scheduling\/sessions\/[^/]+$/);
      await screenshot(page, "office-seating-plan-refused");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an admin issues a seat's computer address, then the dialog shows the kiosk URL and its QR once, and opening it binds that computer", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/organisation");
      await page.locator('[data-test="org-seat-5"]').first().click();
      await page.locator('[data-test="seat-issue-token"]').click();
      const kiosk = page.locator('[data-test="seat-kiosk"]');
      await kiosk.waitFor();
      expect(await kiosk.textContent()).to.include("只显示这一次");
      await page.locator('[data-test="seat-kiosk-qr"]').waitFor();
      const url = await page.locator('[data-test="seat-kiosk-url"]').inputValue();
      // The token rides in the fragment, which never reaches the node (nor its request log).
      expect(url).to.match(/\/login\?as=candidate#seat=[^&]+$/);
      await screenshot(page, "office-seat-kiosk");
      expect(errors).to.deep.equal([]);

      // The seat computer: a fresh browser context opens the address and keeps the binding.
      const seatComputer = await openContext(env.browser, env.node.url);
      try {
        await seatComputer.page.goto(url);
        await seatComputer.page.locator('[data-test="seat-bound"]').waitFor();
        expect(seatComputer.errors).to.deep.equal([]);
      } finally {
        await seatComputer.context.close();
      }
    } finally {
      await context.close();
    }
  });

  it("when an admin retires the room with the demo session, then the refusal names the session; the unused room retires and shows 已停用", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/organisation");
      await page.locator('[data-test="retire-room-第一考场"]').first().click();
      await page.locator(".el-message-box").getByRole("button", { name: "停用" }).click();
      await page
        .locator(".el-message--error")
        .getByText(/还有 1 个未结束的考试场次/)
        .waitFor();
      await screenshot(page, "office-retire-refused");

      await page.locator('[data-test="retire-room-第二考场"]').first().click();
      await page.locator(".el-message-box").getByRole("button", { name: "停用" }).click();
      await page.locator(".rc-room", { hasText: "第二考场" }).getByText("已停用").waitFor();
      expect(await page.locator('[data-test="retire-room-第一考场"]').count()).to.equal(1);
      await screenshot(page, "office-room-retired");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer withdraws a registration with a reason, then it leaves the list, shows as 已撤销 on request, and the registering division reads as a name", async () => {
    await registerTestCandidate(env.node, { name: "冯撤销", divisionCode: "320100" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "冯撤销" });
      expect(await row.textContent()).to.include("南京市");
      const listed = async () =>
        Number(/共 (\d+) 名/.exec((await page.locator('[data-test="list-count"]').textContent()) ?? "")?.[1]);
      const before = await listed();
      await row.locator('[data-test="candidate-withdraw"]').click();
      const box = page.locator(".el-message-box");
      await box.locator("input").fill("考生本人申请撤销");
      await box.getByRole("button", { name: "确定" }).click();
      await page.getByText("报名已撤销").waitFor();
      await row.waitFor({ state: "detached" });
      // Taken out where it stood, and the count follows.
      expect(await listed()).to.equal(before - 1);
      await page.getByText("含已撤销").click();
      await page
        .locator('[data-test="candidates-table"] .el-table__row', { hasText: "冯撤销" })
        .getByText("已撤销")
        .waitFor();
      await screenshot(page, "office-candidate-withdrawn");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an earlier exam in the room runs past a session's start, then that session's page warns the officer with the time", async () => {
    const next = await env.node.ctx.conn
      .collection("exam_sessions")
      .findOne({ status: "scheduled", startsAt: { $gt: new Date() } }, { sort: { startsAt: 1 } });
    if (!next) throw new Error("the seeded province has no future session");
    const until = new Date((next.startsAt as Date).getTime() + 25 * 60_000);
    await env.node.ctx.conn
      .collection("exam_sessions")
      .updateOne({ _id: next._id }, { $set: { overrunBy: { sessionId: "earlier-session", until } } });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto(`/scheduling/sessions/${String(next._id)}`);
      const warning = (await page.locator('[data-test="room-overrun"]').textContent()) ?? "";
      expect(warning).to.include("晚于本场次开考时间");
      expect(warning).to.match(/\d{2}:\d{2}/);
      await screenshot(page, "office-session-overrun");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the queue to the hub holds more refused records than a page, then reasons read in words, the page says how many it shows, and 加载更多 reads further", async () => {
    // The queue's answer is made here (a refusal needs a hub that refuses): the newest `limit`
    // entries of 73, as the server answers them, without a count or a cursor.
    const entry = (i: number): OutboundEntryDto => ({
      id: i.toString(16).padStart(24, "0"),
      at: new Date(Date.UTC(2026, 10, 30, 8, 0) - i * 60_000).toISOString(),
      event: "exam.passed",
      recordId: `320000-EXAM-${String(i).padStart(4, "0")}`,
      idNumber: "320102199001011234",
      status: "dead",
      attempts: 1,
      outcome: i === 0 ? "rejected" : null,
      reasons:
        i === 0 ? [{ code: "id_check_digit", field: "idNumber", message: "身份证号码校验位错误" }] : [],
      lastError: i === 0 ? null : "全国中心暂时无法接收（HTTP 503）",
      hubSeq: null,
      receiptId: null,
      availableAt: null,
    });
    const asked: string[] = [];
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await page.route("**/api/sharing/outbound?*", async (route) => {
        const limit = Number(new URL(route.request().url()).searchParams.get("limit") ?? "50");
        asked.push(String(limit));
        await route.fulfill({ json: Array.from({ length: Math.min(limit, 73) }, (_, i) => entry(i)) });
      });
      // The queue is the province's (province_level_only): its province-level officer reads it.
      await loginThroughForm(page, "js_officer_prov", TEST_PASSWORD);
      await page.goto("/sharing/outbound");
      const table = page.locator('[data-test="sharing-outbound"]');
      await table.locator('[data-test="outbound-reason"]').getByText("身份证校验位错误").waitFor();
      expect(await table.innerText()).not.to.include("id_check_digit");
      const extent = page.locator('[data-test="outbound-extent"]');
      expect(await extent.innerText()).to.include("显示最新 50 条");
      await screenshot(page, "sharing-outbound");
      await page.locator('[data-test="outbound-more"]').click();
      await extent.getByText("共 73 条").waitFor();
      expect(await page.locator('[data-test="outbound-more"]').count()).to.equal(0);
      expect(asked).to.deep.equal(["50", "100"]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an admin reads the seats and adds a test centre, then each seat names its binding in words, and each dialog opens empty, without another's input or refusal", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/organisation");
      // The binding is in the seat's name, not only in its colour (the demo binds seat 1 by IP).
      const room = page.locator(".rc-room", { hasText: "第一考场" }).first();
      await room.getByRole("button", { name: "1 号座位，已绑定考试机 IP 127.0.0.1", exact: true }).waitFor();
      await room.getByRole("button", { name: "3 号座位，未绑定考试机", exact: true }).waitFor();
      await screenshot(page, "office-organisation-seats");

      // A refused centre: its fields say why.
      await page.locator('[data-test="centre-create"]').click();
      const centreForm = page.locator('[data-test="centre-form"]');
      await page.locator('[data-test="centre-save"]').click();
      await centreForm.locator(".el-form-item__error").first().waitFor();
      await page.locator(".el-dialog", { hasText: "添加考点" }).getByRole("button", { name: "取消" }).click();
      // Another dialog does not show that refusal under its own fields.
      await page.getByRole("button", { name: "添加考场" }).first().click();
      const roomDialog = page.locator(".el-dialog", { hasText: "考场名称" });
      await roomDialog.waitFor();
      expect(await roomDialog.locator(".el-form-item__error").count()).to.equal(0);
      await roomDialog.getByRole("button", { name: "取消" }).click();

      // A centre added: the dialog opens empty for the next one, without the last refusal either.
      await page.locator('[data-test="centre-create"]').click();
      // (The messages fade out: gone once their leave transition ends.)
      await centreForm.locator(".el-form-item__error").first().waitFor({ state: "detached", timeout: 5_000 });
      const name = `端到端考点${Date.now()}`;
      await centreForm.locator(".el-form-item", { hasText: "名称" }).locator("input").fill(name);
      await centreForm
        .locator(".el-form-item", { hasText: "地址" })
        .locator("input")
        .fill("南京市玄武区中山路 1 号");
      await centreForm.locator(".el-form-item", { hasText: "行政区划" }).locator(".el-select").click();
      await page.locator(".el-select-dropdown__item:visible").first().click();
      await page.locator('[data-test="centre-save"]').click();
      await page.getByText(name).waitFor();
      await page.locator('[data-test="centre-create"]').click();
      for (const input of await centreForm.locator("input:visible").all())
        expect(await input.inputValue()).to.equal("");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the candidate list cannot be read, then the page says why with 重试 instead of 本辖区暂无考生, and 重试 shows the candidates", async () => {
    await registerTestCandidate(env.node, { name: "郑重试", divisionCode: "320100" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const candidateList = (url: URL) => url.pathname === "/api/candidates";
      await page.route(candidateList, (route) => route.abort("connectionfailed"));
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      const failed = page.locator('[data-test="load-failed"]');
      await failed.getByText("无法连接服务器").waitFor();
      expect(await page.getByText("本辖区暂无考生").count()).to.equal(0);
      // Said once, in place of the list: no toast repeats it.
      expect(await page.locator(".el-message").count()).to.equal(0);
      await screenshot(page, "office-candidates-load-failed");
      await page.unroute(candidateList);
      await page.locator('[data-test="load-retry"]').click();
      await page.locator('[data-test="candidates-table"]').getByText("郑重试").waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
