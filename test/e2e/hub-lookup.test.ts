import { expect } from "chai";
import type { Browser } from "playwright-core";
import { enqueueEvent } from "../../server/lib/outbox.js";
import { createStaff, registerTestCandidate } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { zhDate } from "../helpers/zh-date.js";
import { publishResultsOf, recordPassResult } from "../integration/certificates/support.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";

describe("province officer's hub pages: 全国资格查询 and 存量数据清洗 (browser)", function () {
  this.timeout(240_000);
  let hub: TestHub;
  let jiangsu: Awaited<ReturnType<typeof aProvinceOfHub>>;
  let beijing: Awaited<ReturnType<typeof aProvinceOfHub>>;
  let browser: Browser;
  let idNumber = "";

  before(async function () {
    this.timeout(400_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub();
    jiangsu = await aProvinceOfHub(hub, "320000", { CERT_AUTO_ISSUE: "true" });
    beijing = await aProvinceOfHub(hub, "110000", { CLIENT_DIST: dist });
    const candidate = await registerTestCandidate(jiangsu, { name: "陈立新" });
    idNumber = candidate.idNumber;
    // Automatic issue waits for the session's publication: this pass's session is published.
    await publishResultsOf(jiangsu, "e2e-session");
    const pass = {
      attemptId: `e2e-${Date.now()}`, candidateId: candidate.id, idNumber, name: candidate.name, categoryCode: "01001",
      sessionId: "e2e-session", score: 95, passMark: 80, submittedAt: new Date().toISOString(), chainHash: "e5".repeat(32), provinceCode: "320000",
    };
    await recordPassResult(jiangsu, pass);
    await jiangsu.ctx.conn.transaction((session) =>
      enqueueEvent(jiangsu.ctx.conn, session, "exam.passed", pass, `exam.passed:e2e-${idNumber}`),
    );
    for (let i = 0; i < 150; i++) {
      const p = await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
      if (p?.certificateStatus === "valid") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.all([jiangsu?.stop(), beijing?.stop()]);
    await hub?.node.stop();
  });

  it("when a 北京 officer looks up a 江苏 certificate with a reason, then the page shows the holder, the province by name and the status", async () => {
    const officer = await createStaff(beijing, { roles: ["officer"], displayName: "北京经办" });
    const { context, page, errors } = await openContext(browser, beijing.url, { viewport: { width: 1440, height: 900 } });
    try {
      await loginThroughForm(page, officer.username, officer.password);
      await page.goto("/sharing/lookup");
      await page.locator('[data-test="lookup-id-number"]').fill(idNumber);
      await page.locator('[data-test="lookup-submit"]').click();
      await page.getByText("请选择查询事由").waitFor();
      await page.locator('[data-test="lookup-reason"]').click();
      await page.getByRole("option", { name: "异地从业备案" }).click();
      await page.locator('[data-test="lookup-case"]').fill("京备 2026-0042");
      await page.locator('[data-test="lookup-submit"]').click();
      const matches = page.locator('[data-test="lookup-matches"]');
      await matches.getByText("陈立新").waitFor();
      await screenshot(page, "sharing-lookup");
      expect(await matches.getByText("江苏省").count()).to.equal(1);
      expect(await matches.getByText("有效", { exact: true }).count()).to.equal(1);
      expect(await matches.getByText("320000").count(), "province codes stay out of the table").to.equal(0);
      // 有效期至 as the pages write dates (年月日), not the record's ISO text.
      const held = await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber });
      expect(await matches.innerText()).to.include(zhDate(String(held?.validTo)));
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an officer checks a dirty register, then each refused row is listed with its reasons and publishing stays disabled", async () => {
    const officer = await createStaff(beijing, { roles: ["officer"], displayName: "北京经办" });
    const { context, page, errors } = await openContext(browser, beijing.url, { viewport: { width: 1440, height: 900 } });
    try {
      await loginThroughForm(page, officer.username, officer.password);
      await page.goto("/sharing/legacy-register");
      const csv = [
        "姓名,身份证号,从业资格类别,证号,发证机关,发证机关代码,初领日期,发证日期,有效期起,有效期至,状态",
        "赵一,110101199003070011,02001,110101199003070011,北京市交通委员会,110000,2015-03-01,2021-03-01,2021-03-01,2027-02-28,有效",
        "钱二,110101199003070015,09009,110101199003070015,北京市交通委员会,110000,2015-03-01,2021-02-30,2021-03-01,2027-02-28,有效",
      ].join("\n");
      await page.locator('[data-test="register-file"] input[type="file"]').setInputFiles({ name: "register.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
      await page.locator('[data-test="register-check"]').click();
      const refused = page.locator('[data-test="register-refused"]');
      await refused.getByText("身份证号码校验位错误").waitFor();
      expect(await refused.getByText("未知的从业资格类别 09009").count()).to.equal(1);
      // Found by name and row; the ID number masked as on every other page.
      expect(await refused.getByText("钱二").count()).to.equal(1);
      expect(await refused.textContent()).to.include("1101**********0015").and.not.include("110101199003070015");
      expect(await page.locator('[data-test="register-publish"]').isDisabled()).to.equal(true);
      await screenshot(page, "sharing-legacy-register");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
