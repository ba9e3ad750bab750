import { expect } from "chai";
import type { Browser } from "playwright-core";
import type {
  CollectionReceipt,
  MessageLogEntryDto,
  QualificationRecord,
  RegisteredNodeDto,
  RejectionEntryDto,
} from "../../server/contracts/hub.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { useTestDatabase } from "../helpers/database.js";
import { aNewIdNumber, aPassRecord, aRegisteredProvince, startTestHub, type TestHub } from "../integration/hub/support.js";
import { reasonLabel } from "../../client/src/shared/reason-labels.js";

const updateTimeAgo = (ms: number) =>
  new Date(Date.now() - ms + 8 * 3600_000).toISOString().replace(/[-:T]/g, "").slice(0, 14);

describe("hub monthly report and live dashboard pages (browser)", function () {
  this.timeout(180_000);
  const provinceDb = useTestDatabase("prov_report_e2e");
  let hub: TestHub;
  let browser: Browser;
  let login: { username: string; password: string };

  before(async function () {
    this.timeout(300_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub({ CLIENT_DIST: dist });
    const jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    const beijing = await aRegisteredProvince(hub, "110000", provinceDb.conn);
    const pass = (province: string, hoursAgo: number, extra: Partial<QualificationRecord> = {}): QualificationRecord => ({
      ...aPassRecord({ province, idNumber: aNewIdNumber(province === "320000" ? "320102" : "110101") }),
      updateTime: updateTimeAgo(hoursAgo * 3600_000),
      ...extra,
    });
    const send = (who: typeof jiangsu, records: unknown[]) =>
      who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", { batchId: `e2e-${Math.random()}`, records });
    await send(jiangsu, [pass("320000", 1), pass("320000", 2, { issuingDivision: "320100" }), pass("320000", 5), pass("320000", 30), { ...pass("320000", 1), issuingDivision: "329999" }]);
    await send(beijing, [pass("110000", 0.2), pass("110000", 0.5), { ...pass("110000", 1), exam: { categoryCode: "02001", passedOn: "2026-11-02", score: 50, passMark: 80, chainHash: "c".repeat(64) } }]);
    // Two filings 北京 → 江苏 (one answered in 40 minutes, one overdue) as the exchange stores them.
    const now = Date.now();
    const aCase = (n: number, kind: string, answeredAfterMs: number | null, deadline: number) => ({
      caseId: `e2e-${n}`, kind, fromProvince: "110000", toProvince: "320000", senderDivision: "110000", responsibleDivision: "320000",
      idNumber: aNewIdNumber(), lookupId: null, body: {}, bodyHash: "0".repeat(64), state: answeredAfterMs === null ? "delivered" : "acknowledged",
      sentAt: new Date(now - 2 * 3600_000), deliveredAt: new Date(now - 2 * 3600_000), deadlineAt: new Date(deadline),
      answeredAt: answeredAfterMs === null ? null : new Date(now - 2 * 3600_000 + answeredAfterMs), ack: null, endedAt: null, end: null,
      overdue: answeredAfterMs === null, escalatedAt: null,
    });
    await hub.node.ctx.conn.collection("exchange_cases").insertMany([aCase(1, "filing", 40 * 60_000, now + 86_400_000), aCase(2, "notice", null, now - 1000)]);
    const operator = await createStaff(hub.node, { roles: ["hub_operator"], displayName: "中心运维员" });
    login = { username: operator.username, password: operator.password };
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.node.stop();
  });

  it("when the operator opens 月度通报, then provinces appear by name with figures, charts and the score", async () => {
    const { context, page, errors } = await openContext(browser, hub.node.url, { viewport: { width: 1440, height: 900 } });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/report");
      const table = page.locator('[data-test="report-table"]');
      await table.getByText("江苏省").waitFor();
      await table.getByText("北京市").waitFor();
      expect(await table.getByText("未知行政区划 1").count()).to.equal(1);
      expect(await table.getByText("320000").count(), "codes stay out of the table").to.equal(0);
      expect(await page.locator(".chart canvas").count()).to.be.at.least(3);
      const exchange = page.locator('[data-test="report-exchange"]');
      expect(await exchange.getByText("逾期 1").count(), "江苏's overdue notice").to.equal(1);
      await screenshot(page, "hub-report");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the operator picks last month and publishes it, then it is listed with its hash and a download link, and the button says 已发布", async () => {
    const { context, page, errors } = await openContext(browser, hub.node.url, { viewport: { width: 1440, height: 900 } });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/report");
      await page.locator('[data-test="report-table"]').getByText("江苏省").waitFor();
      // The latest month whose exchange deadlines (240 h at most) and settling time have passed.
      const t = new Date(Date.now() - 240 * 3600_000 - 15 * 60_000 + 8 * 3600_000);
      const lastMonth = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
      // Months read as the dates beside them (2026年11月), in the picker as in the lists.
      const lastMonthShown = `${Number(lastMonth.slice(0, 4))}年${Number(lastMonth.slice(5, 7))}月`;
      const picker = page.locator('[data-test="report-month"] input');
      expect(await picker.inputValue()).to.match(/^\d{4}年\d{1,2}月$/);
      await picker.fill(lastMonthShown);
      await picker.press("Enter");
      await page.getByText(`${lastMonthShown} 尚未结束`).waitFor({ state: "detached" });
      expect(await picker.inputValue()).to.equal(lastMonthShown);
      await page.locator('[data-test="report-publish"]').click();
      await page.getByRole("button", { name: "发布", exact: true }).click();
      const published = page.locator('[data-test="report-published"]');
      await published.getByText(lastMonthShown, { exact: true }).waitFor();
      expect(await published.innerText()).to.not.include(lastMonth);
      expect(await published.getByText("签名文件").count()).to.equal(1);
      // The signed file and the CSV are fetched by the page and saved under the server's names.
      const [signed] = await Promise.all([
        page.waitForEvent("download"),
        published.getByRole("button", { name: "签名文件" }).click(),
      ]);
      expect(signed.suggestedFilename()).to.equal(`monthly-report-${lastMonth}.signed.json`);
      const [csv] = await Promise.all([page.waitForEvent("download"), page.locator('[data-test="report-csv"]').click()]);
      expect(csv.suggestedFilename()).to.equal(`monthly-report-${lastMonth}.csv`);
      expect(await page.locator('[data-test="report-publish"]').textContent()).to.include("已发布");
      // The page now shows the signed figures and says so, with the start of the published hash.
      const sha256 = (await published.locator("code.hash").first().innerText()).trim();
      const banner = page.locator('[data-test="report-signed-version"]');
      await banner.waitFor();
      expect(await banner.innerText()).to.include("已发布版本").and.to.include(sha256.slice(0, 12));
      await screenshot(page, "hub-report-published");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the operator opens 省级节点与密钥, 消息日志 and 被拒记录, then provinces read by name and times in the node's zone", async () => {
    const { context, page, errors } = await openContext(browser, hub.node.url, { viewport: { width: 1440, height: 900 } });
    const inNodeZone = (iso: string) =>
      new Intl.DateTimeFormat("zh-CN", { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23", timeZone: "Asia/Shanghai" }).format(new Date(iso));
    try {
      await loginThroughForm(page, login.username, login.password);
      const nodes = (await (await page.request.get("/api/hub/nodes")).json()) as RegisteredNodeDto[];
      const jiangsuNode = nodes.find((n) => n.provinceCode === "320000");
      if (!jiangsuNode) throw new Error("江苏 is not registered");
      await page.goto("/hub/nodes");
      const nodeTable = page.locator('[data-test="hub-nodes"]');
      await nodeTable.getByText("江苏省").first().waitFor();
      expect(await nodeTable.getByText(inNodeZone(jiangsuNode.registeredAt)).count()).to.be.at.least(1);
      expect(await nodeTable.getByText("(320000)").count(), "the province by name, not code").to.equal(0);

      // The page opens on submissions: polls every few seconds would fill its first page.
      const messages = (await (
        await page.request.get("/api/hub/messages?province=110000&kind=submit")
      ).json()) as MessageLogEntryDto[];
      const newest = messages[0];
      if (!newest) throw new Error("北京 has no messages");
      await page.goto("/hub/messages");
      const log = page.locator('[data-test="hub-messages"]');
      await log.locator("tbody tr").first().waitFor();
      // Picked by its name; the log then holds 北京's messages only, named and in the node's time.
      await page.locator('[data-test="province-filter"]').click();
      await page.keyboard.type("北京");
      // Waited for by its answer: the unfiltered first page may already show 北京's newest entry,
      // and counting 江苏省 before the filtered page replaced it failed now and then.
      const filtered = page.waitForResponse((r) => r.url().includes("/api/hub/messages") && r.url().includes("province=110000"));
      await page.getByRole("option", { name: "北京市（110000）" }).click();
      await filtered;
      await log.getByText("江苏省").first().waitFor({ state: "detached" });
      await log.getByText(inNodeZone(newest.at)).first().waitFor();
      expect(await log.getByText("江苏省").count()).to.equal(0);
      expect(await log.getByText("北京市").count()).to.be.at.least(1);
      // Named by the interface and operation; the raw request stays beside the name.
      expect(await log.locator('[data-test="operation"]').first().innerText()).to.match(/^(数据采集|数据目录|跨省交换) · /);
      expect(await log.getByText("GET ").count(), "no polls among submissions").to.equal(0);

      const rejections = (await (await page.request.get("/api/hub/rejections")).json()) as RejectionEntryDto[];
      const refused = rejections[0];
      if (!refused) throw new Error("no refused record");
      await page.goto("/hub/rejections");
      const refusedTable = page.locator('[data-test="hub-rejections"]');
      await refusedTable.getByText(inNodeZone(refused.at)).first().waitFor();
      expect(await refusedTable.getByText("江苏省").count()).to.be.at.least(1);
      // Each reason by its name, as the monthly report counts it, not by its code alone.
      const firstReason = refusedTable.locator('[data-test="rejection-reason"]').first();
      expect(await firstReason.locator(".el-tag").innerText()).to.equal(reasonLabel(refused.reasons[0]!.code));
      expect(reasonLabel(refused.reasons[0]!.code)).not.to.match(/^其他/);
      await screenshot(page, "hub-rejections");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the operator opens 联网监测, then each province shows when it last published and its hourly series", async () => {
    const { context, page, errors } = await openContext(browser, hub.node.url, { viewport: { width: 1440, height: 900 } });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/dashboard");
      const table = page.locator('[data-test="dashboard-table"]');
      await table.getByText("江苏省").waitFor();
      expect(await table.getByText("5 条：接收 4，被拒 1").count()).to.equal(1);
      expect(await page.locator('[data-test="dashboard-chart"] canvas').count()).to.equal(1);
      expect(await table.getByText("未接入").count(), "the exchange is wired").to.equal(0);
      await screenshot(page, "hub-dashboard");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
