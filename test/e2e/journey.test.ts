import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { certificateKeysOf } from "../../scripts/demo-hub-registration.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { anotherInstance, aPass } from "../integration/certificates/support.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** An Element Plus input by its data-test (the attribute lands on the input itself or its wrapper). */
const field = (page: Page, name: string) =>
  page.locator(`input[data-test="${name}"], [data-test="${name}"] input`).first();

/**
 * The story across the network in one browser run, built up step by step: a 江苏 pass becomes a
 * certificate an officer issues and downloads, its QR verifies on 北京's public page through the
 * hub's trust list, the certificate reaches the hub, and a 北京 officer looks the practitioner up
 * with a reason and files them; 江苏 acknowledges. Not yet in the browser: registration,
 * scheduling, check-in and the exam itself (the pass is delivered as exam.passed; the exam-room
 * and proctor tests cover those pages) and the hub's monthly report.
 */
describe("the journey across hub, 江苏 and 北京 (browser)", function () {
  this.timeout(240_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    const env = { CLIENT_DIST: dist, EXCHANGE_POLL_MS: "200", CERT_TRUST_DEMO: "false" };
    jiangsu = await aProvinceOfHub(hub, "320000", { ...env, CERT_SUITE: "sm2-sm3" });
    beijing = await aProvinceOfHub(hub, "110000", { ...env, CERT_SUITE: "ed25519" });
    const identity = (await (await fetch(`${jiangsu.url}/api/sharing/identity`)).json()) as {
      publicKey: string;
    };
    await hub.registry.register({
      provinceCode: "320000",
      name: "江苏",
      nodeKey: identity.publicKey,
      certificateKeys: (await certificateKeysOf(jiangsu.url)) as Parameters<
        TestHub["registry"]["register"]
      >[0]["certificateKeys"],
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await beijing?.stop();
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  async function as(node: Node, divisionCode: string, displayName: string) {
    const staff = await createStaff(node, { roles: ["officer"], divisionCode, displayName });
    const { context, page, errors } = await openContext(browser, node.url, {
      viewport: { width: 1366, height: 900 },
    });
    await loginThroughForm(page, staff.username, staff.password);
    return { page, errors, close: () => context.close() };
  }

  it("when 江苏 issues a certificate, then 北京 verifies its QR through the hub, looks the holder up at the hub with a reason, files them, and 江苏 acknowledges", async () => {
    const pass = await aPass(jiangsu);
    await anotherInstance(jiangsu).facade.issuance.onExamPassed(pass);
    const js = await as(jiangsu, "320000", "江苏省厅业务员");
    const bj = await as(beijing, "110105", "朝阳区业务员");
    try {
      // 江苏: issue and download the certificate.
      await js.page.goto("/certificates/issuances");
      const row = js.page.locator(".el-table__row", { hasText: pass.idNumber });
      await row.getByRole("button", { name: "发证", exact: true }).click();
      await row.waitFor({ state: "detached" });
      await js.page.goto(`/certificates/${pass.idNumber}`);
      const download = js.page.waitForEvent("download");
      await js.page.getByRole("button", { name: "下载 PDF" }).click();
      expect((await (await download).path()) ?? "").to.not.equal("");
      await screenshot(js.page, "journey-1-certificate");

      // Anyone at 北京: the SM2 QR verifies against the hub-signed national list.
      const stored = await jiangsu.ctx.conn
        .collection("certificates")
        .findOne({ certificateNo: pass.idNumber });
      await bj.page.goto("/verify");
      await bj.page.locator('[data-test="qr-text"]').fill((stored?.signature as { qr: string }).qr);
      await bj.page.locator('[data-test="verify"]').click();
      await bj.page.locator('[data-test="verdict"]').getByText("证书真实有效").first().waitFor();
      expect(await bj.page.locator(".el-descriptions").textContent())
        .to.include("江苏省")
        .and.include("SM2");
      await screenshot(bj.page, "journey-2-verify-at-beijing");

      // 北京: the certificate has reached the hub; look it up for filing and file.
      await bj.page.goto("/exchange/new");
      await field(bj.page, "lookup-id-number").fill(pass.idNumber);
      await field(bj.page, "lookup-case").fill("朝阳备〔2026〕88号");
      let found = false;
      for (let i = 0; i < 40 && !found; i++) {
        await bj.page.locator('[data-test="lookup-submit"]').click();
        found = await bj.page
          .getByRole("button", { name: "选择" })
          .waitFor({ timeout: 1_000 })
          .then(() => true)
          .catch(() => false);
      }
      expect(found, "the hub answers the lookup with 江苏's certificate").to.equal(true);
      await screenshot(bj.page, "journey-3-lookup");
      await bj.page.getByRole("button", { name: "选择" }).click();
      await field(bj.page, "filing-employer").fill("北京顺达客运有限公司");
      await bj.page.locator(".el-form-item", { hasText: "开始从业日期" }).locator("input").fill("2026-12-01");
      await bj.page.keyboard.press("Enter");
      await field(bj.page, "filing-licence").fill(pass.idNumber);
      await field(bj.page, "filing-phone").fill("010-88886666");
      await bj.page.locator('[data-test="exchange-submit"]').click();
      await bj.page.locator('[data-test="case-state"]').getByText("已发送").waitFor();
      const caseId = bj.page.url().split("/").at(-1)!;
      await screenshot(bj.page, "journey-4-filing-sent");

      // 江苏: the filing arrives in the in-box and is acknowledged.
      await js.page.goto(`/exchange/cases/${caseId}`);
      for (let i = 0; i < 50; i++) {
        if (await js.page.locator('[data-test="case-acknowledge"]').isVisible()) break;
        await new Promise((r) => setTimeout(r, 300));
        await js.page.reload();
      }
      await js.page.locator('[data-test="case-acknowledge"]').click();
      await js.page.locator('[data-test="case-state"]').getByText("已确认").waitFor();
      await screenshot(js.page, "journey-5-acknowledged");
      expect(js.errors).to.deep.equal([]);
      expect(bj.errors).to.deep.equal([]);
    } finally {
      await bj.close();
      await js.close();
    }
  });
});
