import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { aFiling } from "../integration/exchange/support.js";
import { aNewIdNumber, aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * A case whose ending the node's sender gave up on (never taken by the national centre after its
 * maximum attempts): the case page says so in a warning with 重新发送, which asks first, puts the
 * ending back in the queue, says so in a toast and in the case's history, and goes.
 */
describe("case page: an ending the sender gave up on, sent again (browser, hub + one province)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let beijing: Node;
  let browser: Browser;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    beijing = await aProvinceOfHub(hub, "110000", { CLIENT_DIST: dist, EXCHANGE_POLL_MS: "200" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await beijing?.stop();
    await hub?.node.stop();
  });

  /** 北京's ended filing whose ending died after 20 attempts, as the sender leaves it. */
  async function anEndedFilingWithADeadEnding(): Promise<string> {
    const caseId = randomUUID();
    const now = new Date();
    const end = { endDate: "2026-12-05", reason: "离职" };
    const officer = { id: "o-1", name: "朝阳区业务员", divisionCode: "110105" };
    const conn = beijing.ctx.conn;
    await conn.collection("exchange_local_cases").insertOne({
      caseId,
      kind: "filing",
      box: "out",
      state: "ended",
      fromProvince: "110000",
      toProvince: "320000",
      division: "110105",
      idNumber: aNewIdNumber("320102"),
      name: "周重发",
      officer,
      lookupId: null,
      details: aFiling(),
      sentAt: now,
      deadlineAt: new Date(now.getTime() + 86_400_000),
      overdue: false,
      escalatedAt: null,
      refusal: null,
      ack: null,
      end,
      createdAt: now,
      updatedAt: now,
      history: [
        { at: now, state: "sent", by: "全国中心", note: null },
        { at: now, state: "ended", by: "朝阳区业务员", note: "离职" },
        {
          at: now,
          state: "ended",
          by: "本省节点",
          note: "终止未能送达全国中心，已停止自动重发（共 20 次）：无法连接全国中心",
        },
      ],
    });
    await conn.collection("exchange_outgoing").insertOne({
      key: `end:${caseId}`,
      seq: 1_000_000 + Math.floor(Math.random() * 1_000_000),
      caseId,
      purpose: "end",
      path: `/cases/${caseId}/end`,
      body: { ...end, officer },
      status: "dead",
      attempts: 20,
      availableAt: now,
      leaseUntil: null,
      lastError: "无法连接全国中心",
      prior: { state: "sent", openKey: null },
    });
    return caseId;
  }

  it("when the officer presses 重新发送 and confirms, then the ending is queued again, a toast and the history say so, and the warning goes", async () => {
    const caseId = await anEndedFilingWithADeadEnding();
    const staff = await createStaff(beijing, {
      roles: ["officer"],
      divisionCode: "110105",
      displayName: "朝阳区业务员",
    });
    const { context, page, errors } = await openContext(browser, beijing.url, {
      viewport: { width: 1366, height: 900 },
    });
    try {
      await loginThroughForm(page, staff.username, staff.password);
      await page.goto(`/exchange/cases/${caseId}`);
      const alert = page.locator('[data-test="case-undelivered"]');
      await alert.waitFor();
      const said = await alert.innerText();
      expect(said).to.contain("终止未能送达全国中心");
      expect(said).to.contain("已尝试 20 次");
      expect(said).to.contain("无法连接全国中心");
      await screenshot(page, "exchange-case-undelivered");

      // Asked first: cancelling sends nothing.
      const posts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && new URL(r.url()).pathname.endsWith("/resend")) posts.push(r.url());
      });
      await page.locator('[data-test="case-resend"]').click();
      await page.locator(".el-message-box").getByRole("button", { name: "取消" }).click();
      await page.locator(".el-message-box").waitFor({ state: "hidden" });
      expect(posts).to.have.length(0);

      await page.locator('[data-test="case-resend"]').click();
      await page.locator(".el-message-box").getByRole("button", { name: "重新发送" }).click();
      await page.locator(".el-message--success", { hasText: "已重新发送" }).waitFor();
      await alert.waitFor({ state: "detached" });
      expect(posts).to.have.length(1);
      expect(await page.locator('[data-test="case-history"]').innerText()).to.contain(
        "朝阳区业务员：已重新发送未能送达全国中心的终止",
      );
      expect(
        await beijing.ctx.conn
          .collection("audit_log")
          .countDocuments({ action: "exchange.resend", "target.id": caseId }),
      ).to.equal(1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
  it("when a message of any office has not reached the national centre, then the province level's escalation page counts and lists its case, naming the province it goes to", async () => {
    const caseId = await anEndedFilingWithADeadEnding();
    const staff = await createStaff(beijing, {
      roles: ["officer"],
      divisionCode: "110000",
      displayName: "北京市厅业务员",
    });
    const { context, page, errors } = await openContext(browser, beijing.url, {
      viewport: { width: 1366, height: 900 },
    });
    try {
      await loginThroughForm(page, staff.username, staff.password);
      await page.goto("/exchange/escalations");
      // The heading shows 0 until the list has loaded: wait for the count.
      await page
        .locator('[data-test="undelivered-count"]', { hasText: /未送达全国中心（[1-9]\d* 件）/ })
        .waitFor();
      const row = page
        .locator('[data-test="undelivered-cases"] .el-table__row', { hasText: "周重发" })
        .first();
      await row.waitFor();
      expect(await row.innerText()).to.contain("发往 江苏省");
      await screenshot(page, "exchange-escalations-undelivered");
      await row.getByText("查看").click();
      await page.waitForURL(`**/exchange/cases/${caseId}`);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
