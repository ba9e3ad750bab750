import { expect } from "chai";
import type { Browser } from "playwright-core";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { generateNodeKey } from "../../server/sharing/index.js";
import { startTestHub, type TestHub } from "../integration/hub/support.js";

/**
 * 省级节点与密钥 at the hub: each province's certificate keys with their suite by the one name the
 * certificate pages and the PDF use (client/src/shared/signature-suite.ts), never its wire code.
 */
describe("the hub's node and key list names signature suites (browser)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub({ CLIENT_DIST: dist });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.node.stop();
  });

  it("when a province registered an SM2/SM3 and an Ed25519 key, then the list names both suites as the certificates do", async () => {
    const validFrom = new Date(Date.now() - 86_400_000).toISOString();
    await hub.registry.register({
      provinceCode: "440000",
      name: "广东省",
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [
        { kid: "gd-sm2-1", suite: "sm2-sm3", publicKey: `B${"A".repeat(86)}`, validFrom },
        { kid: "gd-ed-1", suite: "ed25519", publicKey: "A".repeat(43), validFrom },
      ],
    });
    const operator = await createStaff(hub.node, { roles: ["hub_operator"] });
    const { context, page, errors } = await openContext(browser, hub.node.url);
    try {
      await loginThroughForm(page, operator.username, operator.password);
      await page.goto("/hub/nodes");
      const row = page.locator('[data-test="hub-nodes"] .el-table__row', { hasText: "广东省" });
      await row.getByText("gd-sm2-1").waitFor();
      const text = await row.innerText();
      expect(text).to.include("gd-sm2-1 · SM2/SM3").and.include("gd-ed-1 · Ed25519");
      expect(text).to.not.match(/sm2-sm3|ed25519|国密签名/);
      await screenshot(page, "hub-nodes-keys");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an operator clicks 停用 or registers a new key for a registered province, then each is confirmed first and 停用 says it was done", async () => {
    const old = generateNodeKey();
    const fresh = generateNodeKey();
    await hub.registry.register({
      provinceCode: "330000",
      name: "浙江省",
      nodeKey: old.publicKeyX,
      certificateKeys: [],
    });
    const operator = await createStaff(hub.node, { roles: ["hub_operator"] });
    const { context, page, errors } = await openContext(browser, hub.node.url);
    const status = async () => (await hub.registry.list()).find((n) => n.provinceCode === "330000");
    try {
      await loginThroughForm(page, operator.username, operator.password);
      await page.goto("/hub/nodes");
      const row = page.locator('[data-test="hub-nodes"] .el-table__row', { hasText: "浙江省" });
      await row.waitFor();
      const headers = await page.locator('[data-test="hub-nodes"] th').allInnerTexts();
      expect(headers.map((h) => h.trim())).to.include.members(["节点公钥指纹", "证书签名密钥"]);
      const box = page.locator(".el-message-box");

      // 停用: asked first; cancelling leaves the node active, confirming suspends it and says so.
      await row.getByRole("button", { name: "停用" }).click();
      expect(await box.innerText()).to.include("停用后浙江省节点将无法收发跨省事项，确认停用？");
      await screenshot(page, "hub-nodes-suspend-confirm");
      await box.getByRole("button", { name: "取消" }).click();
      expect((await status())?.status).to.equal("active");
      await row.getByRole("button", { name: "停用" }).click();
      await box.getByRole("button", { name: "确认停用" }).click();
      await page.locator(".el-message", { hasText: "已停用浙江省节点" }).waitFor();
      expect((await status())?.status).to.equal("suspended");

      // A new key for a registered province: both fingerprints shown; cancelling keeps the old key.
      await page.locator(".el-form-item", { hasText: "省份" }).locator(".el-select").click();
      await page.keyboard.type("浙江");
      await page.locator(".el-select-dropdown__item", { hasText: "浙江省" }).click();
      await page.getByPlaceholder("节点公钥（由省级节点提供，43 位字符）").fill(fresh.publicKeyX);
      await page.getByRole("button", { name: "登记" }).click();
      await box.waitFor();
      expect(await box.innerText())
        .to.include(`原公钥指纹：${old.keyId}`)
        .and.include(`新公钥指纹：${fresh.keyId}`);
      await screenshot(page, "hub-nodes-replace-key-confirm");
      await box.getByRole("button", { name: "取消" }).click();
      const current = async () => (await status())?.nodeKeys.find((k) => !k.retiredAt)?.keyId;
      expect(await current()).to.equal(old.keyId);
      await page.getByRole("button", { name: "登记" }).click();
      await box.getByRole("button", { name: "确认更换" }).click();
      await page.locator(".el-message", { hasText: "已登记" }).waitFor();
      expect(await current()).to.equal(fresh.keyId);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
