import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { seriousA11yViolations } from "../helpers/a11y.js";
import { createStaff, createTestRoom, uniqueIdNumber, type TestRoom } from "../helpers/auth.js";
import {
  launchBrowser,
  loginThroughForm,
  openContext,
  screenshot,
  screenshotDir,
} from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { aProvinceOfHub, startTestHub, type TestHub } from "../integration/hub/support.js";
import { BANK, TOTAL, confirmEarlyRelease, field, seedBank } from "./exam-fixtures.js";
import {
  answerWithKeys,
  eventually,
  registerApplicant,
  savedOnServer,
  scheduleSession,
  tabTo,
} from "./journey-steps.js";

type Node = Awaited<ReturnType<typeof aProvinceOfHub>>;
type Opened = Awaited<ReturnType<typeof openContext>>;
const run = promisify(execFile);

/** axe-core on the page as it is now: no serious or critical violation (named when there is one). */
async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.mouse.move(0, 0);
  expect(await seriousA11yViolations(page), `${what}: axe violations`).to.deep.equal([]);
}

/**
 * The whole story in real browsers across the hub, 江苏 and 北京, one step per test sharing its
 * state: 江苏 registers an applicant, schedules a session and seats them; the proctor checks them in
 * and releases the room; the candidate sits the exam with the keyboard alone, loses the network
 * half-way and hands in with every answer counted; the officer publishes the results, issues and
 * prints the certificate; 北京 verifies the printed QR through the hub's trust list, looks the
 * holder up with a reason and files them; 江苏 acknowledges; the hub's monthly report counts it.
 * The candidate exam page, the proctor console and the filing pages are checked with axe on the
 * way. Screenshots land in tmp/screenshots/journey-*.png.
 */
describe("the journey across hub, 江苏 and 北京 (browser)", function () {
  this.timeout(240_000);
  let hub: TestHub;
  let jiangsu: Node;
  let beijing: Node;
  let browser: Browser;
  let room: TestRoom;
  const opened: Opened[] = [];
  const applicant = { name: "陈一路", idNumber: uniqueIdNumber({ divisionCode: "320102", sex: "male" }) };
  const story = { sessionId: "", ticketNo: "", pdf: "", caseId: "" };
  let officer: Page;
  let proctor: Page;
  let candidate: Opened;
  let beijingOfficer: Page;

  async function as(node: { url: string }, login: { username: string; password: string }): Promise<Page> {
    const o = await openContext(browser, node.url, { viewport: { width: 1366, height: 900 } });
    opened.push(o);
    await loginThroughForm(o.page, login.username, login.password);
    return o.page;
  }

  before(async function () {
    this.timeout(300_000);
    const dist = await ensureClientBuilt();
    hub = await startTestHub({ CLIENT_DIST: dist });
    const env = { CLIENT_DIST: dist, EXCHANGE_POLL_MS: "200", CERT_TRUST_DEMO: "false" };
    jiangsu = await aProvinceOfHub(hub, "320000", { ...env, CERT_SUITE: "sm2-sm3" });
    beijing = await aProvinceOfHub(hub, "110000", { ...env, CERT_SUITE: "ed25519" });
    await seedBank(jiangsu);
    room = await createTestRoom(jiangsu, { seats: 1, divisionCode: "320100" });
    browser = await launchBrowser();
    officer = await as(
      jiangsu,
      await createStaff(jiangsu, {
        roles: ["officer"],
        divisionCode: "320000",
        displayName: "江苏省厅业务员",
      }),
    );
    proctor = await as(
      jiangsu,
      await createStaff(jiangsu, {
        roles: ["proctor"],
        testCentreId: room.testCentreId,
        divisionCode: "320100",
        displayName: "王监考",
      }),
    );
    beijingOfficer = await as(
      beijing,
      await createStaff(beijing, { roles: ["officer"], divisionCode: "110105", displayName: "朝阳区业务员" }),
    );
    candidate = await openContext(browser, jiangsu.url, { viewport: { width: 1366, height: 900 } });
    opened.push(candidate);
  });
  after(async () => {
    for (const o of opened) await o.context.close().catch(() => undefined);
    await browser?.close();
    await beijing?.stop();
    await jiangsu?.stop();
    await hub?.node.stop();
  });
  // A step that failed leaves the later ones without their premise: they are skipped.
  let broken = false;
  afterEach(function () {
    if (this.currentTest?.state === "failed") broken = true;
  });
  beforeEach(function () {
    if (broken) this.skip();
  });

  it("when a 江苏 officer registers an applicant and schedules a session, then the applicant holds a seat and a ticket", async () => {
    await registerApplicant(officer, applicant);
    await screenshot(officer, "journey-01-registered");
    const centreName = (await jiangsu.ctx.conn.collection("test_centres").findOne({}))?.name as string;
    Object.assign(
      story,
      await scheduleSession(officer, { centreName, startsInMinutes: 15, candidateName: applicant.name }),
    );
    await screenshot(officer, "journey-02-ticket");
  });

  it("when the candidate logs in at the seat's computer and the proctor checks them in and releases the room, then the exam starts; the console and exam page pass axe", async () => {
    const page = candidate.page;
    await page.goto(`/login?as=candidate&seat=${encodeURIComponent(room.seats[0]?.seatToken ?? "")}`);
    await page.locator('[data-test="seat-bound"]').waitFor();
    await field(page, "id-number").fill(applicant.idNumber);
    await field(page, "ticket-no").fill(story.ticketNo);
    await page.locator('[data-test="candidate-submit"]').click();
    await page.waitForURL((u) => u.pathname !== "/login");
    await page.goto("/exam");
    await page.locator('[data-test="exam-error"]').getByText("尚未签到").waitFor();

    await proctor.goto(`/proctor/sessions/${story.sessionId}`);
    await proctor.locator('[data-test="seat-1"][data-state="not_arrived"]').waitFor();
    await expectAccessible(proctor, "proctor console before check-in");
    await proctor.locator('[data-test="seat-1"]').click();
    await proctor.locator('[data-test="check-in"]').click();
    await field(proctor, "checkin-id").fill(applicant.idNumber);
    await proctor.locator('[data-test="checkin-submit"]').click();
    await proctor.locator('[data-test="checkin-ok"]').waitFor();
    await proctor.locator('[data-test="checkin-close"]').click();
    await proctor.locator('[data-test="checkin-ok"]').waitFor({ state: "hidden" });

    // The candidate confirms their identity with the keyboard alone.
    await page.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-test="confirm-name"]').innerText()).to.equal(applicant.name);
    await expectAccessible(page, "identity confirmation");
    await tabTo(page, page.locator('[data-test="confirm-identity"]'));
    await page.keyboard.press("Enter");
    await page.locator('[data-test="waiting-room"]').waitFor();
    await proctor.locator('[data-test="seat-1"][data-state="ready"]').waitFor();
    await expectAccessible(proctor, "proctor console");
    await screenshot(proctor, "journey-03-proctor-console");

    await proctor.locator('[data-test="release-room"]').click();
    await confirmEarlyRelease(proctor);
    await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
    await expectAccessible(page, "exam sheet");
  });

  it("when the candidate answers with the keyboard alone and loses the network half-way, then nothing is lost and the keyboard hand-in scores every answer", async () => {
    const { page, context } = candidate;
    const n = BANK.length;
    for (let i = 0; i < n; i++) {
      if (i === 4) {
        await context.setOffline(true);
        await page.locator('[data-test="sync-state"].is-offline').waitFor({ timeout: 15_000 });
      }
      await answerWithKeys(page);
      if (i < 4) await savedOnServer(page);
      else await page.locator('[data-test="save-state"][data-state="queued"]').waitFor();
      if (i === 5) await page.keyboard.press("m");
      if (i < n - 1) await page.keyboard.press("ArrowRight");
    }
    expect(await page.locator('[data-test="answered-count"]').innerText()).to.equal(String(n));
    await screenshot(page, "journey-04-exam-offline");
    await expectAccessible(page, "exam sheet while offline");
    const seat = () => proctor.locator('[data-test="seat-1"] [data-test="seat-progress"]');
    await seat().getByText(`4/${n}`).waitFor({ timeout: 15_000 });

    await context.setOffline(false);
    await page
      .locator('[data-test="sync-state"]')
      .getByText("全部作答已保存到服务器")
      .waitFor({ timeout: 30_000 });
    await seat().getByText(`${n}/${n}`).waitFor({ timeout: 15_000 });
    // Back to the first question: the answers given before and during the outage are still there.
    for (let i = 0; i < n - 1; i++) await page.keyboard.press("ArrowLeft");
    await page.locator('[data-test="question"][data-index="0"]').waitFor();
    await savedOnServer(page);

    await tabTo(page, page.locator('[data-test="submit"]'));
    await page.keyboard.press("Enter");
    await page.locator('[data-test="submit-summary"]').getByText(`已答 ${n} 题`).waitFor();
    await tabTo(page, page.locator('[data-test="submit-confirm"]'));
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/exam\/result$/);
    expect(await page.locator('[data-test="score-value"]').innerText()).to.equal(String(TOTAL));
    expect(await page.locator('[data-test="pass-state"]').innerText()).to.contain("合格");
    await screenshot(page, "journey-05-exam-result");
    await expectAccessible(page, "exam result");
    await proctor.locator('[data-test="seat-1"][data-state="submitted"]').waitFor({ timeout: 15_000 });
    await expectAccessible(proctor, "proctor console after hand-in");
    await screenshot(proctor, "journey-06-proctor-done");
  });

  it("when the session is over and the officer publishes the results, then 江苏 issues the certificate and its PDF prints the holder", async () => {
    // Time passes: the session ended a while ago (results publish only after the end).
    const sessions = jiangsu.ctx.conn.collection("exam_sessions");
    const s = await sessions.findOne({});
    const back = (d: unknown) => new Date(Number(d) - 2 * 3_600_000);
    await sessions.updateOne(
      { _id: s?._id },
      { $set: { startsAt: back(s?.startsAt), endsAt: back(s?.endsAt), bookedUntil: back(s?.bookedUntil) } },
    );
    await officer.goto(`/scheduling/sessions/${story.sessionId}/results`);
    await officer.locator('[data-test="results-table"]').getByText(applicant.name).waitFor();
    await officer.locator('[data-test="results-publish"]').click();
    await officer.locator(".el-message-box").getByRole("button", { name: "发布" }).click();
    await officer.locator('[data-test="results-published"]').waitFor();
    await screenshot(officer, "journey-07-results-published");

    await officer.goto("/certificates/issuances");
    const row = officer.locator(".el-table__row", { hasText: applicant.idNumber });
    await row.getByRole("button", { name: "发证", exact: true }).click();
    await row.waitFor({ state: "detached" });
    await officer.goto(`/certificates/${applicant.idNumber}`);
    await officer.getByText(applicant.name).first().waitFor();
    await screenshot(officer, "journey-08-certificate");
    const download = officer.waitForEvent("download");
    await officer.getByRole("button", { name: "下载 PDF" }).click();
    await mkdir(screenshotDir, { recursive: true });
    story.pdf = path.join(screenshotDir, "journey-certificate.pdf");
    await (await download).saveAs(story.pdf);
    const { stdout } = await run("pdftotext", ["-layout", story.pdf, "-"]);
    expect(stdout)
      .to.include(applicant.name)
      .and.include(applicant.idNumber)
      .and.include("经营性道路旅客运输驾驶员");
  });

  it("when anyone at 北京 uploads a picture of the printed certificate to the verify page, then its QR verifies through the hub's trust list", async () => {
    const png = path.join(screenshotDir, "journey-certificate-print");
    await run("pdftoppm", ["-png", "-r", "110", "-singlefile", story.pdf, png]);
    await beijingOfficer.goto("/verify");
    await beijingOfficer.getByRole("tab", { name: "上传 PDF 或图片" }).click();
    await beijingOfficer.locator('.el-upload input[type="file"]').setInputFiles(`${png}.png`);
    await beijingOfficer.locator('[data-test="verdict"]').getByText("证书真实有效").first().waitFor();
    expect(await beijingOfficer.locator(".el-descriptions").first().textContent())
      .to.include("江苏省")
      .and.include("SM2");
    await screenshot(beijingOfficer, "journey-09-verify-at-beijing");
  });

  it("when a 北京 officer looks the holder up at the hub with a reason and files them, then 江苏 sees the notice and acknowledges; the filing pages pass axe", async () => {
    const bj = beijingOfficer;
    await bj.goto("/exchange/new");
    await field(bj, "lookup-id-number").fill(applicant.idNumber);
    await field(bj, "lookup-case").fill("朝阳备〔2026〕88号");
    await eventually(
      "the hub answers the lookup with 江苏's certificate",
      async () => {
        await bj.locator('[data-test="lookup-submit"]').click();
        return bj
          .getByRole("button", { name: "选择" })
          .waitFor({ timeout: 1_000 })
          .then(() => true)
          .catch(() => false);
      },
      40,
    );
    await screenshot(bj, "journey-10-lookup");
    await expectAccessible(bj, "lookup for filing");
    await bj.getByRole("button", { name: "选择" }).click();
    await field(bj, "filing-employer").fill("北京顺达客运有限公司");
    await bj.locator(".el-form-item", { hasText: "开始从业日期" }).locator("input").fill("2026年12月1日");
    await bj.keyboard.press("Enter");
    await field(bj, "filing-licence").fill(applicant.idNumber);
    await field(bj, "filing-phone").fill("010-88886666");
    await expectAccessible(bj, "filing form");
    await bj.locator('[data-test="exchange-submit"]').click();
    // 江苏 pulls on notification: by the time the case page reads the case, 江苏 may already have
    // stored it and the hub told 北京 (已送达). Either state says the hub accepted the filing.
    await bj.locator('[data-test="case-state"]').getByText(/^(已发送|已送达)$/).waitFor();
    story.caseId = bj.url().split("/").at(-1) ?? "";
    await expectAccessible(bj, "sent filing");
    await screenshot(bj, "journey-11-filing-sent");

    await officer.goto("/exchange/inbox");
    await eventually("江苏's in-box lists the filing", async () => {
      await officer.reload();
      // The list is fetched after the page has loaded: wait for it, not just look once.
      return officer
        .getByText(applicant.name)
        .first()
        .waitFor({ timeout: 1_000 })
        .then(() => true)
        .catch(() => false);
    }, 30);
    await expectAccessible(officer, "in-box");
    await officer.goto(`/exchange/cases/${story.caseId}`);
    await officer.locator('[data-test="case-acknowledge"]').click();
    await officer.locator('[data-test="case-state"]').getByText("已确认").waitFor();
    await expectAccessible(officer, "acknowledged filing");
    await screenshot(officer, "journey-12-acknowledged");
  });

  it("when the hub operator opens 月度通报, then 江苏's certificate and the filing between the provinces are counted", async () => {
    const page = await as(
      hub.node,
      await createStaff(hub.node, { roles: ["hub_operator"], displayName: "中心运维员" }),
    );
    await page.goto("/hub/report");
    const jsRow = page.locator('[data-test="report-table"] .el-table__row', { hasText: "江苏省" });
    await jsRow.waitFor();
    const exchange = page.locator('[data-test="report-exchange"] .el-table__row');
    await eventually(
      "the report counts the filing",
      async () => {
        await page.reload();
        const bj =
          (await exchange
            .filter({ hasText: "北京市" })
            .first()
            .textContent()
            .catch(() => "")) ?? "";
        return bj.includes("发 1");
      },
      20,
    );
    expect(await exchange.filter({ hasText: "江苏省" }).first().textContent())
      .to.include("收 1")
      .and.include("答复 1");
    // A fresh hub: its only records are this story's pass and the certificate issued from it.
    expect(await jsRow.locator("td").nth(2).innerText(), "江苏's records accepted this month").to.equal("2");
    await screenshot(page, "journey-13-hub-report");
    for (const o of opened) expect(o.errors, "page errors").to.deep.equal([]);
  });
});
