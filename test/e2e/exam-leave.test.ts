import { expect } from "chai";
import { screenshot } from "../helpers/browser.js";
import {
  aCheckedInSeat,
  contextAs,
  enterReleasedExam,
  interceptExamSocket,
  useExamBrowser,
} from "./exam-fixtures.js";

/**
 * 退出 mid-exam signed out at once: the sign-out closes the socket, and an answer the server had
 * not acknowledged yet was gone with it. It is refused while answers wait, naming them, and
 * confirmed first otherwise.
 */
describe("exam room (browser): 退出 while answers are not on the server", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when an answer is still unsent, then 退出 is refused naming it; once stored, 退出 asks first and then signs out", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      const network = await interceptExamSocket(page);
      await enterReleasedExam(page, desk, fixture.session.id);

      network.holding = true;
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="logout"]').click();
      const box = page.locator(".el-message-box");
      await box.getByText("还有 1 条作答未保存到服务器（第 1 题）").waitFor({ timeout: 5_000 });
      await screenshot(page, "exam-logout-refused");
      await box.getByRole("button", { name: "继续作答" }).click();
      await box.waitFor({ state: "hidden" });
      expect(new URL(page.url()).pathname).to.equal("/exam");
      await page.locator('[data-test="exam-sheet"]').waitFor();

      // The connection lets the save through: it is stored, and 退出 now asks before it signs out.
      network.holding = false;
      await page
        .locator('[data-test="sync-state"]')
        .getByText("全部作答已保存到服务器")
        .waitFor({ timeout: 15_000 });
      await page.locator('[data-test="logout"]').click();
      await box.getByText("考试正在进行").waitFor({ timeout: 5_000 });
      await box.getByRole("button", { name: "取消" }).click();
      await box.waitFor({ state: "hidden" });
      expect(new URL(page.url()).pathname).to.equal("/exam");
      await page.locator('[data-test="logout"]').click();
      await box.getByRole("button", { name: "退出" }).click();
      await page.waitForURL(/\/login/);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});

/**
 * IndexedDB refusing the journal's writes (a full quota) went unnoticed: the page kept saying the
 * answers were kept on this computer, and a reload lost them without a word.
 */
describe("exam room (browser): browser storage refusing the answer journal", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when IndexedDB refuses an answer, then the page stops saying it is stored locally, warns against a reload, and the browser asks before one", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // Every write to the journal's store is refused, as a full quota refuses it.
      await page.addInitScript(() => {
        const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: unknown } } })
          .IDBObjectStore.prototype;
        proto.put = () => {
          throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        };
      });
      const network = await interceptExamSocket(page);
      await enterReleasedExam(page, desk, fixture.session.id);
      expect(await page.locator('[data-test="journal-not-durable"]').count()).to.equal(0);

      network.holding = true;
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="journal-not-durable"]').getByText("请勿刷新或关闭页面").waitFor();
      // Offline, the answer waits on the page: neither the question nor the bar says it is stored here.
      await network.goOffline();
      await page.locator('[data-test="sync-state"]').getByText("1 条作答尚未保存").waitFor();
      const state = page.locator('[data-test="question"] [data-test="save-state"]');
      await state.getByText("尚未保存").waitFor({ timeout: 5_000 });
      // The sheet only: the layout's reconnect banner (app/connection-words.ts) is not the exam's to word.
      expect(await page.locator('[data-test="exam-sheet"]').innerText()).not.to.contain("已暂存本机");
      await screenshot(page, "exam-journal-not-durable");

      // A reload would lose the answer: the browser asks first (dismissed, the page stays).
      let asked = "";
      page.once("dialog", (d) => {
        asked = d.type();
        void d.dismiss();
      });
      await page.reload({ timeout: 3_000 }).catch(() => undefined);
      expect(asked).to.equal("beforeunload");
      await state.getByText("尚未保存").waitFor();

      // Back online, the page sends it and the server stores it.
      network.holding = false;
      network.backOnline();
      await page
        .locator('[data-test="sync-state"]')
        .getByText("全部作答已保存到服务器")
        .waitFor({ timeout: 30_000 });
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
