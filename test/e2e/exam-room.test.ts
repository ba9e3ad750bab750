import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { SessionRoomDto } from "../../server/contracts/exams.js";
import {
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
  type ScheduledCandidates,
} from "../helpers/auth.js";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";
import { BANK, TOTAL, confirmEarlyRelease, contextAs, field, seedBank, type BankItem } from "./exam-fixtures.js";

/**
 * A whole exam room in real browsers: a proctor checks three candidates in and releases the room
 * from the console; the candidates answer in their own pages (one with the keyboard only, one
 * going offline half-way and coming back); they hand in and see their scores; the proctor's seat
 * map follows every step. The paper is built from a small bank whose correct answers the test
 * knows by their text (options are shuffled per candidate), so the scores are exact.
 */

/** How this candidate answers: all correct, or true/false deliberately wrong. */
type Strategy = "correct" | "tf-wrong";

async function currentQuestion(page: Page): Promise<{ index: number; item: BankItem }> {
  const q = page.locator('[data-test="question"]');
  await q.waitFor();
  const index = Number(await q.getAttribute("data-index"));
  const stem = (await page.locator('[data-test="stem"]').innerText()).trim();
  const item = BANK.find((b) => stem.startsWith(b.stem));
  if (!item) throw new Error(`unknown stem on screen: ${stem}`);
  return { index, item };
}

/**
 * Answers the question on screen. True/false goes through the keyboard (T/F), choices by
 * clicking the option whose text is right (the letters are shuffled per paper). Resolves with
 * how many saves that made (one per key press or click).
 */
async function answerCurrent(page: Page, strategy: Strategy, keyboardOnly: boolean): Promise<number> {
  const { item } = await currentQuestion(page);
  if (item.type === "true_false") {
    const right = item.correct[0] ?? "T";
    await page.keyboard.press(strategy === "tf-wrong" ? (right === "T" ? "F" : "T") : right);
  } else {
    for (const text of item.correct) {
      const option = page.locator('[data-test="question"] button[role="option"]', { hasText: text });
      if (keyboardOnly) {
        const key = (await option.getAttribute("data-test"))?.replace("option-", "") ?? "";
        await page.keyboard.press(key);
      } else await option.click();
    }
  }
  return item.type === "true_false" ? 1 : item.correct.length;
}

async function waitSaved(page: Page): Promise<void> {
  await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
}

async function roomOf(proctor: AuthedAgent, sessionId: string): Promise<SessionRoomDto> {
  const res = await proctor.agent.get(`/api/exam-sessions/${sessionId}/room`).expect(200);
  return res.body as SessionRoomDto;
}

describe("exam room (browser): proctor console and candidate pages", function () {
  this.timeout(240_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;
  let fixture: ScheduledCandidates;
  let proctor: AuthedAgent;

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedBank(node);
    fixture = await scheduleCandidates(node, { count: 3, startsInMinutes: 15, earliestHandInMinutes: 0 });
    proctor = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.room.divisionCode,
      displayName: "王监考",
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when a proctor checks in and releases a room and one candidate goes offline mid-exam, then every answer arrives, all hand in with exact scores and the seat map follows", async () => {
    const sessionId = fixture.session.id;
    const [c1, c2, c3] = fixture.candidates;
    if (!c1 || !c2 || !c3) throw new Error("fixture has three candidates");

    // The proctor opens the live console.
    const console_ = await contextAs(browser, node.url, proctor);
    const pp = console_.page;
    await pp.goto(`/proctor/sessions/${sessionId}`);
    for (const c of fixture.candidates)
      await pp.locator(`[data-test="seat-${c.assignment.seatNo}"][data-state="not_arrived"]`).waitFor();

    // Each candidate logs in at their seat (ID number + ticket + the seat's kiosk token).
    const people = [];
    for (const c of fixture.candidates) {
      const who = await loginCandidate(node, {
        idNumber: c.idNumber,
        ticketNo: c.assignment.ticketNo,
        seatToken: c.seatToken,
      });
      const ctx = await contextAs(browser, node.url, who);
      await ctx.page.goto("/exam");
      await ctx.page.locator('[data-test="exam-error"]').getByText("尚未签到").waitFor();
      people.push({ c, ...ctx });
    }
    const [p1, p2, p3] = people;
    if (!p1 || !p2 || !p3) throw new Error("three candidate pages");

    // Check-in at the desk: the proctor types each ID number; the seat turns "checked in".
    for (const { c } of people) {
      await pp.locator(`[data-test="seat-${c.assignment.seatNo}"]`).click();
      await pp.locator('[data-test="check-in"]').click();
      await field(pp, "checkin-id").fill(c.idNumber);
      await pp.locator('[data-test="checkin-submit"]').click();
      await pp.locator('[data-test="checkin-ok"]').waitFor();
      await pp.locator('[data-test="checkin-close"]').click();
      await pp.locator('[data-test="checkin-ok"]').waitFor({ state: "hidden" });
      await pp.locator(`[data-test="seat-${c.assignment.seatNo}"][data-state="checked_in"]`).waitFor();
    }

    // Each seat's screen shows the candidate's identity to confirm; then they wait for the start.
    for (const p of people) {
      await p.page.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });
      expect(await p.page.locator('[data-test="confirm-name"]').innerText()).to.equal(p.c.name);
      if (p === p1) await screenshot(p.page, "exam-identity-confirm");
      await p.page.locator('[data-test="confirm-identity"]').click();
      await p.page.locator('[data-test="waiting-room"]').waitFor();
      await pp.locator(`[data-test="seat-${p.c.assignment.seatNo}"][data-state="ready"]`).waitFor();
    }
    await screenshot(p1.page, "exam-waiting-room");

    // Release the whole room: every page turns into the exam sheet on its own.
    await pp.locator('[data-test="release-room"]').click();
    expect(await confirmEarlyRelease(pp)).to.match(/计划开考时间 \d{2}:\d{2}，现在提前 1[45] 分钟/);
    for (const p of people) await p.page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
    for (const { c } of people)
      await pp.locator(`[data-test="seat-${c.assignment.seatNo}"][data-state="in_progress"]`).waitFor();

    const n = BANK.length;
    // Candidate 1 answers everything right with the keyboard only, flags one question on the way.
    for (let i = 0; i < n; i++) {
      await answerCurrent(p1.page, "correct", true);
      await waitSaved(p1.page);
      if (i === 2) {
        await p1.page.keyboard.press("m");
        await p1.page.locator('[data-test="nav-3"].is-flagged').waitFor();
        await waitSaved(p1.page);
      }
      if (i < n - 1) await p1.page.keyboard.press("ArrowRight");
    }
    expect(await p1.page.locator('[data-test="answered-count"]').innerText()).to.equal(String(n));
    await screenshot(p1.page, "exam-sheet");

    // Candidate 2 answers every true/false wrong, the rest right, with the mouse.
    for (let i = 0; i < n; i++) {
      await answerCurrent(p2.page, "tf-wrong", false);
      await waitSaved(p2.page);
      if (i < n - 1) await p2.page.locator('[data-test="next"]').click();
    }

    // Candidate 3 answers three questions, loses the network, keeps answering, comes back.
    for (let i = 0; i < 3; i++) {
      await answerCurrent(p3.page, "correct", false);
      await waitSaved(p3.page);
      await p3.page.keyboard.press("ArrowRight");
    }
    await p3.context.setOffline(true);
    await p3.page.locator('[data-test="sync-state"].is-offline').waitFor({ timeout: 15_000 });
    let queued = 0;
    for (let i = 3; i < n; i++) {
      queued += await answerCurrent(p3.page, "correct", false);
      // The answer shows at once and is kept on this computer, never blocked.
      await p3.page.locator('[data-test="save-state"][data-state="queued"]').waitFor();
      if (i < n - 1) await p3.page.keyboard.press("ArrowRight");
    }
    expect(await p3.page.locator('[data-test="answered-count"]').innerText()).to.equal(String(n));
    await p3.page.locator('[data-test="sync-state"]').getByText(`${queued} 条待同步`).waitFor();
    await screenshot(p3.page, "exam-sheet-offline");
    // The server has only the first three of candidate 3's answers while the page is offline.
    const whileAway = (await roomOf(proctor, sessionId)).seats.find((s) => s.candidateId === c3.id);
    expect(whileAway?.answered).to.equal(3);

    await p3.context.setOffline(false);
    await p3.page
      .locator('[data-test="sync-state"]')
      .getByText("全部作答已保存到服务器")
      .waitFor({ timeout: 30_000 });
    await waitSaved(p3.page);

    // The proctor's seat map shows everyone's progress.
    for (const { c } of people) {
      await pp
        .locator(`[data-test="seat-${c.assignment.seatNo}"] [data-test="seat-progress"]`)
        .getByText(`${n}/${n}`)
        .waitFor({ timeout: 15_000 });
    }
    await pp.locator(`[data-test="seat-${c1.assignment.seatNo}"]`).click();
    await screenshot(pp, "proctor-console");

    // Everyone hands in after confirming; each sees the provisional score.
    const expected = new Map([
      [c1.id, { score: TOTAL, passed: true }],
      [c2.id, { score: TOTAL - 4, passed: false }],
      [c3.id, { score: TOTAL, passed: true }],
    ]);
    for (const p of people) {
      await p.page.locator('[data-test="submit"]').click();
      await p.page.locator('[data-test="submit-summary"]').getByText(`已答 ${n} 题`).waitFor();
      if (p === p2) await screenshot(p.page, "exam-submit-confirm");
      await p.page.locator('[data-test="submit-confirm"]').click();
      await p.page.waitForURL(/\/exam\/result$/);
      const want = expected.get(p.c.id);
      await p.page.locator('[data-test="score-value"]').waitFor();
      expect(await p.page.locator('[data-test="score-value"]').innerText()).to.equal(String(want?.score));
      expect(await p.page.locator('[data-test="pass-state"]').innerText()).to.contain(
        want?.passed ? "合格" : "不合格",
      );
      expect(await p.page.locator('[data-test="official-note"]').innerText()).to.contain("临时成绩");
    }
    await screenshot(p1.page, "exam-result");
    await screenshot(p2.page, "exam-result-fail");

    // The seat map ends with every seat submitted and its score; the server agrees.
    for (const { c } of people) {
      const seat = pp.locator(`[data-test="seat-${c.assignment.seatNo}"][data-state="submitted"]`);
      await seat.waitFor({ timeout: 15_000 });
      expect(await seat.locator('[data-test="seat-score"]').innerText()).to.contain(
        `${expected.get(c.id)?.score} 分`,
      );
    }
    await screenshot(pp, "proctor-console-done");
    const final = await roomOf(proctor, sessionId);
    for (const s of final.seats) {
      expect(s.state).to.equal("submitted");
      expect(s.score).to.equal(expected.get(s.candidateId)?.score);
      expect(s.passed).to.equal(expected.get(s.candidateId)?.passed);
    }

    for (const p of [console_, ...people]) {
      expect(p.errors).to.deep.equal([]);
      await p.context.close();
    }
  });
});
