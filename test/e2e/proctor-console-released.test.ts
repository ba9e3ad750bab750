import { expect } from "chai";
import type { SessionRoomDto } from "../../server/contracts/exams.js";
import { screenshot } from "../helpers/browser.js";
import { call, ok } from "../integration/exams/support/clients.js";
import { aCheckedInSeat, contextAs, useExamBrowser } from "./exam-fixtures.js";

/** The node's calendar day of an instant. */
const dayOf = (timeZone: string, iso: string) => new Date(iso).toLocaleDateString("en-CA", { timeZone });

/** An instant as the console shows it: the node's zone, zh-CN, to the second, with the date or not. */
function shown(timeZone: string, iso: string, withDate: boolean): string {
  return new Intl.DateTimeFormat("zh-CN", {
    ...(withDate ? { dateStyle: "long" } : {}),
    timeStyle: "medium",
    hourCycle: "h23",
    timeZone,
  }).format(new Date(iso));
}

/**
 * The console's header says when the room was actually released next to when it was planned:
 * a proctor seeing 计划开考 09:00 could not tell whether papers went out on time, early, or at all.
 */
describe("proctor console (browser): the header's release time", function () {
  this.timeout(240_000);
  const env = useExamBrowser();

  it("when another proctor releases the room, then the console's header turns from 未开考 to 已开考 with the release's time", async () => {
    const { node, browser } = env;
    const { fixture, candidate, proctor, desk } = await aCheckedInSeat(node);
    const { timeZone } = node.ctx.config;
    const sessionId = fixture.session.id;
    const seat = `[data-test="seat-${candidate.assignment.seatNo}"]`;
    const con = await contextAs(browser, node.url, proctor);
    try {
      const pp = con.page;
      await pp.goto(`/proctor/sessions/${sessionId}`);
      await pp.locator(`${seat}[data-state="checked_in"]`).waitFor();
      const times = pp.locator('[data-test="room-times"]');
      const startsAt = fixture.session.startsAt;
      // The plan to the minute, as the app's shared formatDateTime prints it (the release to the second).
      const plannedAt = new Intl.DateTimeFormat("zh-CN", {
        dateStyle: "medium",
        timeStyle: "short",
        hourCycle: "h23",
        timeZone,
      }).format(new Date(startsAt));
      const planned = `计划开考 ${plannedAt}`;
      expect((await times.innerText()).trim()).to.equal(`${planned} · 未开考`);

      // Released from another console (the desk socket): this one learns it from the seat push.
      ok(
        await call(desk, "proctor:release", {
          sessionId,
          earlyReason: "考生全部到齐，经考点主任同意提前开考",
        }),
      );
      await pp.locator(`${seat}[data-state="in_progress"]`).waitFor();
      await times.getByText("已开考").waitFor();
      const room = (await proctor.agent.get(`/api/exam-sessions/${sessionId}/room`).expect(200))
        .body as SessionRoomDto;
      if (!room.releasedAt) throw new Error("the room was released");
      // The time of day; the date too only on a day other than the planned start's (near midnight).
      const otherDay = dayOf(timeZone, room.releasedAt) !== dayOf(timeZone, startsAt);
      expect((await times.innerText()).trim()).to.equal(
        `${planned} · 已开考 ${shown(timeZone, room.releasedAt, otherDay)}（提前开考）`,
      );
      await screenshot(pp, "proctor-console-released");
      expect(con.errors).to.deep.equal([]);
    } finally {
      desk.close();
      await con.context.close();
    }
  });
});
