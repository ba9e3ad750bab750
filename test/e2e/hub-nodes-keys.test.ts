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
});
