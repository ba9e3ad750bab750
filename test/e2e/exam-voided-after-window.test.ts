import { expect } from "chai";
import { screenshot } from "../helpers/browser.js";
import { call, ok } from "../integration/exams/support/clients.js";
import {
  aCheckedInSeat,
  attemptAt,
  contextAs,
  endSessionAndLoginWindow,
  enterReleasedExam,
  expectVoidedResult,
  interceptExamSocket,
  useExamBrowser,
} from "./exam-fixtures.js";

/**
 * A page offline while the proctor voids its attempt, that comes back only after its login window:
 * the server refuses its login (the sitting is over), and that refusal alone read as "handed in
 * automatically" (已自动交卷). The refusal now says how the attempt closed.
 */
describe("exam room (browser): a voided attempt met after the login window", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the proctor voids the attempt while the page is offline and it reconnects after its login window, then it says the result is void, not handed in", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await enterReleasedExam(page, desk, fixture.session.id);
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });

      await network.goOffline();

      const attempt = await attemptAt(env.node, fixture.session.id);
      ok(await call(desk, "proctor:void", { attemptId: attempt._id, note: "考生携带手机，违纪" }));
      // The session's end, and the window the login was given, pass while the page is offline.
      await endSessionAndLoginWindow(env.node, fixture.session.id, who.user.id);

      network.backOnline();
      await expectVoidedResult(page);
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      await screenshot(page, "exam-voided-after-window");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
