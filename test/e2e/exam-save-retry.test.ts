import { expect } from "chai";
import type { WebSocketRoute } from "playwright-core";
import { io as ioClient } from "socket.io-client";
import type { AnswerPayload, SessionRoomDto } from "../../server/contracts/exams.js";
import { loginCandidate, scheduleCandidates, staffAgent } from "../helpers/auth.js";
import { screenshot } from "../helpers/browser.js";
import { call, ok, type ExamSocket } from "../integration/exams/support/clients.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";
import { aCheckedInSeat, contextAs, enterReleasedExam, field, useExamBrowser } from "./exam-fixtures.js";

/**
 * A save the server fails (a database failover answers `internal_error`) is resent by the page on
 * its own while the socket stays connected: before, only a reconnect, an unpause or the hand-in
 * resent it, and the time-up closed the attempt without that answer.
 */
describe("exam room (browser): a failed save is retried without a reconnect", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when the server answers a save with internal_error, then the page retries it on the same connection and the answer is stored", async () => {
    const { fixture, candidate: c, proctor, desk, who } = await aCheckedInSeat(env.node);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);

      // Between page and server: `attempt:answer` is answered with internal_error in the server's
      // place (socket.io frame `42<id>[event, payload]`, ack `43<id>[body]`) until the test has seen
      // the page say so (a fixed first failure left the words on screen for about a second, which a
      // loaded machine could miss); every other frame passes. Each websocket the page opens is
      // counted: a retry must not need a new one.
      const connections: WebSocketRoute[] = [];
      const answers: string[] = [];
      let failing = true;
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        connections.push(ws);
        const server = ws.connectToServer();
        ws.onMessage((frame) => {
          const text = typeof frame === "string" ? frame : frame.toString("utf8");
          const m = /^42(\d+)\["attempt:answer"/.exec(text);
          if (m) {
            answers.push(text);
            if (failing) {
              const body = { ok: false, error: { code: "internal_error", message: "服务器内部错误" } };
              ws.send(`43${m[1]}${JSON.stringify([body])}`);
              return;
            }
          }
          server.send(frame);
        });
      });

      await enterReleasedExam(page, desk, fixture.session.id);

      const first = page.locator('[data-test="question"] button[role="option"]').first();
      await first.click();
      // The failure is said, not hidden behind a spinner that never ends …
      await page
        .locator('[data-test="sync-state"]')
        .getByText("保存未成功，正在自动重试")
        .waitFor({ timeout: 5_000 });
      await screenshot(page, "exam-save-retrying");
      failing = false;
      // … and about a second later the same save goes again and is stored.
      await page
        .locator('[data-test="sync-state"]')
        .getByText("全部作答已保存到服务器")
        .waitFor({ timeout: 10_000 });
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor();
      // Refused at least once, then the same save again (retries while failing are not counted exactly).
      expect(answers.length).to.be.at.least(2);
      expect(new Set(answers.map((a) => a.replace(/^42\d+/, ""))).size).to.equal(1);
      expect(connections).to.have.length(1);
      const room = (await proctor.agent.get(`/api/exam-sessions/${fixture.session.id}/room`).expect(200))
        .body as SessionRoomDto;
      expect(room.seats.find((s) => s.candidateId === c.id)?.answered).to.equal(1);

      // The result page opened before the end says so, instead of loading for ever.
      await page.goto("/exam/result");
      await page.locator('[data-test="result-not-closed"]').getByText("考试尚未结束").waitFor();
      expect(await page.locator(".el-skeleton").count()).to.equal(0);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});

/** A socket.io connection with `cookie`'s session (another page of that candidate, or the proctor's desk). */
async function aSocket(url: string, cookie: string): Promise<ExamSocket> {
  const socket: ExamSocket = ioClient(url, {
    transports: ["websocket"],
    extraHeaders: { cookie, origin: url },
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

/** Another answer to the same question than `choice` (true/false flips, a lettered option moves on). */
function anotherChoice(choice: AnswerPayload["choice"]): AnswerPayload["choice"] {
  const first = choice[0];
  if (first === "T") return ["F"];
  if (first === "F") return ["T"];
  return [first === "A" ? "B" : "A"];
}

/**
 * Another page of the seat numbers its saves like this one (the kiosk's page before a reload, a
 * second tab): the server refuses this page's save under the taken seq (`seq_conflict`), and the
 * page numbers it anew after the server's last seq so its answer, not the other's, is graded.
 */
describe("exam room (browser): a save refused seq_conflict is numbered anew", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when another page stored another answer under the seq of a journalled save, then after a reload the page's answer is stored under a new seq and shown saved", async () => {
    const { fixture, desk, who } = await aCheckedInSeat(env.node);
    const other = await aSocket(env.node.url, who.cookie);
    try {
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      // The page's answers never reach the server while `holding` (the connection drops them):
      // they stay in its journal, in IndexedDB, with their seqs.
      let holding = true;
      const held: AnswerPayload[] = [];
      let heldOne = (): void => undefined;
      const answered = new Promise<void>((resolve) => (heldOne = resolve));
      await page.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((frame) => {
          const text = typeof frame === "string" ? frame : frame.toString("utf8");
          const m = /^42\d+\["attempt:answer",(.*)\]$/.exec(text);
          if (m?.[1] && holding) {
            held.push(JSON.parse(m[1]) as AnswerPayload);
            heldOne();
            return;
          }
          server.send(frame);
        });
      });
      await enterReleasedExam(page, desk, fixture.session.id);

      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await answered;
      const mine = held[0];
      if (!mine) throw new Error("the page sent no answer");
      expect(mine).to.include({ seq: 1, index: 0 });

      // Another page of the seat takes the attempt and stores another answer under seq 1.
      const theirs = anotherChoice(mine.choice);
      const stored = ok(await call(other, "attempt:answer", { ...mine, choice: theirs }));
      expect(stored).to.include({ applied: true, savedSeq: 1 });
      await page.locator('[data-test="exam-taken-over"]').waitFor({ timeout: 15_000 });
      // The page still holds that answer: it names it and says how to save it, not that nothing is lost.
      const notice = page.locator('[data-test="exam-taken-over"]');
      await notice.getByText("本页还有 1 条作答未保存到服务器（第 1 题）").waitFor();
      expect(await notice.innerText())
        .to.contain("在本页继续作答")
        .and.contain("监考员")
        .and.not.contain("不受影响");

      // The candidate reloads here: the journal still holds the page's seq 1.
      holding = false;
      await page.reload();
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
      await page
        .locator('[data-test="sync-state"]')
        .getByText("全部作答已保存到服务器")
        .waitFor({ timeout: 15_000 });
      const shown = page.locator('[data-test="question"]');
      await shown.locator('[data-test="save-state"][data-state="saved"]').waitFor();
      expect(await shown.locator('button[role="option"][aria-selected="true"]').count()).to.equal(1);
      expect(
        await shown.locator(`[data-test="option-${mine.choice[0] ?? ""}"]`).getAttribute("aria-selected"),
      ).to.equal("true");

      // The server holds the page's answer under seq 2, and waits for no seq.
      const again = await aSocket(env.node.url, who.cookie);
      try {
        const view = ok(await call(again, "attempt:sync", { attemptId: mine.attemptId }));
        expect(view.answers.find((a) => a.index === 0)).to.deep.include({ choice: mine.choice, seq: 2 });
        expect(view.lastSeq).to.equal(2);
        expect(view.missingSeqs).to.deep.equal([]);
      } finally {
        again.close();
      }
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      other.close();
      desk.close();
    }
  });
});

/**
 * The exam store outlives a sign-out: the next candidate signing in on the same page (no reload)
 * must get their own attempt, its clock and status, not the last candidate's.
 */
describe("exam room (browser): the next candidate signing in on the same page", function () {
  this.timeout(180_000);
  const env = useExamBrowser();

  it("when a candidate signs out and another signs in without a reload, then the page loads the new candidate's attempt", async () => {
    const fixture = await scheduleCandidates(env.node, { count: 2, startsInMinutes: 15 });
    const [first, second] = fixture.candidates;
    if (!first || !second) throw new Error("fixture");
    const proctor = await staffAgent(env.node, {
      roles: ["proctor"],
      testCentreId: fixture.room.testCentreId,
      divisionCode: fixture.room.divisionCode,
    });
    const desk = await aSocket(env.node.url, proctor.cookie);
    try {
      ok(await call(desk, "proctor:watch", { sessionId: fixture.session.id }));
      for (const c of [first, second])
        ok(
          await call(desk, "proctor:check_in", {
            sessionId: fixture.session.id,
            candidateId: c.id,
            idNumber: c.idNumber,
          }),
        );
      const who = await loginCandidate(env.node, {
        idNumber: first.idNumber,
        ticketNo: first.assignment.ticketNo,
        seatToken: first.seatToken,
      });
      const { context, page, errors } = await contextAs(env.browser, env.node.url, who);
      await page.goto("/exam");
      await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
      await page.locator('[data-test="waiting-room"]').waitFor();

      // The second candidate's seat: this computer is bound to it (as its kiosk address would).
      await page.evaluate((token) => {
        const storage = (globalThis as { localStorage?: { setItem(key: string, value: string): void } })
          .localStorage;
        storage?.setItem("roadcert.seatToken", token);
      }, second.seatToken);
      await page.locator('[data-test="logout"]').click();
      await page.locator('[data-test="candidate-submit"]').waitFor();
      await field(page, "id-number").fill(second.idNumber);
      await field(page, "ticket-no").fill(second.assignment.ticketNo);
      await page.locator('[data-test="candidate-submit"]').click();
      // The welcome page's entry into the exam room: a route change, not a page load.
      await page.getByRole("button", { name: "进入考试" }).click({ timeout: 15_000 });

      await page.locator('[data-test="identity-confirm"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('[data-test="confirm-name"]').innerText()).to.equal(second.name);
      await page.locator('[data-test="confirm-identity"]').click();
      await page.locator('[data-test="waiting-room"]').waitFor();
      // The second candidate's release starts their clock on this page.
      await releaseEarly(desk, fixture.session.id);
      await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
      const countdown = await page.locator('[data-test="countdown"]').innerText();
      expect(countdown)
        .to.match(/\d:\d\d/)
        .and.not.contain("--");
      await page.locator('[data-test="question"] button[role="option"]').first().click();
      await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      desk.close();
    }
  });
});
