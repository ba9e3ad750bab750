import { expect } from "chai";
import type { Browser } from "playwright-core";
import type { CaseDto } from "../../server/contracts/exchange.js";
import type { LookupAnswer } from "../../server/contracts/hub.js";
import { staffAgent, type AuthedAgent } from "../helpers/auth.js";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { eventually } from "../helpers/eventually.js";
import { aNotice } from "../integration/exchange/support.js";
import { aCertificateHolder } from "../integration/exchange/transfers.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";
import { contextAs, field } from "./exam-fixtures.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;

/**
 * 撤回异议 in the browser: 江苏 disputed 北京's notice about its practitioner, and its officer takes
 * the dispute back from the case page (a dialog asking why), after which the page shows the notice
 * 已送达 with 确认 / 提出异议 offered again, and 北京 sees it so too. A taking back the node refuses
 * (the dispute already taken back from another tab) says why in the server's words.
 */
describe("case page: the home province takes back its dispute of a notice (browser, hub + two provinces)", function () {
  this.timeout(180_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;
  let js: AuthedAgent;
  let bj: AuthedAgent;
  let holder: { idNumber: string; name: string };

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

  /** 北京 looks the holder up and reports a penalty; 江苏 receives it and disputes it. */
  async function aDisputedNotice(): Promise<string> {
    const found = await bj.agent
      .post("/api/sharing/lookups")
      .send({
        query: { by: "id_number", idNumber: holder.idNumber },
        reason: "enforcement",
        caseReference: "京交执 2026-9",
      })
      .expect(200);
    const sent = await bj.agent
      .post("/api/exchange/notices")
      .send({ lookupId: (found.body as LookupAnswer).lookupId, practitioner: holder, details: aNotice() });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
    const caseId = (sent.body as CaseDto).caseId;
    await eventually(async () => (await js.agent.get(`/api/exchange/cases/${caseId}`)).status === 200);
    const disputed = await js.agent
      .post(`/api/exchange/cases/${caseId}/answer`)
      .send({ outcome: "problem", problem: { code: "other", note: "处罚决定书文号与本省档案不符" } });
    expect((disputed.body as CaseDto).state, JSON.stringify(disputed.body)).to.equal("problem");
    return caseId;
  }

  it("when 江苏's officer takes back its dispute with a reason, then the page shows the notice 已送达 with 确认 and 提出异议 offered again, and 北京 sees it 已送达", async () => {
    const caseId = await aDisputedNotice();
    const { context, page, errors } = await contextAs(browser, jiangsu.url, js);
    try {
      await page.goto(`/exchange/cases/${caseId}`);
      await page.locator('[data-test="case-state"]').getByText("有异议").waitFor();
      // Disputed: no answer is offered until the dispute is taken back.
      expect(await page.locator('[data-test="case-acknowledge"]').count()).to.equal(0);
      await page.locator('[data-test="case-withdraw-dispute"]').click();
      const dialog = page.locator('[data-test="dispute-withdrawal-dialog"]');
      await dialog.waitFor();
      // The dispute being taken back, by name, not by its code.
      expect(await dialog.locator('[data-test="dispute-withdrawal-dispute"]').innerText()).to.equal(
        "其他，处罚决定书文号与本省档案不符",
      );
      // A reason is required: sent empty, the dialog says so under the field and sends nothing.
      let posts = 0;
      page.on("request", (r) => {
        if (
          r.method() === "POST" &&
          new URL(r.url()).pathname === `/api/exchange/cases/${caseId}/dispute-withdrawal`
        )
          posts++;
      });
      await page.locator('[data-test="dispute-withdrawal-submit"]').click();
      await dialog.locator(".el-form-item__error").getByText("请填写撤回原因").waitFor();
      expect(posts).to.equal(0);
      await field(page, "dispute-withdrawal-reason").fill("经核实处罚决定书无误，撤回异议");
      await screenshot(page, "exchange-dispute-withdrawal-dialog");
      await page.locator('[data-test="dispute-withdrawal-submit"]').click();
      await page.locator('[data-test="case-state"]').getByText("已送达").waitFor();
      await dialog.waitFor({ state: "hidden" });
      expect(posts).to.equal(1);
      await page.locator('[data-test="case-acknowledge"]').waitFor();
      await page.getByRole("button", { name: "提出异议" }).waitFor();
      expect(await page.locator('[data-test="case-withdraw-dispute"]').count()).to.equal(0);
      const history = await page.locator('[data-test="case-history"]').innerText();
      expect(history).to.contain("撤回异议：经核实处罚决定书无误，撤回异议");
      await screenshot(page, "exchange-dispute-withdrawn");
      await eventually(
        async () =>
          ((await bj.agent.get(`/api/exchange/cases/${caseId}`)).body as CaseDto).state === "delivered",
        { what: "北京's copy of the notice is 已送达 again", tries: 50, everyMs: 300 },
      );
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the dispute was already taken back from another tab, then the dialog shows the node's refusal in Chinese and, closed, the page shows the notice as it now is", async () => {
    const caseId = await aDisputedNotice();
    const { context, page, errors } = await contextAs(browser, jiangsu.url, js);
    try {
      await page.goto(`/exchange/cases/${caseId}`);
      await page.locator('[data-test="case-withdraw-dispute"]').click();
      const taken = await js.agent
        .post(`/api/exchange/cases/${caseId}/dispute-withdrawal`)
        .send({ reason: "另一窗口已撤回" });
      expect(taken.status, JSON.stringify(taken.body)).to.equal(200);
      await field(page, "dispute-withdrawal-reason").fill("经核实处罚决定书无误");
      await page.locator('[data-test="dispute-withdrawal-submit"]').click();
      const refusal = page.locator('[data-test="dispute-withdrawal-refusal"]');
      await refusal.getByText("该抄告当前没有本省提出的异议，无须撤回").waitFor();
      expect(await page.locator(".el-message--error").count()).to.equal(0);
      await screenshot(page, "exchange-dispute-withdrawal-refused");
      await page.getByRole("button", { name: "取消" }).click();
      await page.locator('[data-test="case-state"]').getByText("已送达").waitFor();
      await page.locator('[data-test="case-acknowledge"]').waitFor();
      expect(await page.locator('[data-test="case-withdraw-dispute"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
