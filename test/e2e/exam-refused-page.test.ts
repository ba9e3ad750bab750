import { expect } from "chai";
import type { Page } from "playwright-core";
import { screenshot } from "../helpers/browser.js";
import { eventually } from "../helpers/eventually.js";
import { examDb } from "../integration/exams/support/models.js";
import {
  aCheckedInSeat,
  answerOneStoredOneHeld,
  attemptAt,
  closeAtDeadline,
  contextAs,
  endSessionAndLoginWindow,
  enterReleasedExam,
  expectOnlyQuestion2NotCounted,
  interceptExamSocket,
  useExamBrowser,
  type ExamNetwork,
} from "./exam-fixtures.js";
import { CATEGORIES } from "../../server/contracts/categories.js";

/** In the page: how many entries the answer journal (IndexedDB) holds, of any attempt. */
const JOURNAL_ENTRIES = `new Promise((resolve, reject) => {
  const open = indexedDB.open("roadcert-answer-journal");
  open.onerror = () => reject(new Error("no journal database"));
  open.onsuccess = () => {
    const count = open.result.transaction("entries").objectStore("entries").count();
    count.onsuccess = () => { open.result.close(); resolve(count.result); };
    count.onerror = () => reject(new Error("count failed"));
  };
})`;

/**
 * A page whose connection the server refuses because the candidate's login is over. Told how the
 * attempt closed, even a page that never read the attempt (loaded afresh while the exam server
 * could not be reached) shows the result, and names what its answer journal kept that did not
 * count. Told nothing, the page cannot know whether the attempt was handed in, and must not say so.
 */
describe("exam room (browser): a page whose login the server refuses", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when a page reloaded while offline is refused because the attempt closed meanwhile, then its result page names the answer its journal kept that did not count", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await enterReleasedExam(page, desk, fixture.session.id);
      // Question 1 is stored; question 2's answer stays in the page's journal (IndexedDB).
      await answerOneStoredOneHeld(page, network);
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();
      await network.goOffline();

      // The kiosk reloads while the exam server cannot be reached: a fresh page that never reads
      // the attempt, its journal only in the browser's storage.
      await page.reload();
      await page.locator('[data-test="exam-loading"]').waitFor();

      const attempt = await attemptAt(env.node, fixture.session.id);
      await endSessionAndLoginWindow(env.node, fixture.session.id, who.user.id);
      await closeAtDeadline(env.node, attempt._id);

      // Back online: the handshake is refused, saying how the attempt closed.
      network.backOnline();
      await page.locator('[data-test="result"]').waitFor({ timeout: 30_000 });
      await expectOnlyQuestion2NotCounted(page);
      expect(await page.locator('[data-test="score-value"]').innerText()).to.match(/^\d+$/);
      // The page never read the attempt: the category comes from the refusal, shown by its name.
      const category = page.locator("dt", { hasText: "考试类别" }).locator("xpath=following-sibling::dd");
      expect((await category.innerText()).trim()).to.equal(CATEGORIES[fixture.session.categoryCode]);
      await screenshot(page, "exam-refused-fresh-page-result");
      // The journal is settled (its clearing follows the naming): nothing of the closed attempt
      // is left to replay.
      await eventually(async () => (await page.evaluate(JOURNAL_ENTRIES)) === 0, { what: "journal cleared" });
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });

  /**
   * Takes the page offline through the end of its countdown, then has the server refuse its login
   * while the attempt still runs there (the login gone: expired, or ended elsewhere), so the
   * refusal cannot say how the attempt closed; returns the page's card and its text.
   */
  async function refusedBeforeTheClose(page: Page, network: ExamNetwork, userId: string) {
    await network.goOffline();
    await page.clock.fastForward("01:00:00");
    await page.locator('[data-test="time-up"]').waitFor({ timeout: 15_000 });
    await env.node.ctx.conn.collection("sessions").deleteMany({ "session.passport.user.user.id": userId });
    network.backOnline();
    const card = page.locator('[data-test="handed-in-offline"]');
    await card.waitFor({ timeout: 30_000 });
    return { card, text: await card.innerText() };
  }

  /** What the card must never say (the server has confirmed none of it), and what it must. */
  function expectNothingClaimed(text: string): void {
    expect(text).to.not.match(/已自动交卷|系统自动交卷|已在考试结束时收卷|全部计入|不会丢失/);
    expect(text).to.contain("未能确认").and.contain("举手").and.contain("监考员").and.contain("留在座位");
    // The server did answer (it refused the login): the card must not say it could not be reached.
    expect(text).to.contain("服务器不再接受本页登录，未能确认交卷结果").and.not.contain("无法连接");
    expect(text.split("不再接受本页登录")).to.have.length(2);
  }

  it("when the page is offline at time-up and its login is refused before the server closed the attempt, then it does not say the paper was handed in and asks the candidate to stay and tell the proctor", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await page.clock.install();
      await enterReleasedExam(page, desk, fixture.session.id);
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });

      const { text } = await refusedBeforeTheClose(page, network, who.user.id);
      expectNothingClaimed(text);
      expect(text).to.contain("已确认保存到服务器的作答共 1 题");
      await screenshot(page, "exam-handed-in-offline-unconfirmed");
      const attempt = await attemptAt(env.node, fixture.session.id);
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id, { status: 1 }).lean();
      expect(stored?.status).to.equal("in_progress");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });

  it("when that page still holds an answer the server never acknowledged, then it names the question as possibly not counted, and claims nothing either", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await page.clock.install();
      await enterReleasedExam(page, desk, fixture.session.id);
      await answerOneStoredOneHeld(page, network);
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();

      const { card, text } = await refusedBeforeTheClose(page, network, who.user.id);
      expectNothingClaimed(text);
      const unsaved = await card.locator('[data-test="handed-in-offline-unsaved"]').innerText();
      expect(unsaved).to.contain("第 2 题").and.contain("可能未计入成绩").and.not.contain("第 1 题");
      await screenshot(page, "exam-handed-in-offline-unsaved");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
