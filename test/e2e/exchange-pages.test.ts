import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { CollectionReceipt } from "../../server/contracts/hub.js";
import { createMessageLog, createNodeClient, loadOrCreateNodeKey } from "../../server/sharing/index.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, reloadUntilVisible, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { eventually } from "../helpers/eventually.js";
import { aCertificateRecord, aNewIdNumber, aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/** An Element Plus input by its data-test (the attribute lands on the input itself or its wrapper). */
const field = (page: Page, name: string) => page.locator(`input[data-test="${name}"], [data-test="${name}"] input`).first();

/**
 * The filing story in the browser across a hub and two province nodes: a 朝阳区 officer in 北京
 * looks a 江苏 practitioner up with reason filing and files them; the 江苏 province officer finds
 * the filing in the in-box and acknowledges it; 北京 sees it acknowledged; 江苏's practitioner
 * page lists the filing and the lookup.
 */
describe("cross-province exchange pages (browser, hub + two provinces)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;
  const idNumber = aNewIdNumber("320102");

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    const env = { CLIENT_DIST: dist, EXCHANGE_POLL_MS: "200" };
    jiangsu = await aProvinceOfHub(hub, "320000", env);
    beijing = await aProvinceOfHub(hub, "110000", env);
    // 江苏's certificate of the practitioner reaches the hub under 江苏's node key.
    const key = loadOrCreateNodeKey(jiangsu.ctx.config.nodeKey.dir);
    const client = createNodeClient({ key, peer: hub.peer, log: createMessageLog(jiangsu.ctx.conn) });
    const published = await client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: "e2e-exchange",
      records: [{ ...aCertificateRecord({ idNumber, name: "周师傅" }), issuingDivision: "320100" }],
    });
    expect(published.body.results[0]?.outcome).to.equal("accepted");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await beijing?.stop();
    await jiangsu?.stop();
    await hub?.node.stop();
  });

  async function as(node: Node, divisionCode: string, displayName: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const staff = await createStaff(node, { roles: ["officer"], divisionCode, displayName });
    const { context, page, errors } = await openContext(browser, node.url, { viewport: { width: 1366, height: 900 } });
    await loginThroughForm(page, staff.username, staff.password);
    return { page, errors, close: () => context.close() };
  }

  it("when 北京 files a 江苏 practitioner in the browser and 江苏 acknowledges, then both pages show acknowledged and the practitioner page lists filing and lookup", async () => {
    const bj = await as(beijing, "110105", "朝阳区业务员");
    const js = await as(jiangsu, "320000", "江苏省厅业务员");
    try {
      await bj.page.goto("/exchange/new");
      await bj.page.getByRole("heading", { name: "办理跨省业务" }).waitFor();
      await field(bj.page, "lookup-id-number").fill(idNumber);
      await field(bj.page, "lookup-case").fill("朝阳备〔2026〕17号");
      await bj.page.locator('[data-test="lookup-submit"]').click();
      await bj.page.getByRole("button", { name: "选择" }).click();
      // Sent empty, each field says what is wrong with it, in place and in plain Chinese.
      await bj.page.locator('[data-test="exchange-submit"]').click();
      const employerError = bj.page.locator(".el-form-item", { hasText: "用人单位" }).locator(".el-form-item__error");
      await employerError.waitFor();
      expect((await employerError.textContent())?.trim()).to.equal("不能为空");
      const dateError = bj.page.locator(".el-form-item", { hasText: "开始从业日期" }).locator(".el-form-item__error");
      expect((await dateError.textContent())?.trim()).to.equal("不能为空");
      // Every problem is under its own field (none left unlisted), and the form's problems are not
      // repeated by a toast that outlives them once the fields are put right.
      expect(await bj.page.locator(".el-form-item.is-error .el-form-item__label").allInnerTexts()).to.deep.equal([
        "用人单位",
        "开始从业日期",
        "驾驶证号",
        "联系电话",
      ]);
      const toast = bj.page.locator(".el-message--error");
      expect(await toast.count()).to.equal(0);
      // The fields the filing cannot go without say so before it is sent.
      expect(await bj.page.locator(".el-form-item.is-required .el-form-item__label").allInnerTexts()).to.deep.equal([
        "用人单位",
        "从业类别",
        "开始从业日期",
        "驾驶证号",
        "准驾车型",
        "联系电话",
      ]);
      await field(bj.page, "filing-employer").fill("北京顺达货运有限公司");
      // Typed as the pages write a day; the box shows it so, and the filing still sends the ISO day.
      const startDate = bj.page.locator(".el-form-item", { hasText: "开始从业日期" }).locator("input");
      await startDate.fill("2026年12月1日");
      await bj.page.keyboard.press("Enter");
      expect(await startDate.inputValue()).to.equal("2026年12月1日");
      await field(bj.page, "filing-licence").fill("320102199001011234");
      await field(bj.page, "filing-phone").fill("010-88886666");
      // Each field's problem goes as soon as that field is edited, before the form is sent again.
      expect(await bj.page.locator(".el-form-item.is-error").allInnerTexts()).to.deep.equal([]);
      await screenshot(bj.page, "exchange-filing-form");
      const filed = bj.page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/api/exchange/filings");
      await bj.page.locator('[data-test="exchange-submit"]').click();
      expect((await filed).postDataJSON().details.startDate).to.equal("2026-12-01");
      // 江苏 pulls on notification, so the case may already read 已送达 when its page loads.
      await bj.page.locator('[data-test="case-state"]').getByText(/^(已发送|已送达)$/).waitFor();
      // The refusal of the first press is over once the filing is sent: its toast does not follow it.
      await toast.waitFor({ state: "detached", timeout: 1_000 });
      // A case page sits under its menu group, as the lists do.
      expect((await bj.page.locator(".rc-staff__crumbs").innerText()).replace(/\s+/g, "")).to.equal("首页/跨省业务/跨省事项");
      // The day picked reads as the page's timestamps write their dates (年月日), not as ISO text.
      expect(await bj.page.locator(".el-descriptions").first().innerText()).to.match(/开始从业日期\s+2026年12月1日/);
      await screenshot(bj.page, "exchange-filing-sent");
      const caseId = bj.page.url().split("/").at(-1)!;

      // The in-box reads its list once on load; 江苏 pulls every EXCHANGE_POLL_MS, so reload.
      await reloadUntilVisible(js.page, "/exchange/inbox", js.page.getByText("周师傅"), "江苏's in-box lists the filing");
      await screenshot(js.page, "exchange-inbox");
      await js.page.goto(`/exchange/cases/${caseId}`);
      await js.page.locator('[data-test="case-acknowledge"]').click();
      await js.page.locator('[data-test="case-state"]').getByText("已确认").waitFor();
      await screenshot(js.page, "exchange-case-acknowledged");

      await eventually(
        async () => {
          await bj.page.goto(`/exchange/cases/${caseId}`);
          return (await bj.page.locator('[data-test="case-state"]').textContent())?.includes("已确认");
        },
        { what: "北京's case page shows the filing acknowledged", tries: 50, everyMs: 300 },
      );
      await screenshot(bj.page, "exchange-outbox-case-acknowledged");
      await bj.page.goto("/exchange/outbox");
      await bj.page.getByText("周师傅").waitFor();
      await screenshot(bj.page, "exchange-outbox");

      // An enforcement notice from the same 北京 officer, found with reason enforcement.
      await bj.page.goto("/exchange/new");
      await bj.page.getByRole("tab", { name: "违法抄告" }).click();
      await field(bj.page, "lookup-id-number").fill(idNumber);
      await field(bj.page, "lookup-case").fill("京交执〔2026〕118号");
      await bj.page.locator('[data-test="lookup-submit"]').click();
      await bj.page.getByRole("button", { name: "选择" }).click();
      const item = (label: string) => bj.page.locator(".el-form-item", { hasText: label }).locator("input, textarea").first();
      await item("处罚决定书文号").fill("京交执罚〔2026〕118号");
      // Chosen in the calendar (the 1st of the month it opens on, never a future day): the box shows
      // the day as the pages write it, the notice sends the ISO day.
      const [year, month] = await bj.page.evaluate((): [number, number] => [new Date().getFullYear(), new Date().getMonth() + 1]);
      const decidedOn = `${year}-${String(month).padStart(2, "0")}-01`;
      await item("决定日期").click();
      await bj.page.locator(".el-picker-panel:visible td.available").getByText("1", { exact: true }).click();
      expect(await item("决定日期").inputValue()).to.equal(`${year}年${month}月1日`);
      await item("法律依据").fill("《道路运输从业人员管理规定》第四十六条");
      await item("违法事实").fill("驾驶营运车辆连续驾驶超过4小时未休息");
      await item("记分").fill("3");
      await item("罚款").fill("200");
      // The decision as a PDF (told by its bytes), uploaded as it is picked.
      const decision = Buffer.concat([Buffer.from("%PDF-1.7\n% e2e\n", "latin1"), Buffer.alloc(2048, 0x20)]);
      await bj.page.locator(".rc-file-picker input[type=file]").setInputFiles({ name: "处罚决定书.pdf", mimeType: "application/pdf", buffer: decision });
      await bj.page.locator('[data-test="notice-documents"]').getByText("处罚决定书.pdf").waitFor();
      await screenshot(bj.page, "exchange-notice-form");
      const notified = bj.page.waitForRequest((r) => r.method() === "POST" && new URL(r.url()).pathname === "/api/exchange/notices");
      await bj.page.locator('[data-test="exchange-submit"]').click();
      expect((await notified).postDataJSON().details.decidedOn).to.equal(decidedOn);
      await bj.page.locator('[data-test="case-state"]').getByText(/^(已发送|已送达)$/).waitFor();
      await screenshot(bj.page, "exchange-notice-sent");
      const noticeId = bj.page.url().split("/").at(-1)!;
      const link = bj.page.locator('[data-test="case-document"]').getByRole("button", { name: "处罚决定书.pdf" });
      // Points with their unit; the document's digest is for checking a copy, shown on hover only.
      const shown = await bj.page.locator(".el-descriptions").first().innerText();
      expect(shown).to.match(/记分\s*3 分/);
      expect(shown).to.match(new RegExp(`决定日期\\s+${year}年${month}月1日`));
      expect(shown).not.to.match(/SHA-256|KB，/);
      await link.hover();
      await bj.page.locator(".el-popper", { hasText: "文件摘要：" }).waitFor();
      // Fetched by the page and saved under its Chinese name (Content-Disposition filename*).
      const [saved] = await Promise.all([bj.page.waitForEvent("download"), link.click()]);
      expect(saved.suggestedFilename()).to.equal("处罚决定书.pdf");
      expect((await readFile(await saved.path())).equals(decision)).to.equal(true);
      // 江苏 reads the same bytes through its own case page (fetched from the hub on first read).
      await eventually(
        async () => {
          await js.page.goto(`/exchange/cases/${noticeId}`);
          await js.page.locator('[data-test="case-state"]').waitFor();
          return js.page.locator('[data-test="case-document"] button').count();
        },
        { what: "江苏's case page links the notice's document", tries: 50, everyMs: 300 },
      );
      const sha256 = createHash("sha256").update(decision).digest("hex");
      const jsHref = `/api/exchange/cases/${noticeId}/documents/${sha256}`;
      // The document follows the notice to the hub: until 北京's node sent it, 江苏 is told to wait (409).
      const got = await eventually(
        async () => {
          const answer = await js.page.request.get(jsHref!);
          return answer.status() !== 409 && answer;
        },
        { what: "江苏 reads the notice's document", tries: 50, everyMs: 300 },
      );
      expect(got.status()).to.equal(200);
      expect(got.headers()["content-type"]).to.equal("application/pdf");
      expect(Buffer.from(await got.body()).equals(decision)).to.equal(true);
      const [jsSaved] = await Promise.all([
        js.page.waitForEvent("download"),
        js.page.locator('[data-test="case-document"]').getByRole("button", { name: "处罚决定书.pdf" }).click(),
      ]);
      expect(jsSaved.suggestedFilename()).to.equal("处罚决定书.pdf");
      expect((await readFile(await jsSaved.path())).equals(decision)).to.equal(true);
      // Entries the node wrote by itself say so, not by the name of a machine.
      const history = await js.page.locator('[data-test="case-history"]').innerText();
      expect(history).to.contain("本省系统（自动）");
      expect(history).not.to.contain("本省节点");
      await screenshot(js.page, "exchange-notice-received");

      // The escalation list is the province level's (the server refuses it below): offered to
      // 江苏's province officer, neither offered nor opened for 北京's county officer.
      await js.page.goto("/exchange/inbox");
      await js.page.locator('[data-test="side-menu"]').getByText("逾期督办").click();
      await js.page.getByRole("heading", { name: "逾期督办" }).waitFor();
      await screenshot(js.page, "exchange-escalations");
      await bj.page.goto("/exchange/outbox");
      await bj.page.locator('[data-test="side-menu"]').getByText("发出的跨省事项").waitFor();
      expect(await bj.page.locator('[data-test="side-menu"]').getByText("逾期督办").count()).to.equal(0);
      await bj.page.goto("/exchange/escalations");
      await bj.page.waitForURL(/\/forbidden/);
      // It says which level the page is for, not "ask your administrator for a role".
      await bj.page.locator(".rc-status").getByText("该页面仅供省级、部级运管机构使用。").waitFor();

      // 江苏 pulls every EXCHANGE_POLL_MS: reload until the notice is on the practitioner's page.
      const noticeRow = js.page.locator(".el-card", { hasText: "违法抄告" }).getByText("违法抄告", { exact: true }).nth(1);
      await eventually(
        async () => {
          await js.page.goto(`/practitioners/${idNumber}`);
          await js.page.getByText("在外省的备案").waitFor();
          return noticeRow.count();
        },
        { what: "江苏's practitioner page lists the notice", tries: 50, everyMs: 300 },
      );
      expect(await js.page.locator('[data-test="practitioner-credit"]').textContent()).to.contain("累计记分 3 分");
      await js.page.getByText("在外省的备案").waitFor();
      await js.page.locator('[data-test="practitioner-lookups"]').getByText("朝阳备〔2026〕17号").waitFor({ timeout: 20_000 });
      // Who looked, by name: 北京's officer, not their account id.
      const lookupRow = js.page.locator('[data-test="practitioner-lookups"] .el-table__row', { hasText: "朝阳备〔2026〕17号" });
      expect(await lookupRow.innerText()).to.include("朝阳区业务员");
      await screenshot(js.page, "exchange-practitioner-page");

      // 江苏 disputes the notice: 北京's officer is offered its withdrawal (撤回抄告), says why it is
      // offered, withdraws it, and 江苏 counts it no longer.
      await js.page.goto(`/exchange/cases/${noticeId}`);
      await js.page.getByRole("button", { name: "提出异议" }).click();
      await js.page.locator(".el-form-item", { hasText: "说明" }).locator("textarea").fill("处罚决定书文号与本省档案不符");
      await js.page.getByRole("button", { name: "发送异议" }).click();
      await js.page.locator('[data-test="case-state"]').getByText("有异议").waitFor();
      const withdraw = bj.page.locator('[data-test="case-end"]');
      await eventually(
        async () => {
          await bj.page.goto(`/exchange/cases/${noticeId}`);
          return (await bj.page.locator('[data-test="case-state"]').textContent())?.includes("有异议");
        },
        { what: "北京's case page shows the notice disputed", tries: 50, everyMs: 300 },
      );
      expect((await withdraw.innerText()).trim()).to.equal("撤回抄告");
      expect(await bj.page.locator('[data-test="case-dispute-hint"]').innerText()).to.contain("更正并重新抄告");
      await withdraw.click();
      const endItem = (label: string) => bj.page.locator(".el-form-item", { hasText: label }).locator("input").first();
      await endItem("撤回日期").fill(`${year}年${month}月1日`);
      await bj.page.keyboard.press("Enter");
      await endItem("原因").fill("处罚决定书文号有误，更正后重新抄告");
      await bj.page.getByRole("button", { name: "撤回并告知所属省份" }).click();
      await bj.page.locator('[data-test="case-state"]').getByText("已终止").waitFor();
      expect(await withdraw.count()).to.equal(0);
      await screenshot(bj.page, "exchange-notice-withdrawn");
      await eventually(
        async () => {
          await js.page.goto(`/practitioners/${idNumber}`);
          return (await js.page.locator('[data-test="practitioner-credit"]').textContent())?.includes("累计记分 0 分");
        },
        { what: "江苏's practitioner page no longer counts the withdrawn notice", tries: 50, everyMs: 300 },
      );

      // A refused read shows its reason once, in place of the page: no toast repeats it.
      await js.page.goto("/practitioners/12345");
      const refusal = js.page.locator(".el-alert");
      await refusal.waitFor();
      const reason = (await refusal.innerText()).trim();
      expect(reason).to.match(/身份证/);
      expect(await js.page.getByText(reason).count()).to.equal(1);
      expect(await js.page.locator(".el-message").count()).to.equal(0);
      expect(bj.errors).to.deep.equal([]);
      expect(js.errors).to.deep.equal([]);
    } finally {
      await bj.close();
      await js.close();
    }
  });
});
