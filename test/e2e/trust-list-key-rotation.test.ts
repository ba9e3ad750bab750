import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { createAuditService } from "../../server/audit/index.js";
import { createNodeSigning } from "../../server/certificates/index.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startCertNode, type TestNode } from "../integration/certificates/support.js";

/** The rows of a table of the 签名密钥 page (`data-test`), each row's text. */
const rowsOf = (page: Page, table: string) => page.locator(`[data-test="${table}"] .el-table__body tr`);

/**
 * 签名密钥 on a node with no rotation lead (CERT_KEY_ROTATION_LEAD_HOURS=0): rotating the trust-list
 * key (POST /api/certificates/keys/rotate, purpose trust-list, as `npm run cert:rotate-key
 * -- --purpose=trust-list`) from the page, and what the page says after a certificate key rotation
 * that takes effect at once.
 */
describe("the signing keys page: the trust-list key, and a rotation with no lead (browser)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    node = await startCertNode({ CLIENT_DIST: dist, CERT_KEY_ROTATION_LEAD_HOURS: "0" });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  /** The key of `purpose` the node now holds open, as a rotation leaves it. */
  const openKid = (purpose: "certificate" | "trust-list") =>
    createNodeSigning(node.ctx.conn, node.ctx.config, {
      audit: createAuditService(node.ctx.conn),
      logger: node.ctx.logger,
    }).signing.openKey(purpose)?.kid;

  it("when a province admin rotates the trust-list key from the page, then after a red confirmation saying what it does the page names the new key, lists it as 签署中 and lists the rotation", async () => {
    const admin = await createStaff(node, { roles: ["admin"], displayName: "周管理" });
    const before = openKid("trust-list");
    if (!before) throw new Error("the node has no trust-list key");
    const certificateKey = openKid("certificate");
    const { context, page, errors } = await openContext(browser, node.url, {
      viewport: { width: 1366, height: 900 },
    });
    try {
      await loginThroughForm(page, admin.username, admin.password);
      await page.goto("/certificates/keys");
      await rowsOf(page, "trust-list-keys").first().waitFor();
      expect(await rowsOf(page, "trust-list-keys").allInnerTexts()).to.have.length(1);
      expect(await rowsOf(page, "trust-list-keys").first().innerText())
        .to.include(before)
        .and.include("签署中");
      const open = page.locator('[data-test="rotate-trust-list"]');
      expect(await open.innerText()).to.include("轮换信任列表签名密钥");
      expect(await open.getAttribute("class")).to.include("el-button--danger");

      // What it does, before it is done: at once, not announced to the hub, pinned peers must act.
      const box = page.locator(".el-message-box", { hasText: "确认轮换信任列表签名密钥" });
      await open.click();
      await box.waitFor();
      expect(await box.innerText())
        .to.include("无提前公告期")
        .and.include("不公告至全国中心")
        .and.include("CERT_PEER_ANCHORS")
        .and.include(before);
      const confirm = box.getByRole("button", { name: "确认轮换" });
      expect(await confirm.getAttribute("class")).to.include("el-button--danger");
      await screenshot(page, "certificate-keys-trust-list-confirm");
      // 取消 rotates nothing.
      await box.getByRole("button", { name: "取消" }).click();
      await box.waitFor({ state: "hidden" });
      expect(openKid("trust-list")).to.equal(before);

      await open.click();
      await box.waitFor();
      await confirm.click();
      const result = page.locator('[data-test="rotation-result"]');
      await result.waitFor();
      const rotatedTo = openKid("trust-list");
      expect(rotatedTo).to.be.a("string").and.not.equal(before);
      expect(await result.innerText())
        .to.include("已轮换信任列表签名密钥")
        .and.include(String(rotatedTo))
        .and.include(before)
        .and.include("已立即用于签署本省信任列表");
      expect(await page.locator('[data-test="rotation-error"]').count()).to.equal(0);
      // The certificate key is untouched, and the list verifiers read is signed by the new key.
      expect(openKid("certificate")).to.equal(certificateKey);
      const list = (await (await fetch(`${node.url}/api/certificates/trust-list`)).json()) as {
        signer: { kid: string };
      };
      expect(list.signer.kid).to.equal(rotatedTo);

      await rowsOf(page, "trust-list-keys").nth(1).waitFor();
      const rows = await rowsOf(page, "trust-list-keys").allInnerTexts();
      expect(rows.find((r) => r.includes(String(rotatedTo))))
        .to.include("签署中")
        .and.include("新");
      expect(rows.find((r) => r.includes(before))).to.include("已停止签署（仍为信任锚）");
      const entry = rowsOf(page, "key-rotations").filter({ hasText: String(rotatedTo) });
      await entry.waitFor();
      expect(await entry.innerText())
        .to.include("信任列表签名密钥")
        .and.include(before)
        .and.include("周管理")
        .and.include("手动轮换");
      await screenshot(page, "certificate-keys-trust-list-rotated");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the node has no lead and the certificate key is rotated, then the page says the new key is in use at once and the old one stopped", async () => {
    const admin = await createStaff(node, { roles: ["admin"] });
    const before = openKid("certificate");
    if (!before) throw new Error("the node has no certificate key");
    const { context, page, errors } = await openContext(browser, node.url);
    try {
      await loginThroughForm(page, admin.username, admin.password);
      await page.goto("/certificates/keys");
      await rowsOf(page, "certificate-keys").first().waitFor();
      await page.getByRole("button", { name: "轮换证书签名密钥" }).click();
      const dialog = page.locator(".el-dialog", { hasText: "确认轮换证书签名密钥" });
      await dialog.locator('[data-test="rotation-note"]').getByText("立即开始签发新证书").waitFor();
      await dialog.getByRole("button", { name: "确认轮换" }).click();

      const result = page.locator('[data-test="rotation-result"]');
      await result.waitFor();
      const rotatedTo = openKid("certificate");
      expect(rotatedTo).to.be.a("string").and.not.equal(before);
      const text = await result.innerText();
      expect(text)
        .to.include(`已生成新的签名密钥 ${rotatedTo}，新密钥已立即启用`)
        .and.include(`原密钥 ${before} 同时停止签发`);
      expect(text).to.not.include("提前公告期满后").and.not.include("尚未启用").and.not.include("此前仍由");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
