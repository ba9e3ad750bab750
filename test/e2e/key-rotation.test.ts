import { expect } from "chai";
import type { Browser, Page, Route } from "playwright-core";
import { createAuditService } from "../../server/audit/index.js";
import { createNodeSigning } from "../../server/certificates/index.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startCertNode, type TestNode } from "../integration/certificates/support.js";

/** The rows of the page's list of the node's certificate keys, each row's text. */
const keyRows = (page: Page) => page.locator('[data-test="certificate-keys"] .el-table__body tr');

/**
 * 签名密钥: the province's certificate signing keys and their rotations, and the button that rotates
 * the key (POST /api/certificates/keys/rotate) after the admin has read what a rotation does. Only
 * a province-level admin may rotate (server/access/policies.ts), so only they are offered the page.
 */
describe("the signing keys page and its key rotation (browser)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    // A lead, as in production: the new key is announced and waits before it signs.
    node = await startCertNode({ CLIENT_DIST: dist, CERT_KEY_ROTATION_LEAD_HOURS: "48" });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  /** The certificate key the node now holds open (the newest one), as the rotation leaves it. */
  const openKid = () =>
    createNodeSigning(node.ctx.conn, node.ctx.config, {
      audit: createAuditService(node.ctx.conn),
      logger: node.ctx.logger,
    }).signing.openKey("certificate")?.kid;

  it("when a province admin confirms 轮换证书签名密钥, then the page names the new key, lists it beside the old one and lists the rotation", async () => {
    const admin = await createStaff(node, { roles: ["admin"], displayName: "赵管理" });
    const before = openKid();
    if (!before) throw new Error("the node has no certificate key");
    const { context, page, errors } = await openContext(browser, node.url, {
      viewport: { width: 1366, height: 900 },
    });
    try {
      await loginThroughForm(page, admin.username, admin.password);
      // Offered in the menu, under 系统管理 beside the audit log.
      const menu = page.locator('[data-test="side-menu"]');
      const item = menu.locator(".el-menu-item", { hasText: /^\s*签名密钥\s*$/ });
      await menu.waitFor();
      if (!(await item.isVisible()))
        await menu.locator(".el-sub-menu__title", { hasText: "系统管理" }).click();
      await item.click();
      await page.waitForURL((url) => url.pathname === "/certificates/keys");
      await keyRows(page).first().waitFor();
      expect(await keyRows(page).count()).to.equal(1);
      const first = await keyRows(page).first().innerText();
      expect(first).to.include(before).and.include("签发中");
      // The suite by its name, never its wire code.
      expect(first).to.match(/Ed25519|SM2\/SM3/);
      expect(first).to.not.match(/ed25519|sm2-sm3/);
      await screenshot(page, "certificate-keys");

      await page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      const dialog = page.locator(".el-dialog", { hasText: "确认轮换证书签名密钥" });
      const note = await dialog.locator('[data-test="rotation-note"]').innerText();
      expect(note).to.include("新的签名密钥").and.include("仍可验证").and.include("并将公告至全国中心");
      expect(note).to.not.include("立即");
      // Before any rotation, the node's own lead (CERT_KEY_ROTATION_LEAD_HOURS=48), not a vague 提前公告期.
      expect(note).to.include("轮换后新密钥将于 48 小时后开始签发新证书，期间当前密钥继续签发");
      await screenshot(page, "certificate-keys-confirm");
      // A double click is one rotation: the second click neither rotates again nor is refused.
      const rotations: string[] = [];
      page.on("request", (req) => {
        if (req.method() === "POST" && new URL(req.url()).pathname === "/api/certificates/keys/rotate")
          rotations.push(req.url());
      });
      await dialog.getByRole("button", { name: "确认轮换" }).dblclick();

      const result = page.locator('[data-test="rotation-result"]');
      await result.waitFor();
      const rotatedTo = openKid();
      expect(rotatedTo).to.be.a("string").and.not.equal(before);
      expect(await result.innerText())
        .to.include(rotatedTo)
        .and.include(before)
        .and.include("全国中心");
      expect(rotations).to.have.length(1);
      expect(await page.locator('[data-test="rotation-error"]').count()).to.equal(0);

      // The list now holds both: the new key waits for its switch, the old one signs until then.
      await keyRows(page).nth(1).waitFor();
      const rows = await keyRows(page).allInnerTexts();
      expect(rows).to.have.length(2);
      expect(rows.find((r) => r.includes(String(rotatedTo)))).to.include("待启用");
      expect(rows.find((r) => r.includes(before))).to.include("签发中");
      const history = page.locator('[data-test="key-rotations"]');
      const entry = history.locator(".el-table__body tr", { hasText: String(rotatedTo) });
      await entry.waitFor();
      expect(await entry.innerText())
        .to.include(before)
        .and.include("赵管理")
        .and.include("手动轮换");
      expect(await page.locator('[data-test="key-rotations"] th', { hasText: "密钥用途" }).count()).to.equal(
        1,
      );
      await screenshot(page, "certificate-keys-rotated");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the rotation is refused or gets no answer, then the page says which in Chinese and the key list stays as it was", async () => {
    const admin = await createStaff(node, { roles: ["admin"] });
    const open = openKid();
    if (!open) throw new Error("the node has no certificate key");
    // Another instance's rotation of the open key, under way: the server refuses a second one.
    const claims = node.ctx.conn.collection<{ _id: string } & Record<string, unknown>>(
      "certificate_key_rotations",
    );
    const claimId = `${node.ctx.config.provinceCode}:certificate:${open}`;
    await claims.insertOne({
      _id: claimId,
      provinceCode: node.ctx.config.provinceCode,
      purpose: "certificate",
      fromKid: open,
      status: "rotating",
      scheduled: false,
      claimedAt: new Date(),
      actor: null,
    });
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await loginThroughForm(page, admin.username, admin.password);
      await page.goto("/certificates/keys");
      await keyRows(page).first().waitFor();
      const before = await keyRows(page).allInnerTexts();
      const confirm = async () => {
        await page.getByRole("button", { name: "轮换证书签名密钥" }).click();
        await page.locator(".el-dialog").getByRole("button", { name: "确认轮换" }).click();
      };

      await confirm();
      const refused = page.locator('[data-test="rotation-error"]');
      await refused.waitFor();
      expect(await refused.innerText())
        .to.include("未能轮换签名密钥")
        .and.include("正由其他管理员或定时轮换进行");
      expect(await page.locator('[data-test="rotation-result"]').count()).to.equal(0);
      expect(await keyRows(page).allInnerTexts()).to.deep.equal(before);
      await screenshot(page, "certificate-keys-refused");

      // No answer: the page cannot know whether the key was rotated, and says to look first.
      await page.route("**/api/certificates/keys/rotate", (route) => route.abort("connectionfailed"));
      await confirm();
      await refused.getByText("不能确定本次是否已轮换").waitFor();
      expect(openKid()).to.equal(open);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
      await claims.deleteOne({ _id: claimId });
    }
  });

  it("when another admin rotated the key after this page read the list, then confirming is refused, the page says the key was already changed and lists the new key", async () => {
    const first = await createStaff(node, { roles: ["admin"], displayName: "钱管理" });
    const second = await createStaff(node, { roles: ["admin"], displayName: "孙管理" });
    const seen = openKid();
    if (!seen) throw new Error("the node has no certificate key");
    const stale = await openContext(browser, node.url, { viewport: { width: 1366, height: 900 } });
    const fresh = await openContext(browser, node.url);
    try {
      // Both admins have the page open on the same key list.
      for (const [ctx, who] of [
        [stale, first],
        [fresh, second],
      ] as const) {
        await loginThroughForm(ctx.page, who.username, who.password);
        await ctx.page.goto("/certificates/keys");
        await keyRows(ctx.page).first().waitFor();
      }
      const rowsSeen = await keyRows(stale.page).count();
      // The stale page's dialog is opened before the other rotation and shows the key then open.
      await stale.page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      const dialog = stale.page.locator(".el-dialog", { hasText: "确认轮换证书签名密钥" });
      await dialog.waitFor();
      expect(await dialog.innerText()).to.include(seen);
      // The node's lead (CERT_KEY_ROTATION_LEAD_HOURS=48), as before the first rotation.
      expect(await dialog.locator('[data-test="rotation-note"]').innerText()).to.include(
        "将于 48 小时后开始签发新证书",
      );
      await screenshot(stale.page, "certificate-keys-confirm-stale");

      await fresh.page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      await fresh.page.locator(".el-dialog").getByRole("button", { name: "确认轮换" }).click();
      await fresh.page.locator('[data-test="rotation-result"]').waitFor();
      const made = openKid();
      expect(made).to.be.a("string").and.not.equal(seen);
      // The key replaced was still waiting: it is not named as the one that signed until now.
      expect(await fresh.page.locator('[data-test="rotation-result"]').innerText())
        .to.include(`尚未启用的密钥 ${seen} 已被替换`)
        .and.not.include(`原密钥 ${seen} 签发`);

      await dialog.getByRole("button", { name: "确认轮换" }).click();
      const refused = stale.page.locator('[data-test="rotation-error"]');
      await refused.waitFor();
      expect(await refused.innerText())
        .to.include("未能轮换签名密钥")
        .and.include("已被更换")
        .and.include("刷新后的密钥列表");
      expect(await stale.page.locator('[data-test="rotation-result"]').count()).to.equal(0);
      // The key the other admin made is untouched, and the refreshed list shows it.
      expect(openKid()).to.equal(made);
      await keyRows(stale.page).nth(rowsSeen).waitFor();
      expect(await keyRows(stale.page).count()).to.equal(rowsSeen + 1);
      const staleRows = await keyRows(stale.page).allInnerTexts();
      expect(staleRows.find((r) => r.includes(String(made)))).to.include("待启用");
      // The key the other rotation replaced before its switch is not 待启用 any more.
      expect(staleRows.find((r) => r.includes(seen))).to.include("已被替换（未启用）");
      await screenshot(stale.page, "certificate-keys-changed-since-viewed");
      expect(stale.errors).to.deep.equal([]);
      expect(fresh.errors).to.deep.equal([]);
    } finally {
      await stale.context.close();
      await fresh.context.close();
    }
  });

  it("when a province admin ticks 密钥已泄露，立即停用旧密钥 and confirms, then the request says immediate, the new key signs at once and the old keys stop now", async () => {
    const admin = await createStaff(node, { roles: ["admin"], displayName: "李管理" });
    const before = openKid();
    if (!before) throw new Error("the node has no certificate key");
    const { context, page, errors } = await openContext(browser, node.url, {
      viewport: { width: 1366, height: 900 },
    });
    try {
      await loginThroughForm(page, admin.username, admin.password);
      await page.goto("/certificates/keys");
      await keyRows(page).first().waitFor();
      const bodies: unknown[] = [];
      page.on("request", (req) => {
        if (req.method() === "POST" && new URL(req.url()).pathname === "/api/certificates/keys/rotate")
          bodies.push(req.postDataJSON());
      });
      await page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      const dialog = page.locator(".el-dialog", { hasText: "确认轮换证书签名密钥" });
      await dialog.locator('[data-test="rotation-note"]').waitFor();
      await dialog.getByText("密钥已泄露，立即停用旧密钥").click();
      // The lead's note gives way to what an immediate rotation does: no 48 hours any more.
      const note = dialog.locator('[data-test="rotation-immediate-note"]');
      expect(await note.innerText())
        .to.include("旧密钥从此刻起停止签发")
        .and.include("待全国中心收录新密钥后才签发（通常几秒钟）");
      expect(await dialog.locator('[data-test="rotation-note"]').count()).to.equal(0);
      expect(await dialog.innerText()).to.not.include("48 小时");
      await screenshot(page, "certificate-keys-confirm-immediate");
      await dialog.getByRole("button", { name: "确认轮换并立即停用旧密钥" }).click();

      const result = page.locator('[data-test="rotation-result"]');
      await result.waitFor();
      const made = openKid();
      expect(made).to.be.a("string").and.not.equal(before);
      expect(bodies).to.deep.equal([{ purpose: "certificate", expectKid: before, immediate: true }]);
      expect(await result.innerText())
        .to.include("已立即轮换证书签名密钥")
        .and.include(`${String(made)}，已立即启用`)
        .and.include(before)
        .and.include("已停止签发");
      // The new key signs now; the key seen open stops now, whether it was signing or still waiting.
      // Said within seconds, not at the page clock's next half-minute tick.
      await keyRows(page)
        .filter({ hasText: String(made) })
        .filter({ hasText: "签发中" })
        .waitFor({ timeout: 5_000 });
      const rows = await keyRows(page).allInnerTexts();
      expect(rows.filter((r) => r.includes("签发中") && !r.includes("已停止签发"))).to.have.length(1);
      expect(rows.find((r) => r.includes(before))).to.match(/已停止签发|已被替换（未启用）/);
      const entry = page.locator('[data-test="key-rotations"] .el-table__body tr', { hasText: String(made) });
      await entry.waitFor();
      expect(await entry.innerText())
        .to.include("立即轮换")
        .and.include("李管理");
      await screenshot(page, "certificate-keys-rotated-immediate");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the node's lead cannot be read, then the confirmation says so with 重试 and 确认轮换 waits until it is read", async () => {
    const admin = await createStaff(node, { roles: ["admin"] });
    const open = openKid();
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await loginThroughForm(page, admin.username, admin.password);
      const refuse = (route: Route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "unavailable", message: "服务暂不可用" } }),
        });
      await page.route("**/api/certificates/keys/rotation", refuse);
      await page.goto("/certificates/keys");
      await keyRows(page).first().waitFor();
      await page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      const dialog = page.locator(".el-dialog", { hasText: "确认轮换证书签名密钥" });
      await dialog.getByText("未能读取提前公告期").waitFor();
      expect(await dialog.locator('[data-test="rotation-note"]').count()).to.equal(0);
      expect(await dialog.locator('[data-test="rotate-confirm"]').isDisabled()).to.equal(true);
      await screenshot(page, "certificate-keys-lead-unread");

      await page.unroute("**/api/certificates/keys/rotation", refuse);
      await dialog.getByRole("button", { name: "重试" }).click();
      await dialog.locator('[data-test="rotation-note"]').getByText("将于 48 小时后开始签发新证书").waitFor();
      expect(await dialog.locator('[data-test="rotate-confirm"]').isDisabled()).to.equal(false);
      expect(openKid()).to.equal(open);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a city-level admin or an officer signs in, then 签名密钥 is not offered and its address is refused", async () => {
    const city = await createStaff(node, { roles: ["admin"], divisionCode: "320100" });
    const officer = await createStaff(node, { roles: ["officer"] });
    for (const who of [city, officer]) {
      const { context, page, errors } = await openContext(browser, node.url);
      try {
        await loginThroughForm(page, who.username, who.password);
        const menu = page.locator('[data-test="side-menu"]');
        await menu.locator(".el-menu-item").first().waitFor({ state: "attached" });
        expect(await menu.getByText("签名密钥", { exact: true }).count(), who.username).to.equal(0);
        await page.goto("/certificates/keys");
        await page.getByText("无权访问").waitFor();
        expect(await page.getByRole("button", { name: "轮换证书签名密钥" }).count()).to.equal(0);
        if (who === city) await screenshot(page, "certificate-keys-city-admin");
        expect(errors).to.deep.equal([]);
      } finally {
        await context.close();
      }
    }
  });
});
