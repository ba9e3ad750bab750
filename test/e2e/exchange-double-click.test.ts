import { expect } from "chai";
import type { Browser, Page, Request, Route } from "playwright-core";
import { staffAgent, type AuthedAgent } from "../helpers/auth.js";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";
import { eventually } from "../helpers/eventually.js";
import { aCertificateHolder, aTransferAskedOf } from "../integration/exchange/transfers.js";
import { contextAs } from "./exam-fixtures.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * An office's answer to a transfer (同意) and its withdrawal (撤回) in the browser, pressed twice:
 * a double click, a click while the first is on its way, a second tab showing the case as it was.
 * Each gives one action — one request, one audit entry, one message to the hub — the button is
 * disabled while the action is pending, and a press the server refuses says why in Chinese and
 * shows the case as it now stands.
 */
describe("case page: an answer or withdrawal pressed twice (browser, hub + two provinces)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;
  let js: AuthedAgent;
  let bj: AuthedAgent;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    const env = { CLIENT_DIST: dist, CERT_AUTO_ISSUE: "true", EXCHANGE_POLL_MS: "200" };
    jiangsu = await aProvinceOfHub(hub, "320000", env);
    beijing = await aProvinceOfHub(hub, "110000", env);
    js = await staffAgent(jiangsu, {
      roles: ["officer"],
      divisionCode: "320000",
      displayName: "江苏省厅业务员",
    });
    bj = await staffAgent(beijing, {
      roles: ["officer"],
      divisionCode: "110000",
      displayName: "北京市厅业务员",
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([beijing?.stop(), jiangsu?.stop()]);
    await hub?.node.stop();
  });

  const audits = (node: Node, caseId: string, action: string) =>
    node.ctx.conn.collection("audit_log").countDocuments({ "target.id": caseId, action });
  /** The signed messages the hub took for the case's `step` (one message-log line per request). */
  const hubMessages = (caseId: string, step: string) =>
    hub.node.ctx.conn
      .collection("message_log")
      .countDocuments({
        direction: "in",
        method: "POST",
        target: `/api/hub/v1/exchange/cases/${caseId}/${step}`,
      });
  const hubState = async (caseId: string) =>
    (await hub.node.ctx.conn.collection("exchange_cases").findOne({ caseId }))?.state as string | undefined;

  /** The POSTs the page sent to `path`, counted as the browser sends them. */
  function postsTo(page: Page, path: string): { count: () => number } {
    let n = 0;
    page.on("request", (r: Request) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === path) n++;
    });
    return { count: () => n };
  }

  /** Holds the page's requests to `path` until `release()`, so the press stays pending. */
  async function holdRequests(page: Page, path: string): Promise<{ release: () => void }> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await page.route(`**${path}`, async (route: Route) => {
      await released;
      await route.continue();
    });
    return { release };
  }

  it("when 江苏's officer double-clicks 确认 on 北京's transfer, then one agreement is sent: one request, one audit entry, one message to the hub", async () => {
    const holder = await aCertificateHolder(hub, jiangsu);
    const caseId = await aTransferAskedOf(js, bj, holder);
    const { context, page, errors } = await contextAs(browser, jiangsu.url, js);
    try {
      const path = `/api/exchange/cases/${caseId}/answer`;
      const posts = postsTo(page, path);
      await page.goto(`/exchange/cases/${caseId}`);
      const confirm = page.locator('[data-test="case-acknowledge"]');
      await confirm.waitFor();
      await confirm.dblclick();
      await page.locator('[data-test="case-state"]').getByText("已确认").waitFor();
      expect(await page.locator('[data-test="case-failure"]').count()).to.equal(0);
      expect(await confirm.count()).to.equal(0);
      expect(posts.count()).to.equal(1);
      expect(await audits(jiangsu, caseId, "exchange.transfer.acknowledged")).to.equal(1);
      await eventually(async () => (await hubState(caseId)) === "acknowledged");
      expect(await hubMessages(caseId, "answer")).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when 北京's officer double-clicks the withdrawal of a transfer and clicks again while it is pending, then the button is disabled meanwhile and one withdrawal is sent", async () => {
    const holder = await aCertificateHolder(hub, jiangsu);
    const caseId = await aTransferAskedOf(js, bj, holder);
    const { context, page, errors } = await contextAs(browser, beijing.url, bj);
    try {
      const path = `/api/exchange/cases/${caseId}/end`;
      const posts = postsTo(page, path);
      await page.goto(`/exchange/cases/${caseId}`);
      await page.locator('[data-test="case-end"]').click();
      await page.locator(".el-form-item", { hasText: "撤回日期" }).locator("input").fill("2026年12月5日");
      await page.keyboard.press("Enter");
      await page.locator(".el-form-item", { hasText: "原因" }).locator("input").fill("申请人撤回转籍申请");
      const held = await holdRequests(page, path);
      const submit = page.getByRole("button", { name: "撤回并告知原籍省份" });
      await submit.dblclick();
      // Pending: the button shows it is working and takes no further press.
      await eventually(async () => posts.count() === 1);
      expect(await submit.isDisabled()).to.equal(true);
      await submit.click({ force: true });
      await screenshot(page, "exchange-withdrawal-pending");
      held.release();
      await page.locator('[data-test="case-state"]').getByText("已终止").waitFor();
      expect(await page.locator('[data-test="case-failure"]').count()).to.equal(0);
      // Counted once the case is terminal: the press while pending sent nothing further.
      expect(posts.count()).to.equal(1);
      expect(await audits(beijing, caseId, "exchange.transfer.ended")).to.equal(1);
      await eventually(async () => (await hubState(caseId)) === "ended");
      expect(await hubMessages(caseId, "end")).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a second tab of 江苏's office presses 确认 on a transfer the first tab already agreed to, then it is refused in Chinese and the tab shows the agreement, with nothing sent twice", async () => {
    const holder = await aCertificateHolder(hub, jiangsu);
    const caseId = await aTransferAskedOf(js, bj, holder);
    const first = await contextAs(browser, jiangsu.url, js);
    const second = await contextAs(browser, jiangsu.url, js);
    try {
      for (const tab of [first.page, second.page]) {
        await tab.goto(`/exchange/cases/${caseId}`);
        await tab.locator('[data-test="case-acknowledge"]').waitFor();
      }
      await first.page.locator('[data-test="case-acknowledge"]').click();
      await first.page.locator('[data-test="case-state"]').getByText("已确认").waitFor();

      await second.page.locator('[data-test="case-acknowledge"]').click();
      const failure = second.page.locator('[data-test="case-failure"]');
      await failure.waitFor();
      // Answered elsewhere is no failure to fix, but this press did nothing: a warning says who
      // handled it and how it stands, once, without a red toast.
      await failure.getByText("该事项已由江苏省厅业务员处理（已确认），您的操作未执行。", { exact: true }).waitFor();
      expect(await failure.getAttribute("class")).to.include("el-alert--warning");
      expect(await second.page.locator(".el-message--error").count()).to.equal(0);
      // The tab no longer offers a press that can only be refused: it shows the case as it is.
      await second.page.locator('[data-test="case-state"]').getByText("已确认").waitFor();
      expect(await second.page.locator('[data-test="case-acknowledge"]').count()).to.equal(0);
      await screenshot(second.page, "exchange-case-answered-elsewhere");
      expect(await audits(jiangsu, caseId, "exchange.transfer.acknowledged")).to.equal(1);
      await eventually(async () => (await hubState(caseId)) === "acknowledged");
      expect(await hubMessages(caseId, "answer")).to.equal(1);
      expect([...first.errors, ...second.errors]).to.deep.equal([]);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });
});
