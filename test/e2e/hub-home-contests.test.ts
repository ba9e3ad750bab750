import { expect } from "chai";
import type { Browser } from "playwright-core";
import type {
  CollectionReceipt,
  HomeContestListDto,
  QualificationRecord,
} from "../../server/contracts/hub.js";
import { createStaff } from "../helpers/auth.js";
import { launchBrowser, loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { useTestDatabase } from "../helpers/database.js";
import { NODE_TIME_ZONE } from "../helpers/time-zone.js";
import {
  aCancelledCertificateRecord,
  aCertificateRecord,
  aNewIdNumber,
  aRegisteredProvince,
  startTestHub,
  type RegisteredProvince,
  type TestHub,
} from "../integration/hub/support.js";

/**
 * 主管省份争议 at the hub: a province's valid certificate refused because the person's home (江苏)
 * holds only a cancelled one is listed for the operator, who reassigns the home with a reason or
 * dismisses the contest keeping it; a long list is read on with 加载更多.
 */
describe("hub operator's 主管省份争议 page (browser)", function () {
  this.timeout(180_000);
  const provinceDb = useTestDatabase("prov_home_contests_e2e");
  let hub: TestHub;
  let jiangsu: RegisteredProvince;
  let guangdong: RegisteredProvince;
  let browser: Browser;
  let login: { username: string; password: string };

  const publish = async (who: RegisteredProvince, record: QualificationRecord) => {
    const res = await who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
      batchId: `e2e-${Math.random().toString(36).slice(2, 12)}`,
      records: [record],
    });
    const [result] = res.body.results ?? [];
    if (!result) throw new Error(`no result: ${res.rawBody}`);
    return result;
  };

  const guangdongs = (idNumber: string, name: string): QualificationRecord => ({
    ...aCertificateRecord({ province: "440000", idNumber, name }),
    recordId: `gd-cert:${idNumber}`,
  });

  /** 江苏 holds only a cancelled certificate of the person; 广东's valid one is refused home_contested. */
  const aContest = async (name: string): Promise<string> => {
    const idNumber = aNewIdNumber();
    expect(
      await publish(jiangsu, aCancelledCertificateRecord({ province: "320000", idNumber, name })),
    ).to.include({ outcome: "accepted" });
    const refused = await publish(guangdong, guangdongs(idNumber, name));
    expect(refused.reasons[0]?.code).to.equal("home_contested");
    return idNumber;
  };

  const inNodeZone = (iso: string) =>
    new Intl.DateTimeFormat("zh-CN", {
      dateStyle: "medium",
      timeStyle: "medium",
      hourCycle: "h23",
      timeZone: NODE_TIME_ZONE,
    }).format(new Date(iso));

  before(async function () {
    this.timeout(300_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub({ CLIENT_DIST: dist });
    jiangsu = await aRegisteredProvince(hub, "320000", provinceDb.conn);
    guangdong = await aRegisteredProvince(hub, "440000", provinceDb.conn);
    const operator = await createStaff(hub.node, { roles: ["hub_operator"], displayName: "中心运维员" });
    login = { username: operator.username, password: operator.password };
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await hub?.node.stop();
  });

  it("when a contest exists, then the operator sees it with both provinces by name and its time in the node's zone", async () => {
    const idNumber = await aContest("周滞留");
    const { context, page, errors } = await openContext(browser, hub.node.url, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      await loginThroughForm(page, login.username, login.password);
      const listed = (await (
        await page.request.get("/api/hub/home-contests?state=open")
      ).json()) as HomeContestListDto;
      const contest = listed.contests.find((c) => c.idNumber === idNumber);
      if (!contest) throw new Error("the contest is not listed by the server");
      await page.goto("/hub/home-contests");
      const row = page.locator('[data-test="hub-home-contests"] .el-table__row', { hasText: "周滞留" });
      await row.waitFor();
      const text = await row.innerText();
      // Home 江苏, claimant 广东, both named; the refused record by its kind.
      expect(text).to.include("江苏省").and.include("广东省").and.include("证件记录");
      expect(text, "province codes stay out of the table").to.not.match(/320000|440000/);
      // The browser runs in Urumqi time: the node's zone, not the browser's, is shown.
      expect(text).to.include(`${inNodeZone(contest.lastAt)}（共 1 次）`);
      expect(await page.getByRole("heading", { name: "主管省份争议" }).count()).to.equal(1);
      await screenshot(page, "hub-home-contests-list");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the operator reassigns a contest, then an empty reason is refused, and after confirming it is listed as 已改定, the home moved and audited", async () => {
    const idNumber = await aContest("吴归属");
    const reason = "江苏省存量数据中的证件已注销，广东省核发的证件有效";
    const { context, page, errors } = await openContext(browser, hub.node.url, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/home-contests");
      const table = page.locator('[data-test="hub-home-contests"]');
      const row = table.locator(".el-table__row", { hasText: "吴归属" });
      await row.locator('[data-test="reassign"]').click();
      const dialog = page.getByRole("dialog", { name: "改定主管省份" });
      await dialog.getByText("的主管省份由江苏省改定为广东省。").waitFor();
      const confirm = dialog.locator('[data-test="reassign-confirm"]');
      // No reason, or only spaces: the page does not send it.
      expect(await confirm.isDisabled(), "an empty reason is refused").to.equal(true);
      await dialog.locator('[data-test="reassign-reason"]').fill("   ");
      expect(await confirm.isDisabled(), "a blank reason is refused").to.equal(true);
      expect(await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber })).to.include({
        homeProvince: "320000",
      });
      await dialog.locator('[data-test="reassign-reason"]').fill(reason);
      expect(await confirm.isDisabled()).to.equal(false);
      await screenshot(page, "hub-home-contests-dialog");
      await confirm.click();
      await page.getByText("已将吴归属的主管省份改定为广东省").waitFor();
      await row.waitFor({ state: "detached" });

      await page.getByText("已改定", { exact: true }).click();
      const done = table.locator(".el-table__row", { hasText: "吴归属" });
      await done.waitFor();
      const text = await done.innerText();
      expect(text).to.include(`中心运维员：${reason}`).and.include("江苏省").and.include("广东省");
      expect(await done.locator('[data-test="reassign"]').count()).to.equal(0);
      await screenshot(page, "hub-home-contests-reassigned");

      expect(await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber })).to.include({
        homeProvince: "440000",
      });
      const audit = await hub.node.ctx.conn
        .collection("audit_log")
        .findOne({ action: "hub.home_reassigned", "target.id": idNumber });
      expect(audit?.details).to.deep.include({ fromProvince: "320000", toProvince: "440000", reason });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the operator dismisses a contest with a reason, then it is listed as 已驳回 with the home kept, and audited", async () => {
    const idNumber = await aContest("郑维持");
    const reason = "广东省记录的身份证号码录入有误，江苏省为其主管省份";
    const { context, page, errors } = await openContext(browser, hub.node.url, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/home-contests");
      const table = page.locator('[data-test="hub-home-contests"]');
      const row = table.locator(".el-table__row", { hasText: "郑维持" });
      await row.locator('[data-test="dismiss"]').click();
      const dialog = page.getByRole("dialog", { name: "驳回争议" });
      await dialog.getByText("的主管省份争议，维持江苏省为其主管省份。").waitFor();
      const confirm = dialog.locator('[data-test="dismiss-confirm"]');
      expect(await confirm.isDisabled(), "an empty reason is refused").to.equal(true);
      await dialog.locator('[data-test="dismiss-reason"]').fill(reason);
      await screenshot(page, "hub-home-contests-dismiss-dialog");
      await confirm.click();
      await page.getByText("已驳回广东省对郑维持的主管省份争议").waitFor();
      await row.waitFor({ state: "detached" });

      await page.getByText("已驳回", { exact: true }).click();
      const done = table.locator(".el-table__row", { hasText: "郑维持" });
      await done.waitFor();
      expect(await done.innerText())
        .to.include(`中心运维员：${reason}`)
        .and.include("江苏省");
      expect(await table.locator("th", { hasText: "维持的主管省份" }).count()).to.equal(1);
      await screenshot(page, "hub-home-contests-dismissed");

      expect(await hub.node.ctx.conn.collection("hub_practitioners").findOne({ idNumber })).to.include({
        homeProvince: "320000",
      });
      const audit = await hub.node.ctx.conn
        .collection("audit_log")
        .findOne({ action: "hub.home_contest_dismissed", "target.id": idNumber });
      expect(audit?.details).to.deep.include({ keptProvince: "320000", claimant: "440000", reason });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when more contests are open than a page holds (one batch's, one refusal time), then 加载更多 lists the rest once each", async () => {
    const people = Array.from({ length: 52 }, () => aNewIdNumber());
    const name = "分页争议";
    const batch = async (who: RegisteredProvince, records: QualificationRecord[]) =>
      (
        await who.client.call<CollectionReceipt>("POST", "/api/hub/v1/collection/records", {
          batchId: `e2e-${Math.random().toString(36).slice(2, 12)}`,
          records,
        })
      ).body.results ?? [];
    await batch(
      jiangsu,
      people.map((id) => aCancelledCertificateRecord({ province: "320000", idNumber: id, name })),
    );
    const refused = await batch(
      guangdong,
      people.map((id) => guangdongs(id, name)),
    );
    expect(refused.filter((r) => r.reasons[0]?.code === "home_contested")).to.have.length(52);
    const { context, page, errors } = await openContext(browser, hub.node.url, {
      viewport: { width: 1440, height: 900 },
    });
    try {
      await loginThroughForm(page, login.username, login.password);
      await page.goto("/hub/home-contests");
      const rows = page.locator('[data-test="hub-home-contests"] .el-table__row', { hasText: name });
      await rows.first().waitFor();
      // The batch's contests are the newest: the first page (50) holds only them.
      expect(await rows.count()).to.equal(50);
      await page.locator('[data-test="load-more"]').click();
      await page.locator('[data-test="hub-home-contests"] .el-table__row').nth(50).waitFor();
      const ids = await rows.evaluateAll((els) =>
        els.map((el) => el.textContent?.match(/\d{17}[\dX]/)?.[0] ?? ""),
      );
      expect([...ids].sort()).to.deep.equal([...people].sort());
      await screenshot(page, "hub-home-contests-more");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
