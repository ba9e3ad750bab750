import { expect } from "chai";
import { screenshot } from "../helpers/browser.js";
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
} from "./exam-fixtures.js";

/**
 * Time up with an answer still on its way: the server closes the attempt at the deadline (plus
 * grace) without it, and the result page must say which question did not count. A room released
 * at its scheduled start ends at its nominal end, so by then the candidate's login window is over
 * too and the page cannot ask the server again: what `attempt:closed` carries has to do.
 */
describe("exam room (browser): an answer pending at time-up", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the deadline closes the attempt after the login window while an answer is unsent, then the result page names that question as not counted", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // The network stays up; only the page's answer saves are held once question 1 is stored.
      const network = await interceptExamSocket(page);
      // Released early only to keep the test short: the login window is ended below before the
      // deadline, as a release at the scheduled start leaves it.
      await enterReleasedExam(page, desk, fixture.session.id);

      // Question 1 is answered and stored; question 2's answer stays on the page.
      await answerOneStoredOneHeld(page, network);
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();

      // The session's end passes: the login, and the socket the page holds, were given until then …
      const past = await endSessionAndLoginWindow(env.node, fixture.session.id, who.user.id);
      const held = [...env.node.io.sockets.sockets.values()].filter((s) => s.data.user?.id === who.user.id);
      expect(held, "the page's socket on the server").to.have.length(1);
      for (const s of held) s.data.candidateUntil = past.getTime();
      // … and then the attempt's deadline and grace: the sweeper closes it without question 2.
      const attempt = await attemptAt(env.node, fixture.session.id);
      await closeAtDeadline(env.node, attempt._id);

      await page.locator('[data-test="result"]').waitFor({ timeout: 20_000 });
      await expectOnlyQuestion2NotCounted(page);
      await screenshot(page, "exam-unsaved-at-close");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id).lean();
      expect(stored?.status).to.equal("submitted");
      expect(stored?.answers[1]?.seq).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });

  it("when the page is offline at time-up and its login is over once it reconnects, then the refusal says it was handed in: the result page shows it and names the unconfirmed answer", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      // The page's clock runs as the real one until the test moves it on.
      await page.clock.install();
      await enterReleasedExam(page, desk, fixture.session.id);

      // Question 1 is answered and stored; question 2's answer never reaches the server.
      await answerOneStoredOneHeld(page, network);
      await page.locator('[data-test="save-state"][data-state="saving"]').waitFor();

      // The network goes, and stays gone while the sitting's time runs out: the page's clock (an
      // hour on, the whole sitting) and the server's deadline, which its sweeper closes the attempt at.
      await network.goOffline();
      await page.clock.fastForward("01:00:00");
      await page.locator('[data-test="time-up"]').waitFor({ timeout: 15_000 });
      const attempt = await attemptAt(env.node, fixture.session.id);

      // The session's end has passed: the login given until then holds no more, and the server
      // hands the attempt in at the deadline and grace without question 2.
      await endSessionAndLoginWindow(env.node, fixture.session.id, who.user.id);
      await closeAtDeadline(env.node, attempt._id);

      // The network is back: the server refuses the page's login, saying how the attempt closed:
      // the result page shows the score, and names the unconfirmed answer as not counted.
      network.backOnline();
      await page.locator('[data-test="result"]').waitFor({ timeout: 30_000 });
      await expectOnlyQuestion2NotCounted(page);
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      expect(await page.locator('[data-test="exam-sheet"]').count()).to.equal(0);
      await screenshot(page, "exam-closed-offline-after-window");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id).lean();
      expect(stored?.status).to.equal("submitted");
      expect(stored?.answers[1]?.seq).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
