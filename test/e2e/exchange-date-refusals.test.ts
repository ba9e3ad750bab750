import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { CaseDto } from "../../server/contracts/exchange.js";
import type { LookupAnswer } from "../../server/contracts/hub.js";
import { staffAgent, type AuthedAgent } from "../helpers/auth.js";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { zhDate } from "../helpers/zh-date.js";
import { aCertificateHolder } from "../integration/exchange/transfers.js";
import { aFiling } from "../integration/exchange/support.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";
import { contextAs, field } from "./exam-fixtures.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** A Beijing date `days` from now (the network's dates are Beijing dates). */
const beijingDay = (days: number) =>
  new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);

/** A day (`YYYY-MM-DD`) as the pickers show it and an officer types it, `2026年12月1日`. */
const typedDay = (day: string) => day.replace(/^(\d{4})-0?(\d{1,2})-0?(\d{1,2})$/, "$1年$2月$3日");

/**
 * A date the node refuses on an officer's exchange form (422 future_date / invalid_date: a penalty
 * decided after today, an ending before the filing started) is one field's problem: it shows under
 * that date, as the form's other field problems do, not as the page's general message above it.
 */
describe("exchange forms: a refused date under its field (browser, hub + two provinces)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;
  let bj: AuthedAgent;
  let holder: { idNumber: string; name: string };

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    const env = { CLIENT_DIST: dist, CERT_AUTO_ISSUE: "true", EXCHANGE_POLL_MS: "200" };
    jiangsu = await aProvinceOfHub(hub, "320000", env);
    beijing = await aProvinceOfHub(hub, "110000", env);
    bj = await staffAgent(beijing, {
      roles: ["officer"],
      divisionCode: "110105",
      displayName: "朝阳区业务员",
    });
    holder = await aCertificateHolder(hub, jiangsu);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([beijing?.stop(), jiangsu?.stop()]);
    await hub?.node.stop();
  });

  /** The form item labelled `label` (exactly) on `page`. */
  const item = (page: Page, label: string) =>
    page.locator(".el-form-item").filter({ has: page.locator(".el-form-item__label", { hasText: label }) });

  it("when an officer's notice names 2月30日 and then a penalty decided tomorrow, then 决定日期 refuses the first and says the second is late under itself, nothing above the form", async () => {
    const { context, page, errors } = await contextAs(browser, beijing.url, bj);
    try {
      await page.goto("/exchange/new");
      await page.getByRole("tab", { name: "违法抄告" }).click();
      await field(page, "lookup-id-number").fill(holder.idNumber);
      await field(page, "lookup-case").fill("京交执〔2026〕119号");
      await page.locator('[data-test="lookup-submit"]').click();
      await page.getByRole("button", { name: "选择" }).click();
      await item(page, "处罚决定书文号").locator("input").fill("京交执罚〔2026〕119号");
      // A day that does not exist is refused where it is typed, not read as 3月2日.
      await item(page, "决定日期").locator("input").fill("2026年2月30日");
      await page.keyboard.press("Enter");
      const refused = item(page, "决定日期").locator('[data-test="date-problem"]');
      await refused.waitFor({ timeout: 5_000 });
      expect((await refused.innerText()).trim()).to.equal("2026年2月30日：日期不存在");
      expect(await item(page, "决定日期").locator("input").inputValue()).to.not.equal("2026年3月2日");
      await screenshot(page, "exchange-notice-impossible-date");
      await item(page, "决定日期")
        .locator("input")
        .fill(typedDay(beijingDay(1)));
      await page.keyboard.press("Enter");
      await refused.waitFor({ state: "detached" });
      await item(page, "法律依据").locator("input").fill("《道路运输从业人员管理规定》第四十六条");
      await item(page, "违法事实").locator("textarea").fill("驾驶营运车辆连续驾驶超过4小时未休息");
      await item(page, "记分").locator("input").fill("3");
      await page.locator('[data-test="exchange-submit"]').click();

      const dateError = item(page, "决定日期").locator(".el-form-item__error");
      await dateError.waitFor();
      expect((await dateError.innerText()).trim()).to.equal("决定日期晚于今天");
      // Only the date is wrong, and the page's general message stays empty.
      expect(await page.locator(".el-form-item.is-error").count()).to.equal(1);
      expect(await page.locator(".el-alert", { hasText: "决定日期晚于今天" }).count()).to.equal(0);
      // Nor by a toast: the problem is said once, where it is.
      expect(await page.locator(".el-message--error").count()).to.equal(0);
      await screenshot(page, "exchange-notice-future-date");

      // Put right, the problem goes as the field is edited.
      await item(page, "决定日期")
        .locator("input")
        .fill(typedDay(beijingDay(-1)));
      await page.keyboard.press("Enter");
      await dateError.waitFor({ state: "detached" });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer ends a filing on a day before it started, then 终止日期 says so under itself and the case stays open", async () => {
    const found = await bj.agent
      .post("/api/sharing/lookups")
      .send({
        query: { by: "id_number", idNumber: holder.idNumber },
        reason: "filing",
        caseReference: "朝阳备〔2026〕18号",
      })
      .expect(200);
    const startDate = beijingDay(-5);
    const filed = await bj.agent.post("/api/exchange/filings").send({
      lookupId: (found.body as LookupAnswer).lookupId,
      practitioner: holder,
      details: aFiling({ startDate }),
    });
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const caseId = (filed.body as CaseDto).caseId;

    const { context, page, errors } = await contextAs(browser, beijing.url, bj);
    try {
      await page.goto(`/exchange/cases/${caseId}`);
      await page.locator('[data-test="case-end"]').click();
      await item(page, "终止日期")
        .locator("input")
        .fill(typedDay(beijingDay(-6)));
      await page.keyboard.press("Enter");
      await item(page, "原因").locator("input").fill("与用人单位解除劳动合同");
      await page.getByRole("button", { name: "终止并告知所属省份" }).click();

      const dateError = item(page, "终止日期").locator(".el-form-item__error");
      await dateError.waitFor();
      expect((await dateError.innerText()).trim()).to.equal(
        `终止日期早于备案的开始从业日期（${zhDate(startDate)}）`,
      );
      expect(await page.locator('[data-test="case-failure"]').count()).to.equal(0);
      expect(await page.locator(".el-message--error").count()).to.equal(0);
      expect(await page.locator('[data-test="case-state"]').innerText()).to.not.include("已终止");
      await screenshot(page, "exchange-ending-before-start");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
