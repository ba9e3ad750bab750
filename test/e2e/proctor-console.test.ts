import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { ClockEventDto, AttemptClosedDto, SessionRoomDto } from "../../server/contracts/exams.js";
import {
  connectSocket,
  loginCandidate,
  scheduleCandidates,
  staffAgent,
  type AuthedAgent,
  type ScheduledCandidates,
  type TestSocket,
} from "../helpers/auth.js";
import { launchBrowser, screenshot } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { startTestNode } from "../helpers/node.js";
import { confirmEarlyRelease, contextAs, field, seedBank } from "./exam-fixtures.js";

/**
 * The proctor console's actions in the browser, each checked where it lands: on the seat map, on
 * the candidate's own page or socket, and on the server's room view. One candidate sits in a
 * browser (to see pause and extension on the exam page), the others on plain sockets.
 */

async function roomOf(proctor: AuthedAgent, sessionId: string): Promise<SessionRoomDto> {
  const res = await proctor.agent.get(`/api/exam-sessions/${sessionId}/room`).expect(200);
  return res.body as SessionRoomDto;
}

/** Opens the reason dialog's form, fills it and confirms. */
async function confirmReason(page: Page, reason: string, minutes?: number): Promise<void> {
  const reasonBox = field(page, "action-reason");
  await reasonBox.waitFor();
  if (minutes !== undefined) await field(page, "action-minutes").fill(String(minutes));
  await reasonBox.fill(reason);
  await page.locator('[data-test="action-confirm"]').click();
  await reasonBox.waitFor({ state: "hidden" });
}

function nextEvent<T>(
  socket: TestSocket,
  event: "attempt:clock" | "attempt:closed",
  match: (p: T) => boolean,
): Promise<T> {
  return new Promise((resolve) => {
    const on = (p: T): void => {
      if (!match(p)) return;
      socket.off(event, on as never);
      resolve(p);
    };
    socket.on(event, on as never);
  });
}

describe("proctor console (browser): check-in, release, pause, extend, incident, void, force submit", function () {
  this.timeout(240_000);
  let node: Awaited<ReturnType<typeof startTestNode>>;
  let browser: Browser;
  let fixture: ScheduledCandidates;
  let proctor: AuthedAgent;
  const sockets: TestSocket[] = [];

  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedBank(node);
    fixture = await scheduleCandidates(node, { count: 4, startsInMinutes: 15, earliestHandInMinutes: 0 });
    proctor = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.room.divisionCode,
      displayName: "李监考",
    });
    browser = await launchBrowser();
  });

  after(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await node?.stop();
  });

  it("when the proctor acts on seats from the console, then each candidate's attempt and the seat map change accordingly and nobody else is touched", async () => {
    const sessionId = fixture.session.id;
    const [c1, c2, c3, c4] = fixture.candidates;
    if (!c1 || !c2 || !c3 || !c4) throw new Error("four candidates");
    const seat = (c: typeof c1) => `[data-test="seat-${c.assignment.seatNo}"]`;

    const con = await contextAs(browser, node.url, proctor);
    const pp = con.page;
    await pp.goto(`/proctor/sessions/${sessionId}`);
    await pp.locator(`${seat(c4)}[data-state="not_arrived"]`).waitFor();

    // Candidate 1 sits at a browser; 2 and 3 on sockets; 4 never comes.
    const who1 = await loginCandidate(node, {
      idNumber: c1.idNumber,
      ticketNo: c1.assignment.ticketNo,
      seatToken: c1.seatToken,
    });
    const cand = await contextAs(browser, node.url, who1);
    await cand.page.goto("/exam");
    const s2 = await connectSocket(
      node,
      await loginCandidate(node, {
        idNumber: c2.idNumber,
        ticketNo: c2.assignment.ticketNo,
        seatToken: c2.seatToken,
      }),
    );
    const s3 = await connectSocket(
      node,
      await loginCandidate(node, {
        idNumber: c3.idNumber,
        ticketNo: c3.assignment.ticketNo,
        seatToken: c3.seatToken,
      }),
    );
    sockets.push(s2, s3);

    // A wrong ID number is refused at the desk and the seat stays "not arrived".
    await pp.locator(seat(c1)).click();
    await pp.locator('[data-test="check-in"]').click();
    await field(pp, "checkin-id").fill(c4.idNumber);
    await pp.locator('[data-test="checkin-submit"]').click();
    await pp.locator('[data-test="checkin-error"]').waitFor();
    await screenshot(pp, "proctor-check-in-refused");
    expect((await roomOf(proctor, sessionId)).seats.find((s) => s.candidateId === c1.id)?.state).to.equal(
      "not_arrived",
    );
    await field(pp, "checkin-id").fill(c1.idNumber);
    await pp.locator('[data-test="checkin-submit"]').click();
    await pp.locator('[data-test="checkin-ok"]').waitFor();
    await pp.locator('[data-test="checkin-close"]').click();
    await pp.locator('[data-test="checkin-ok"]').waitFor({ state: "hidden" });

    for (const c of [c2, c3]) {
      await pp.locator(seat(c)).click();
      await pp.locator('[data-test="check-in"]').click();
      await field(pp, "checkin-id").fill(c.idNumber);
      await pp.locator('[data-test="checkin-submit"]').click();
      await pp.locator('[data-test="checkin-ok"]').waitFor();
      await pp.locator('[data-test="checkin-close"]').click();
      await pp.locator('[data-test="checkin-ok"]').waitFor({ state: "hidden" });
    }

    // Candidates confirm their identity (1 on screen, 2 and 3 over the socket).
    await cand.page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
    const attempts = new Map<string, string>();
    for (const [c, s] of [
      [c2, s2],
      [c3, s3],
    ] as const) {
      const sync = await s.emitWithAck("attempt:sync", {});
      if (!sync.ok) throw new Error(sync.error.message);
      attempts.set(c.id, sync.data.attemptId);
      const ok = await s.emitWithAck("attempt:confirm", { attemptId: sync.data.attemptId });
      expect(ok.ok).to.equal(true);
    }
    for (const c of [c1, c2, c3]) await pp.locator(`${seat(c)}[data-state="ready"]`).waitFor();

    // Release candidate 1 alone first: only that seat starts.
    await pp.locator(seat(c1)).click();
    await pp.locator('[data-test="release-one"]').click();
    await confirmEarlyRelease(pp);
    await cand.page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
    await pp.locator(`${seat(c1)}[data-state="in_progress"]`).waitFor();
    expect(await pp.locator(seat(c2)).getAttribute("data-state")).to.equal("ready");

    // Then the room: 2 and 3 start, 4 (absent) stays not arrived.
    await pp.locator('[data-test="release-room"]').click();
    expect(await confirmEarlyRelease(pp)).to.match(/计划开考时间 \d{2}:\d{2}，现在提前 1[45] 分钟/);
    for (const c of [c2, c3]) await pp.locator(`${seat(c)}[data-state="in_progress"]`).waitFor();
    expect(await pp.locator(seat(c4)).getAttribute("data-state")).to.equal("not_arrived");
    const a2 = attempts.get(c2.id) ?? "";
    const a3 = attempts.get(c3.id) ?? "";
    const a = await s2.emitWithAck("attempt:answer", { attemptId: a2, seq: 1, index: 0, choice: ["T"] });
    expect(a.ok).to.equal(true);

    // Pause candidate 1 with a reason: their page shows the pause and freezes the clock.
    await pp.locator(seat(c1)).click();
    await pp.locator('[data-test="pause-one"]').click();
    await confirmReason(pp, "考生举手反映显示器闪烁，更换设备");
    await cand.page.locator('[data-test="paused"]').waitFor({ timeout: 10_000 });
    await pp.locator(seat(c1)).getByText("已暂停").waitFor();
    await screenshot(cand.page, "exam-paused");
    const frozen = await cand.page.locator('[data-test="countdown"]').getAttribute("data-remaining-ms");
    await pp.locator('[data-test="resume-one"]').click();
    await cand.page.locator('[data-test="paused"]').waitFor({ state: "hidden", timeout: 10_000 });
    expect(Number(frozen)).to.be.greaterThan(0);

    // Extend candidate 2 by 10 minutes: the candidate's deadline moves by exactly that.
    const before = await s2.emitWithAck("attempt:sync", { attemptId: a2 });
    if (!before.ok) throw new Error(before.error.message);
    const clock = nextEvent<ClockEventDto>(s2, "attempt:clock", (p) => p.attemptId === a2);
    await pp.locator(seat(c2)).click();
    await pp.locator('[data-test="extend"]').click();
    await confirmReason(pp, "考生机器故障更换座位，耽误约 10 分钟", 10);
    const moved = await clock;
    expect((moved.deadline ?? 0) - (before.data.deadline ?? 0)).to.equal(10 * 60_000);
    await pp.locator(seat(c2)).getByText("+10 分钟").waitFor();
    // Nothing locks candidate 2's login: lifting it says so (the lock itself is tested against the API).
    await pp.locator('[data-test="unlock-login"]').click();
    await pp.locator(".el-message", { hasText: "当前没有登录锁定" }).waitFor();

    // An incident report lands in the console's log.
    await pp.locator('[data-test="incident"]').click();
    await pp.locator('[data-test="incident-kind-technical"]').click();
    const note = field(pp, "incident-note");
    await note.fill("2 号座计算机显示器故障，已更换备用机");
    await pp.locator('[data-test="incident-confirm"]').click();
    await note.waitFor({ state: "hidden" });
    await pp.locator('[data-test="incidents"]').getByText("显示器故障", { exact: false }).waitFor();

    // Void candidate 3 for misconduct: their socket hears the attempt closed as voided.
    const closed3 = nextEvent<AttemptClosedDto>(s3, "attempt:closed", (p) => p.attemptId === a3);
    await pp.locator(seat(c3)).click();
    await pp.locator('[data-test="void"]').click();
    await confirmReason(pp, "考试中使用手机查询答案，经两名监考员确认");
    expect((await closed3).status).to.equal("voided");
    await pp.locator(`${seat(c3)}[data-state="voided"]`).waitFor();

    // Force-submit candidate 2: graded with what they saved (one true/false answer).
    const closed2 = nextEvent<AttemptClosedDto>(s2, "attempt:closed", (p) => p.attemptId === a2);
    await pp.locator(seat(c2)).click();
    await pp.locator('[data-test="force-submit"]').click();
    await confirmReason(pp, "考生身体不适，申请提前结束考试");
    const done2 = await closed2;
    expect(done2.status).to.equal("submitted");
    expect(done2.closeReason).to.equal("forced");
    await pp.locator(`${seat(c2)}[data-state="submitted"]`).waitFor();
    await screenshot(pp, "proctor-console-actions");
    // The head counts use the legend's words, and a room with no wait before hand-in says so plainly.
    const stats = await pp.locator('[data-test="stats"]').innerText();
    expect(stats).to.contain("已签到").and.contain("连接中断").and.contain("已作废").and.not.contain("断线");
    const strip = await pp.locator(".rc-con__strip").innerText();
    expect(strip).to.contain("开考后即可交卷").and.not.contain("0 分钟后可交卷");

    const room = await roomOf(proctor, sessionId);
    const byId = new Map(room.seats.map((s) => [s.candidateId, s]));
    expect(byId.get(c1.id)?.state).to.equal("in_progress");
    expect(byId.get(c1.id)?.paused).to.equal(false);
    expect(byId.get(c2.id)?.state).to.equal("submitted");
    expect(byId.get(c2.id)?.extraMinutes).to.equal(10);
    expect(byId.get(c3.id)?.state).to.equal("voided");
    expect(byId.get(c4.id)?.state).to.equal("not_arrived");
    expect(room.incidents.map((i) => i.kind)).to.deep.equal(["technical"]);

    expect(con.errors).to.deep.equal([]);
    expect(cand.errors).to.deep.equal([]);
    await cand.context.close();
    await con.context.close();
  });

  it("when a proctor asks for an extension that needs a second approver, then they cannot approve it themselves, and an officer watching is offered only the approval", async () => {
    const own = await scheduleCandidates(node, { count: 1, startsInMinutes: 15, earliestHandInMinutes: 0 });
    const c = own.candidates[0];
    if (!c) throw new Error("one candidate");
    const sessionId = own.session.id;
    const seat = `[data-test="seat-${c.assignment.seatNo}"]`;
    const requester = await staffAgent(node, {
      roles: ["proctor"],
      testCentreId: own.room.testCentreId,
      divisionCode: own.room.divisionCode,
      displayName: "周监考",
    });
    const officer = await staffAgent(node, {
      roles: ["officer"],
      divisionCode: own.room.divisionCode,
      displayName: "赵考务",
    });
    // The room in progress, set up over sockets: check-in, the candidate's confirmation, release.
    const desk = await connectSocket(node, requester);
    const cs = await connectSocket(
      node,
      await loginCandidate(node, {
        idNumber: c.idNumber,
        ticketNo: c.assignment.ticketNo,
        seatToken: c.seatToken,
      }),
    );
    sockets.push(desk, cs);
    expect((await desk.emitWithAck("proctor:watch", { sessionId })).ok).to.equal(true);
    const checked = await desk.emitWithAck("proctor:check_in", {
      sessionId,
      candidateId: c.id,
      idNumber: c.idNumber,
    });
    expect(checked.ok).to.equal(true);
    const sync = await cs.emitWithAck("attempt:sync", {});
    if (!sync.ok) throw new Error(sync.error.message);
    expect((await cs.emitWithAck("attempt:confirm", { attemptId: sync.data.attemptId })).ok).to.equal(true);
    const released = await desk.emitWithAck("proctor:release", {
      sessionId,
      earlyReason: "考生全部到齐，经考点主任同意提前开考",
    });
    expect(released.ok).to.equal(true);

    // The proctor asks for 5 minutes with a second approver: the request shows who asked, and
    // the requester is told to wait instead of being offered 批准/驳回 (the server would refuse).
    const mine = await contextAs(browser, node.url, requester);
    await mine.page.goto(`/proctor/sessions/${sessionId}`);
    await mine.page.locator(`${seat}[data-state="in_progress"]`).click();
    await mine.page.locator('[data-test="extend"]').click();
    await field(mine.page, "action-reason").waitFor();
    await mine.page.getByText("需另一名监考员 / 考务人员审批后生效").click();
    await confirmReason(mine.page, "考生机器故障更换座位，耽误约 5 分钟", 5);
    const pending = mine.page.locator('[data-test="pending-extension"]');
    await pending.locator('[data-test="pending-own"]').waitFor();
    expect(await pending.innerText())
      .to.contain("周监考")
      .and.contain("等待另一名监考员或考务人员审批");
    expect(await pending.getByRole("button", { name: "批准" }).count()).to.equal(0);
    // After a reload too: the seat map names the requester's account.
    await mine.page.reload();
    await mine.page.locator(seat).click();
    await mine.page.locator('[data-test="pending-own"]').waitFor();

    // The officer watches: no room control, no seat action, but the approval.
    const off = await contextAs(browser, node.url, officer);
    const op = off.page;
    await op.goto(`/proctor/sessions/${sessionId}`);
    await op.locator(`${seat}[data-state="in_progress"]`).click();
    await op.locator('[data-test="watch-only"]').waitFor();
    for (const t of [
      "release-room",
      "pause-room",
      "resume-room",
      "incident",
      "pause-one",
      "extend",
      "force-submit",
      "void",
      "unlock-login",
    ])
      expect(await op.locator(`[data-test="${t}"]`).count(), t).to.equal(0);
    const offered = op.locator('[data-test="pending-extension"]');
    expect(await offered.innerText()).to.contain("周监考");
    await screenshot(op, "proctor-console-officer");
    await offered.getByRole("button", { name: "批准" }).click();
    await op.locator(seat).getByText("+5 分钟").waitFor();
    expect((await roomOf(requester, sessionId)).seats[0]?.extraMinutes).to.equal(5);

    expect(mine.errors).to.deep.equal([]);
    expect(off.errors).to.deep.equal([]);
    await mine.context.close();
    await off.context.close();
  });
});
