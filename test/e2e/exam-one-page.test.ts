import { expect } from "chai";
import { screenshot } from "../helpers/browser.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/**
 * One page answers for a seat: a candidate who opens the exam in a second tab finds the first tab
 * stopped with a message saying where the exam went and how to continue there.
 */
describe("exam room (browser): one page per seat", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the candidate opens the exam in a second tab, then the first tab stops and says so, and the second carries on", async () => {
    const { desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page: first, errors } = await contextAs(env.browser, env.node.url, who);
      await first.goto("/exam");
      await first.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });

      const second = await context.newPage();
      await second.goto("/exam");
      await second.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });
      const notice = first.locator('[data-test="exam-taken-over"]');
      await notice.waitFor({ timeout: 15_000 });
      expect(await notice.innerText())
        .to.contain("本场考试已在其他页面打开")
        .and.contain("本页已停止作答");
      await screenshot(first, "exam-taken-over");
      // The identity screen is gone from the first tab: nothing there can be answered any more.
      expect(await first.locator('[data-test="identity-confirm"]').count()).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
