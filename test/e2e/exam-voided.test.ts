import { expect } from "chai";
import { screenshot } from "../helpers/browser.js";
import { examDb } from "../integration/exams/support/models.js";
import { call, ok } from "../integration/exams/support/clients.js";
import {
  aCheckedInSeat,
  answerOneStoredOneHeld,
  attemptAt,
  contextAs,
  enterReleasedExam,
  expectVoidedResult,
  interceptExamSocket,
  useExamBrowser,
} from "./exam-fixtures.js";

/**
 * An attempt the proctor voids (作废, misconduct) is never shown as handed in: whenever the server
 * tells the page (`attempt:closed` while connected, the sync after a reconnect), the page says the
 * result is void, and names no answer as missing from a score there is none of.
 */
describe("exam room (browser): a voided attempt", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the proctor voids the attempt while the page is offline and it reconnects, then it says the result is void, not handed in", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await enterReleasedExam(page, desk, fixture.session.id);

      // One answer stored, one still in the journal when the network goes.
      await answerOneStoredOneHeld(page, network);
      await network.goOffline();

      const attempt = await attemptAt(env.node, fixture.session.id);
      ok(await call(desk, "proctor:void", { attemptId: attempt._id, note: "考生携带手机，违纪" }));

      // The network is back (the login still holds): the sync says voided.
      network.holding = false;
      network.backOnline();
      await expectVoidedResult(page);
      expect(await page.locator('[data-test="unsaved-at-close"]').count()).to.equal(0);
      expect(await page.locator('[data-test="handed-in-offline"]').count()).to.equal(0);
      await screenshot(page, "exam-voided-after-reconnect");
      const stored = await examDb(env.node.ctx.conn).Attempts.findById(attempt._id, { status: 1 }).lean();
      expect(stored?.status).to.equal("voided");
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
