import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { CaseDto } from "../../server/contracts/exchange.js";
import { createStaff, staffAgent } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";
import { aCertificateHolder, aLegacyRegisterHolder, anAgreedTransfer } from "../integration/exchange/transfers.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** Picks the holder's address by name, 北京市 › its city level › 朝阳区 (GB/T 2260 110105). */
async function pickAddress(page: Page): Promise<void> {
  const address = page.locator('[data-test="holder-address"]');
  const choose = async (select: string, name: string | null) => {
    const box = address.locator(`[data-test="${select}"]`);
    await box.click();
    // This select's own list (the one it names), not the previous one still fading out.
    const list = await box.locator('[role="combobox"]').getAttribute("aria-controls");
    const options = page.locator(`[id="${list}"] .el-select-dropdown__item`);
    await (name ? options.filter({ hasText: name }) : options).first().click();
  };
  await choose("address-province", "北京市");
  await choose("address-city", null);
  await choose("address-county", "朝阳区");
}

/**
 * The transfer issuance (转籍换发) button of the case page in the browser: 江苏 holds a certificate,
 * 北京 asks for the transfer and 江苏 agrees (through the API); 北京's officer opens the case, sees
 * 江苏's certificate that came with the agreement, issues, and the page shows the new certificate.
 */
describe("case page: issuance on an agreed transfer (browser, hub + two provinces)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    const env = { CLIENT_DIST: dist, CERT_AUTO_ISSUE: "true", EXCHANGE_POLL_MS: "200" };
    jiangsu = await aProvinceOfHub(hub, "320000", env);
    beijing = await aProvinceOfHub(hub, "110000", env);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([beijing?.stop(), jiangsu?.stop()]);
    await hub?.node.stop();
  });

  async function asBeijingOfficer(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const staff = await createStaff(beijing, { roles: ["officer"], divisionCode: "110000", displayName: "北京市厅业务员" });
    const { context, page, errors } = await openContext(browser, beijing.url, { viewport: { width: 1366, height: 900 } });
    await loginThroughForm(page, staff.username, staff.password);
    return { page, errors, close: () => context.close() };
  }

  it("when 北京's officer presses the issuance button on the agreed transfer, then the page shows 北京's new certificate and no longer offers the button", async () => {
    const holder = await aCertificateHolder(hub, jiangsu);
    const js = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
    const bjApi = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    const caseId = await anAgreedTransfer(js, bjApi, holder, hub);
    const bj = await asBeijingOfficer();
    try {
      await bj.page.goto(`/exchange/cases/${caseId}`);
      const button = bj.page.locator('[data-test="case-issue"]');
      await button.waitFor();
      await bj.page.getByText("原籍证书", { exact: true }).waitFor();
      // Until it is issued on, the transfer can be withdrawn; afterwards it cannot.
      const withdraw = bj.page.locator('[data-test="case-end"]');
      expect(await withdraw.textContent()).to.contain("撤回转籍");
      await screenshot(bj.page, "exchange-transfer-agreed");
      await button.click();
      const issued = bj.page.locator('[data-test="case-issued"]');
      const failure = bj.page.locator('[data-test="case-failure"]');
      await issued.or(failure).first().waitFor();
      await screenshot(bj.page, "exchange-transfer-issued");
      expect(await failure.allTextContents()).to.deep.equal([]);
      const after = (await (await bj.page.request.get(`/api/exchange/cases/${caseId}`)).json()) as CaseDto;
      expect(after.issued?.serial).to.be.a("string");
      expect(await issued.textContent()).to.contain(after.issued?.serial);
      expect(await button.count()).to.equal(0);
      expect(await withdraw.count()).to.equal(0);
      // 北京's file of the person lists the transfer it asked for as going to 江苏, not from 北京.
      await bj.page.goto(`/practitioners/${holder.idNumber}`);
      const transfers = bj.page.locator('[data-test="practitioner-transfers"] .el-table__row');
      await transfers.first().waitFor();
      expect(await transfers.first().innerText()).to.contain("发往 江苏省").and.not.contain("来自");
      await transfers.first().scrollIntoViewIfNeeded();
      await screenshot(bj.page, "exchange-practitioner-transfer-asked");
      expect(bj.errors).to.deep.equal([]);
    } finally {
      await bj.close();
    }
  });

  it("when the transfer is of a 江苏 legacy register holder, then the page asks for the holder's address and licence facts, refuses an incomplete form in place, and issues with them", async () => {
    const js = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
    const bjApi = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    const { idNumber, name } = await aLegacyRegisterHolder(js, { name: "赵旧档" });
    const caseId = await anAgreedTransfer(js, bjApi, { idNumber, name }, hub);
    const bj = await asBeijingOfficer();
    try {
      await bj.page.goto(`/exchange/cases/${caseId}`);
      const form = bj.page.locator('[data-test="case-holder-form"]');
      await form.waitFor();
      const button = bj.page.locator('[data-test="case-issue"]');
      // Nothing filled in: each field says what it needs, and nothing is issued.
      await button.click();
      await form.getByText("请选择准驾车型").waitFor();
      expect(await form.getByText("请选择住址所在的省、市、区县").count()).to.equal(1);
      expect(await bj.page.locator('[data-test="case-issued"]').count()).to.equal(0);

      await pickAddress(bj.page);
      await bj.page.locator('[data-test="holder-licence-class"]').click();
      await bj.page.getByRole("option", { name: "A2", exact: true }).click();
      await form.locator(".el-form-item", { hasText: "驾驶证初领日期" }).locator("input").fill("2012年5月1日");
      await bj.page.keyboard.press("Enter");
      // Each problem goes once its field is put right.
      await form.getByText("请选择准驾车型").waitFor({ state: "detached" });
      // (Element Plus keeps an emptied message element for its leave transition.)
      const shown = (await form.locator(".el-form-item__error").allTextContents()).filter((t) => t.trim());
      expect(shown).to.deep.equal([]);
      await screenshot(bj.page, "exchange-transfer-legacy-holder-form");
      await button.click();
      const issued = bj.page.locator('[data-test="case-issued"]');
      const failure = bj.page.locator('[data-test="case-failure"]');
      await issued.or(failure).first().waitFor();
      await screenshot(bj.page, "exchange-transfer-legacy-issued");
      expect(await failure.allTextContents()).to.deep.equal([]);
      const issuedDto = (await (await bj.page.request.get(`/api/certificates/${idNumber}`)).json()) as {
        certificate: { record: { holder: Record<string, unknown> } };
      };
      expect(issuedDto.certificate.record.holder).to.include({ addressDivisionCode: "110105", licenceClass: "A2", licenceFirstIssuedOn: "2012-05-01" });
      expect(bj.errors).to.deep.equal([]);
    } finally {
      await bj.close();
    }
  });

  it("when the legacy holder is an escort only (押运人员), then the page names the category, lets the licence be left out, and issues with the address alone", async () => {
    const js = await staffAgent(jiangsu, { roles: ["officer"], divisionCode: "320000" });
    const bjApi = await staffAgent(beijing, { roles: ["officer"], divisionCode: "110000" });
    const { idNumber, name } = await aLegacyRegisterHolder(js, { name: "钱旧押运", categoryCode: "03003" });
    const caseId = await anAgreedTransfer(js, bjApi, { idNumber, name }, hub);
    const bj = await asBeijingOfficer();
    try {
      await bj.page.goto(`/exchange/cases/${caseId}`);
      const form = bj.page.locator('[data-test="case-holder-form"]');
      await form.getByText("所转类别均无须驾驶证").waitFor();
      await bj.page.getByText("道路危险货物运输押运人员").first().waitFor();
      await pickAddress(bj.page);
      await screenshot(bj.page, "exchange-transfer-legacy-escort-form");
      await bj.page.locator('[data-test="case-issue"]').click();
      const issued = bj.page.locator('[data-test="case-issued"]');
      const failure = bj.page.locator('[data-test="case-failure"]');
      await issued.or(failure).first().waitFor();
      expect(await failure.allTextContents()).to.deep.equal([]);
      expect(await form.getByText("请选择准驾车型").count()).to.equal(0);
      const issuedDto = (await (await bj.page.request.get(`/api/certificates/${idNumber}`)).json()) as {
        certificate: { record: { holder: Record<string, unknown> } };
      };
      expect(issuedDto.certificate.record.holder).to.include({ addressDivisionCode: "110105" });
      expect(issuedDto.certificate.record.holder).not.to.have.any.keys("licenceClass", "licenceFirstIssuedOn");
      expect(bj.errors).to.deep.equal([]);
    } finally {
      await bj.close();
    }
  });
});
