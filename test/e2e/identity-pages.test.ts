import { expect } from "chai";
import { Types } from "mongoose";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { createStaff, createTestRoom, registerTestCandidate, TEST_PASSWORD } from "../helpers/auth.js";
import { makeIdNumber } from "../../server/lib/id-number.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";

/** A real (if plain) 120×160 JPEG: the page previews what it is given, so the photo must decode. */
const portraitJpeg = () =>
  sharp({ create: { width: 120, height: 160, channels: 3, background: { r: 214, g: 226, b: 240 } } })
    .jpeg()
    .toBuffer();

/** The preview decoded: an <img> with a broken source is still "visible", but has no width. */
async function photoShown(page: Page): Promise<void> {
  const img = page.locator('img[alt="考生照片"]');
  await img.waitFor();
  await page.waitForFunction(
    // Typed by hand: the tests compile without the DOM library.
    (el) => {
      const img = el as unknown as { complete: boolean; naturalWidth: number } | null;
      return Boolean(img?.complete && img.naturalWidth > 0);
    },
    await img.elementHandle(),
  );
}
import { useSeededProvinceInBrowser } from "../helpers/browser-node.js";

describe("identity, organisation, registration and scheduling pages (browser)", function () {
  this.timeout(120_000);
  const env = useSeededProvinceInBrowser();

  it("when an admin opens users, organisation and audit, then each page shows the province's data", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_admin", TEST_PASSWORD);
      await page.goto("/admin/users");
      await page.locator('[data-test="users-table"]').getByText("js_proctor").waitFor();
      await screenshot(page, "identity-users");
      // 解除锁定 is offered on a locked account only, and the lock is gone from the list after it.
      expect(await page.locator('[data-test="user-unlock"]').count()).to.equal(0);
      await env.node.ctx.conn.collection("login_throttle").insertOne({
        key: "staff:js_proctor",
        failures: 0,
        windowStartedAt: new Date(),
        lockedUntil: new Date(Date.now() + 15 * 60_000),
      });
      await page.reload();
      const proctorRow = page.locator('[data-test="users-table"] .el-table__row', { hasText: "js_proctor" });
      await proctorRow.getByText("已锁定").waitFor();
      expect(await page.locator('[data-test="user-unlock"]').count()).to.equal(1);
      await proctorRow.locator('[data-test="user-unlock"]').click();
      await page.getByText("已解除 js_proctor 的锁定").waitFor();
      await proctorRow.getByText("已锁定").waitFor({ state: "detached" });
      expect(await page.locator('[data-test="user-unlock"]').count()).to.equal(0);
      await page.goto("/admin/organisation");
      await page.getByText("南京市从业资格考试中心").waitFor();
      await screenshot(page, "identity-organisation");
      await page.goto("/admin/audit");
      await page.locator('[data-test="audit-verify"]').click();
      await page.getByText(/哈希链完整/).waitFor();
      await screenshot(page, "identity-audit");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer types a candidate, then the ID number and each eligibility rule are checked live", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/new");
      await page.locator('[data-test="reg-name"] input, input[data-test="reg-name"]').first().fill("李实时");
      const id = page.locator('[data-test="reg-id"] input, input[data-test="reg-id"]').first();
      const good = makeIdNumber("320102", "1958-03-01", 33);
      await id.fill(good.slice(0, 17) + (good[17] === "1" ? "2" : "1"));
      await page.getByText("校验位错误").waitFor();
      await id.fill(good);
      await page.locator('[data-test="reg-id-info"]').getByText("1958年3月1日").waitFor();
      await page.getByText("经营性道路旅客运输驾驶员", { exact: true }).click();
      await page.locator('[data-test="eligibility-panel"] [data-rule="max_age"]').waitFor();
      await page
        .locator('[data-test="eligibility-panel"] [data-rule="declaration:noMajorAccident3y"]')
        .waitFor();
      await screenshot(page, "identity-registration");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer opens a session, then the seat map shows the seated demo candidate and the ticket", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await page.locator('[data-test="seat-map"]').getByText("张演示").waitFor();
      await screenshot(page, "identity-seat-map");
      await page.locator('[data-test="seat-1"]').click();
      await page.locator('[data-test="ticket"]').getByText("准考证号").waitFor();
      await screenshot(page, "identity-ticket");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer registers a candidate in the form and seats them, then the registration and the seat are stored", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/new");
      const idNumber = makeIdNumber("320104", "1990-04-12", 45);
      const field = (name: string) =>
        page.locator(`[data-test="${name}"] input, input[data-test="${name}"]`).first();
      await field("reg-name").fill("周界面");
      await field("reg-id").fill(idNumber);
      await field("reg-phone").fill("13700001111");
      const choose = async (testId: string, option: string) => {
        await page.locator(`[data-test="${testId}"]`).click();
        await page.locator(".el-select-dropdown__item:visible", { hasText: option }).first().click();
      };
      await choose("reg-education", "高中");
      await choose("reg-licence", "A1");
      await page.getByPlaceholder("驾驶证初领日期").fill("2012年5月1日");
      await page.getByPlaceholder("驾驶证初领日期").press("Enter");
      await page.getByText("经营性道路旅客运输驾驶员", { exact: true }).click();
      await page.getByText("近 3 年无重大以上交通责任事故").click();
      await page.setInputFiles('[data-test="reg-photo"] input[type="file"]', {
        name: "photo.jpg",
        mimeType: "image/jpeg",
        buffer: await portraitJpeg(),
      });
      await photoShown(page);
      await page.locator('[data-test="eligibility-panel"]').getByText("符合", { exact: true }).waitFor();
      await screenshot(page, "identity-registration-filled");
      await page.locator('[data-test="reg-submit"]').click();
      await page.waitForURL(/\/registration\/candidates/);
      await page.locator('[data-test="candidates-table"]').getByText("周界面").waitFor();
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber });
      expect(stored?.name).to.equal("周界面");

      // 210 registrations of the category after 周界面's: the picker's first page no longer holds
      // them, and typing must still find them.
      if (!stored) throw new Error("fixture");
      const later = Array.from({ length: 210 }, (_, i) => ({
        ...stored,
        _id: new Types.ObjectId(),
        name: `后报名${i}`,
        idNumber: `LATER${i}`,
        createdAt: new Date(Date.now() + 60_000 + i),
      }));
      await env.node.ctx.conn.collection("candidates").insertMany(later);

      await page.goto("/scheduling/sessions");
      await page.locator('[data-test="sessions-table"] .el-table__row').first().click();
      await page.locator('[data-test="auto-pick"]').click();
      await page.locator('[data-test="auto-pick"] input').fill("周界");
      await page.locator(".el-select-dropdown__item:visible", { hasText: "周界面" }).click();
      await page.locator('[data-test="auto-assign"]').click();
      await page.locator('[data-test="seat-map"]').getByText("周界面").waitFor();
      await screenshot(page, "identity-seat-map-assigned");
      // The candidate list shows the newest 200, says that there are more, and 加载更多 brings the next page.
      await page.goto("/registration/candidates");
      const registered = await env.node.ctx.conn
        .collection("candidates")
        .countDocuments({ divisionCode: { $regex: "^3201" }, withdrawnAt: null });
      expect(registered).to.be.greaterThan(200);
      const listCount = page.locator('[data-test="list-count"]');
      await listCount.getByText(`已显示最近 200 名 / 共 ${registered} 名`).waitFor();
      await page.locator('[data-test="load-more"]').click();
      const shown = Math.min(400, registered);
      // Exact: "共 212 名" alone is also the end of the first page's "已显示最近 200 名 / 共 212 名".
      await listCount
        .getByText(
          shown < registered ? `已显示最近 ${shown} 名 / 共 ${registered} 名` : `共 ${registered} 名`,
          { exact: true },
        )
        .waitFor();
      const tickets = await page
        .locator('[data-test="candidates-table"] .el-table__body .el-table__row')
        .count();
      expect(tickets).to.equal(shown);
      expect(
        await env.node.ctx.conn
          .collection("seat_assignments")
          .countDocuments({ candidateId: String(stored?._id) }),
      ).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer registers an escort who has no driving licence, then the form says it may be left out, the registration is stored without one, and the list shows 无", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/new");
      const idNumber = makeIdNumber("320104", "1988-09-20", 57);
      const field = (name: string) =>
        page.locator(`[data-test="${name}"] input, input[data-test="${name}"]`).first();
      await field("reg-name").fill("钱押运");
      await field("reg-id").fill(idNumber);
      await field("reg-phone").fill("13700002222");
      await page.locator('[data-test="reg-education"]').click();
      await page.locator(".el-select-dropdown__item:visible", { hasText: "初中" }).first().click();
      // No category chosen yet: the licence is asked for, as most applicants drive.
      expect(await page.locator('[data-test="reg-licence-optional"]').count()).to.equal(0);
      await page.getByText("道路危险货物运输押运人员", { exact: true }).click();
      await page.locator('[data-test="reg-licence-optional"]').waitFor();
      await page.getByText("已接受危险货物运输相关培训").click();
      await page.setInputFiles('[data-test="reg-photo"] input[type="file"]', {
        name: "photo.jpg",
        mimeType: "image/jpeg",
        buffer: await portraitJpeg(),
      });
      await photoShown(page);
      await page.locator('[data-test="eligibility-panel"]').getByText("符合", { exact: true }).waitFor();
      await screenshot(page, "identity-registration-escort");
      await page.locator('[data-test="reg-submit"]').click();
      await page.waitForURL(/\/registration\/candidates/);
      // Found by name: other tests of this file register later candidates.
      await page.getByPlaceholder("姓名或身份证号开头").fill("钱押运");
      await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "钱押运" });
      await row.waitFor();
      expect(await row.locator("td").allTextContents()).to.include("无");
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber });
      expect(stored?.categories).to.deep.equal(["03003"]);
      expect(stored).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the chosen photo cannot be shown, then the form says so, shows no broken preview and refuses to submit", async () => {
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/new");
      // JPEG's first bytes and nothing a browser can decode.
      await page.setInputFiles('[data-test="reg-photo"] input[type="file"]', {
        name: "photo.jpg",
        mimeType: "image/jpeg",
        buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]),
      });
      const warning = page.getByText("照片无法显示，请重新选择清晰的 JPG/PNG 照片", { exact: true });
      await warning.waitFor();
      expect(await page.locator('img[alt="考生照片"]').count()).to.equal(0);
      await warning.scrollIntoViewIfNeeded();
      await screenshot(page, "identity-registration-photo-broken");
      await page.locator('[data-test="reg-submit"]').click();
      await warning.waitFor();
      expect(page.url()).to.match(/\/registration\/new$/);
      // A good photo chosen next is shown and clears the warning.
      await page.setInputFiles('[data-test="reg-photo"] input[type="file"]', {
        name: "photo.jpg",
        mimeType: "image/jpeg",
        buffer: await portraitJpeg(),
      });
      await photoShown(page);
      expect(await warning.count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer applies a registered freight driver for the passenger category, then a missing declaration is named and, confirmed, the row shows both; with a held qualification entered, the dangerous-goods category follows", async () => {
    const c = await registerTestCandidate(env.node, { name: "吴再报", categories: ["02001"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      await page.getByPlaceholder("姓名或身份证号开头").fill("吴再报");
      await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "吴再报" });
      await row.locator('[data-test="candidate-apply"]').click();
      const dialog = page.locator('[data-test="apply-categories-dialog"]');
      await dialog.getByText("经营性道路旅客运输驾驶员", { exact: true }).click();
      // The freight category applied for already is not offered again.
      const offered = dialog.locator('[data-test="apply-categories"]');
      expect(await offered.getByText("经营性道路旅客运输驾驶员", { exact: true }).count()).to.equal(1);
      expect(await offered.getByText("经营性道路货物运输驾驶员", { exact: true }).count()).to.equal(0);
      await dialog.locator('[data-test="apply-submit"]').click();
      await dialog
        .locator('[data-test="apply-failure"]')
        .getByText("近 3 年无重大以上交通责任事故")
        .waitFor();
      await screenshot(page, "registration-apply-refused");
      await dialog.getByText("近 3 年无重大以上交通责任事故", { exact: true }).click();
      await dialog.locator('[data-test="apply-submit"]').click();
      await row.getByText("经营性道路旅客运输驾驶员").waitFor();
      expect(await row.textContent()).to.contain("经营性道路货物运输驾驶员");
      // Then the dangerous-goods category, on the passenger qualification held since 2020 (entered
      // from the certificate shown).
      await row.locator('[data-test="candidate-apply"]').click();
      await dialog
        .locator('[data-test="apply-categories"]')
        .getByText("道路危险货物运输驾驶员", { exact: true })
        .click();
      await dialog.getByText("添加已持有的从业资格").click();
      await dialog.getByPlaceholder("初领日期").fill("2020年1月1日");
      await dialog.getByPlaceholder("初领日期").press("Enter");
      await dialog.getByText("近 3 年无重大以上交通责任事故", { exact: true }).click();
      await dialog.getByText("已接受危险货物运输相关培训", { exact: true }).click();
      await screenshot(page, "registration-apply-held");
      await dialog.locator('[data-test="apply-submit"]').click();
      await row.getByText("道路危险货物运输驾驶员").waitFor();
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      expect(stored?.categories).to.deep.equal(["02001", "01001", "03001"]);
      expect(stored?.heldQualifications).to.deep.equal([
        { categoryCode: "01001", firstIssuedOn: "2020-01-01" },
      ]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer corrects a freight driver's licence, then a class freight does not admit is refused naming the rule, and the B2 obtained since is saved and shown in the row", async () => {
    const c = await registerTestCandidate(env.node, {
      name: "孙更正",
      categories: ["02001"],
      licenceClass: "C1",
    });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      await page.getByPlaceholder("姓名或身份证号开头").fill("孙更正");
      await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "孙更正" });
      await row.locator('[data-test="candidate-correct"]').click();
      const dialog = page.locator('[data-test="correct-candidate-dialog"]');
      const chooseClass = async (licenceClass: string) => {
        await dialog.locator('[data-test="reg-licence"]').click();
        await page.locator(".el-select-dropdown__item:visible", { hasText: licenceClass }).first().click();
      };
      await chooseClass("C3");
      await dialog.locator('[data-test="correct-submit"]').click();
      await dialog.locator('[data-test="correct-failure"]').getByText("准驾车型须为").waitFor();
      expect(await dialog.locator('[data-test="correct-failure"]').textContent()).to.contain(
        "经营性道路货物运输驾驶员",
      );
      await screenshot(page, "registration-correct-refused");
      await chooseClass("B2");
      await dialog.getByPlaceholder("驾驶证初领日期").fill("2012年5月1日");
      await dialog.getByPlaceholder("驾驶证初领日期").press("Enter");
      await dialog.locator('[data-test="correct-submit"]').click();
      await row.getByText("B2", { exact: true }).waitFor();
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      expect(stored).to.include({ licenceClass: "B2", licenceFirstIssuedOn: "2012-05-01", name: "孙更正" });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer corrects a registration's address, then the dialog shows the recorded county by name and the county picked instead is saved", async () => {
    const c = await registerTestCandidate(env.node, { name: "周改址", addressDivisionCode: "320102" });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, "js_officer", TEST_PASSWORD);
      await page.goto("/registration/candidates");
      await page.getByPlaceholder("姓名或身份证号开头").fill("周改址");
      await page.getByPlaceholder("姓名或身份证号开头").press("Enter");
      const row = page.locator('[data-test="candidates-table"] .el-table__row', { hasText: "周改址" });
      await row.locator('[data-test="candidate-correct"]').click();
      const dialog = page.locator('[data-test="correct-candidate-dialog"]');
      const county = dialog.locator('[data-test="address-county"]');
      await county.getByText("玄武区").waitFor();
      expect(await dialog.locator('[data-test="address-city"]').innerText()).to.include("南京市");
      await county.click();
      await page.locator(".el-select-dropdown__item:visible", { hasText: "秦淮区" }).first().click();
      await screenshot(page, "registration-correct-address");
      await dialog.locator('[data-test="correct-submit"]').click();
      await page.getByText("报名信息已更正").waitFor();
      const stored = await env.node.ctx.conn.collection("candidates").findOne({ idNumber: c.idNumber });
      expect(stored).to.include({ addressDivisionCode: "320104", name: "周改址" });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an admin has set a staff member's password, then the login lands on the password page, which says why, and after the change the page asked for opens", async () => {
    const { user, username } = await createStaff(env.node, { roles: ["officer"], divisionCode: "320100" });
    // As an admin's reset leaves the account (password-policy.test.ts covers the reset itself).
    await env.node.ctx.conn
      .collection("staff_users")
      .updateOne({ _id: new Types.ObjectId(user.id) }, { $set: { mustChangePassword: true } });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await page.goto("/registration/candidates");
      await page.waitForURL(/\/login/);
      await page.locator('[data-test="username"]').fill(username);
      await page.locator('[data-test="password"]').fill(TEST_PASSWORD);
      await page.locator('[data-test="login-submit"]').click();
      await page.waitForURL((url) => url.pathname === "/account/password");
      await page.locator('[data-test="password-change-required"]').getByText("由管理员设置").waitFor();
      // Nothing to go to but the password form and 退出: every page would lead back here.
      expect(await page.locator('[data-test="side-menu"] .el-menu-item').count()).to.equal(0);
      expect(await page.getByRole("menuitem").count()).to.equal(0);
      expect(await page.locator('[data-test="logout"]').isVisible()).to.equal(true);
      await screenshot(page, "identity-password-required");
      // Typed in again or reloaded, the page asked for still leads back to the password page.
      await page.goto("/registration/candidates");
      await page.waitForURL((url) => url.pathname === "/account/password");
      await page.reload();
      await page.waitForURL((url) => url.pathname === "/account/password");
      const fill = async (field: string, value: string) =>
        page.locator(`[data-test="${field}"] input, input[data-test="${field}"]`).first().fill(value);
      await fill("current-password", TEST_PASSWORD);
      await fill("new-password", "My-Own-Passw0rd-2026");
      await fill("confirm-password", "My-Own-Passw0rd-2026");
      await page.locator('[data-test="password-save"]').click();
      await page.waitForURL((url) => url.pathname === "/registration/candidates");
      await page.locator('[data-test="candidates-table"]').waitFor();
      // Changed: the menu is back.
      await page.locator('[data-test="side-menu"] .el-menu-item').first().waitFor({ state: "attached" });
      expect(await page.locator('[data-test="side-menu"] .el-menu-item').count()).to.be.greaterThan(1);
      const stored = await env.node.ctx.conn
        .collection("staff_users")
        .findOne({ _id: new Types.ObjectId(user.id) });
      expect(stored?.mustChangePassword).to.equal(false);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a seat computer opens its kiosk address, then it is bound to the seat and the token is gone from the address bar", async () => {
    const room = await createTestRoom(env.node, { seats: 1 });
    const token = room.seats[0]!.seatToken;
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await page.goto(`/login?as=candidate#seat=${encodeURIComponent(token)}`);
      await page.locator('[data-test="seat-bound"]').waitFor();
      await page.waitForURL((url) => !url.href.includes("seat="));
      expect(page.url()).to.not.include(encodeURIComponent(token));
      // The login page's own storage of the binding (client/src/shared/kiosk.ts).
      const kept = await page.evaluate(() => {
        const storage = (globalThis as { localStorage?: { getItem(key: string): string | null } })
          .localStorage;
        return storage?.getItem("roadcert.seatToken") ?? null;
      });
      expect(kept).to.equal(token);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
