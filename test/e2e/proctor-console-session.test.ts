import { expect } from "chai";
import { createStaff, loginStaff, scheduleCandidates, staffAgent } from "../helpers/auth.js";
import { screenshot } from "../helpers/browser.js";
import { contextAs, field, useExamBrowser } from "./exam-fixtures.js";

/**
 * The proctor console around a session rather than its seats: signing out and in again without a
 * reload, and a session that was cancelled. Split from proctor-console.test.ts (the seat actions)
 * to keep each file within the size limit; each test schedules its own session.
 */
describe("proctor console (browser): signing out and in again, a cancelled session", function () {
  this.timeout(240_000);
  const env = useExamBrowser();

  it("when a proctor signs out from the console and signs in again without a reload, then the console loads the room", async () => {
    const { node, browser } = env;
    const own = await scheduleCandidates(node, { count: 1, startsInMinutes: 15 });
    const c = own.candidates[0];
    if (!c) throw new Error("one candidate");
    const sessionId = own.session.id;
    const seat = `[data-test="seat-${c.assignment.seatNo}"]`;
    const { username, password } = await createStaff(node, {
      roles: ["proctor"],
      testCentreId: own.room.testCentreId,
      divisionCode: own.room.divisionCode,
    });
    const con = await contextAs(browser, node.url, await loginStaff(node, username, password));
    const pp = con.page;
    await pp.goto(`/proctor/sessions/${sessionId}`);
    await pp.locator(`${seat}[data-state="not_arrived"]`).waitFor();

    // Signing out closes the socket before the console goes away; leaving the room must not open
    // another one (without a session it is refused and never retried, and the next sign-in used it).
    await pp.locator('[data-test="logout"]').click();
    await pp.locator('[data-test="login-submit"]').waitFor();
    await field(pp, "username").fill(username);
    await field(pp, "password").fill(password);
    await pp.locator('[data-test="login-submit"]').click();
    const menu = pp.locator('[data-test="side-menu"]');
    const item = menu.locator(".el-menu-item", { hasText: /^\s*监考控制台\s*$/ });
    await menu.waitFor();
    if (!(await item.isVisible())) await menu.locator(".el-sub-menu__title", { hasText: "考场监考" }).click();
    await item.click();
    await field(pp, "session-id").fill(sessionId);
    await pp.locator('[data-test="open-session"]').click();
    await pp.locator(`${seat}[data-state="not_arrived"]`).waitFor({ timeout: 15_000 });

    expect(con.errors).to.deep.equal([]);
    await con.context.close();
  });

  it("when a session is cancelled, then its console says so instead of counting seats, and offers no room action", async () => {
    const { node, browser } = env;
    const own = await scheduleCandidates(node, { count: 1, startsInMinutes: 15 });
    const sessionId = own.session.id;
    const officer = await staffAgent(node, { roles: ["officer"], divisionCode: own.room.divisionCode });
    await officer.agent.patch(`/api/exam-sessions/${sessionId}`).send({ status: "cancelled" }).expect(200);
    const desk = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: own.room.testCentreId,
      divisionCode: own.room.divisionCode,
    });
    const con = await contextAs(browser, node.url, desk);
    const pp = con.page;
    await pp.goto(`/proctor/sessions/${sessionId}`);
    await pp.locator('[data-test="cancelled"]').getByText("本场次已取消").waitFor();
    expect(await pp.locator('[data-test="stats"]').count()).to.equal(0);
    // No seat map to wait for: the seat area says why, not 正在加载考场座位.
    await pp.locator('[data-test="seats-cancelled"]').waitFor();
    for (const t of ["release-room", "pause-room", "resume-room", "incident"])
      expect(await pp.locator(`[data-test="${t}"]`).count(), t).to.equal(0);
    await screenshot(pp, "proctor-console-cancelled");

    expect(con.errors).to.deep.equal([]);
    await con.context.close();
  });
});
