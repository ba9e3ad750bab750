import { expect } from "chai";
import { Types } from "mongoose";
import type { Browser, BrowserContext, Locator, Page, WebSocketRoute } from "playwright-core";
import { importQuestionBankFiles } from "../../server/question-bank/index.js";
import { io as ioClient } from "socket.io-client";
import { loginCandidate, scheduleCandidates, staffAgent, type AuthedAgent } from "../helpers/auth.js";
import { startTestNode } from "../helpers/node.js";
import { launchBrowser, openContext } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import { eventually } from "../helpers/eventually.js";
import { call, ok, type ExamSocket } from "../integration/exams/support/clients.js";
import { examDb } from "../integration/exams/support/models.js";
import { releaseEarly } from "../integration/exams/support/watched-session.js";

/**
 * Shared fixtures of the exam-room browser tests: a small 01001 bank whose correct answers the
 * tests know by their text (options are shuffled per paper), and a browser context logged in with
 * the session cookie of a real login.
 */

export type Kind = "true_false" | "single" | "multiple";
export interface BankItem {
  ref: string;
  type: Kind;
  stem: string;
  options: string[];
  /** Correct answer: T/F, or the correct options' texts. */
  correct: string[];
}

export const BANK: BankItem[] = [
  {
    ref: "E2E-TF-1",
    type: "true_false",
    stem: "驾驶人连续驾驶机动车超过 4 小时，应当停车休息，停车休息时间不少于 20 分钟。",
    options: [],
    correct: ["T"],
  },
  {
    ref: "E2E-TF-2",
    type: "true_false",
    stem: "客运车辆在高速公路上发生故障时，应当开启危险报警闪光灯，并在来车方向 150 米以外设置警告标志。",
    options: [],
    correct: ["T"],
  },
  {
    ref: "E2E-TF-3",
    type: "true_false",
    stem: "夜间会车时，应当在距相对方向来车 150 米以外改用近光灯。",
    options: [],
    correct: ["T"],
  },
  {
    ref: "E2E-TF-4",
    type: "true_false",
    stem: "驾驶营运客车途中接打手持电话，只要车速不超过 30 公里/小时就不属于违法行为。",
    options: [],
    correct: ["F"],
  },
  {
    ref: "E2E-S-1",
    type: "single",
    stem: "机动车在没有中心线的道路上行驶，最高时速不得超过多少？",
    options: [
      "城市道路 30 公里，公路 40 公里",
      "城市道路 50 公里，公路 70 公里",
      "城市道路 60 公里，公路 80 公里",
      "城市道路 40 公里，公路 60 公里",
    ],
    correct: ["城市道路 30 公里，公路 40 公里"],
  },
  {
    ref: "E2E-S-2",
    type: "single",
    stem: "遇到前方车辆爆胎失控时，正确的做法是什么？",
    options: ["减速并与其保持安全距离", "迅速从其一侧超越", "紧跟其后行驶", "鸣喇叭催促其靠边"],
    correct: ["减速并与其保持安全距离"],
  },
  {
    ref: "E2E-S-3",
    type: "single",
    stem: "对心跳骤停的伤员实施心肺复苏时，成人胸外按压与人工呼吸的比例是多少？",
    options: ["30:2", "15:1", "5:1", "10:2"],
    correct: ["30:2"],
  },
  {
    ref: "E2E-M-1",
    type: "multiple",
    stem: "出车前，驾驶人应当检查车辆的哪些项目？",
    options: ["制动系统是否有效", "轮胎气压和磨损情况", "灯光和喇叭是否正常", "车载音响的音质"],
    correct: ["制动系统是否有效", "轮胎气压和磨损情况", "灯光和喇叭是否正常"],
  },
];

/** Points: true/false 1, single 1, multiple 2 → total 9; pass mark 6. */
export const TOTAL = 9;

export async function seedBank(node: Awaited<ReturnType<typeof startTestNode>>): Promise<void> {
  const keys = ["A", "B", "C", "D"] as const;
  const questions = BANK.map((q) => ({
    ref: q.ref,
    type: q.type,
    stem: q.stem,
    options: q.options.map((text, i) => ({ key: keys[i], text })),
    answer: q.type === "true_false" ? q.correct : q.correct.map((t) => keys[q.options.indexOf(t)]),
    chapter: "安全行车",
    categories: ["01001"],
  }));
  const blueprint = {
    format: "roadcert-blueprint/1",
    blueprint: {
      categoryCode: "01001",
      title: "经营性道路旅客运输驾驶员从业资格考试（测试卷）",
      minutes: 60,
      passMark: 6,
      points: { true_false: 1, single: 1, multiple: 2 },
      cells: [
        { type: "true_false", chapter: "安全行车", count: 4 },
        { type: "single", chapter: "安全行车", count: 3 },
        { type: "multiple", chapter: "安全行车", count: 1 },
      ],
    },
  };
  const reports = await importQuestionBankFiles(
    { conn: node.ctx.conn, logger: node.ctx.logger },
    [
      {
        name: "e2e-questions.json",
        content: JSON.stringify({
          format: "roadcert-questions/1",
          title: "端到端测试题",
          note: "roadcert 自编",
          questions,
        }),
      },
      { name: "e2e-blueprint.json", content: JSON.stringify(blueprint) },
    ],
    { publish: true },
  );
  for (const r of reports) expect(r.rejected, `${r.file}: ${JSON.stringify(r.items)}`).to.equal(false);
}

/**
 * One candidate of a session starting in 15 minutes, checked in by the room's proctor from a desk
 * socket (the console's connection on the proctor's own login) and logged in at their seat. The
 * caller closes `desk`.
 */
export async function aCheckedInSeat(node: Awaited<ReturnType<typeof startTestNode>>) {
  const fixture = await scheduleCandidates(node, { count: 1, startsInMinutes: 15 });
  const c = fixture.candidates[0];
  if (!c) throw new Error("fixture");
  const proctor = await staffAgent(node, {
    roles: ["proctor"],
    testCentreId: fixture.room.testCentreId,
    divisionCode: fixture.room.divisionCode,
  });
  const desk: ExamSocket = ioClient(node.url, {
    transports: ["websocket"],
    extraHeaders: { cookie: proctor.cookie, origin: node.url },
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    desk.once("connect", resolve);
    desk.once("connect_error", reject);
  });
  try {
    ok(await call(desk, "proctor:watch", { sessionId: fixture.session.id }));
    ok(
      await call(desk, "proctor:check_in", {
        sessionId: fixture.session.id,
        candidateId: c.id,
        idNumber: c.idNumber,
      }),
    );
    const who = await loginCandidate(node, {
      idNumber: c.idNumber,
      ticketNo: c.assignment.ticketNo,
      seatToken: c.seatToken,
    });
    return { fixture, candidate: c, proctor, desk, who };
  } catch (err) {
    desk.close();
    throw err;
  }
}

/** Opens a browser context already logged in as `who` (the session cookie of a real login). */
export async function contextAs(
  browser: Browser,
  url: string,
  who: AuthedAgent,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const opened = await openContext(browser, url);
  const [name, ...rest] = who.cookie.split("=");
  await opened.context.addCookies([{ name: name ?? "", value: rest.join("="), url }]);
  return opened;
}

/**
 * The text box of an Element Plus input tagged `data-test=name`: ElInput puts the attribute on the
 * native input or textarea, ElInputNumber on its wrapper.
 */
export function field(page: Page, name: string): Locator {
  const t = `[data-test="${name}"]`;
  return page.locator(`input${t}, textarea${t}, ${t} input, ${t} textarea`).first();
}

/**
 * Answers the console's early-release prompt (the fixtures' sessions start a quarter of an hour
 * after they are scheduled, so every release in these tests is before the start): a reason, then
 * 提前开考. The prompt says the planned time and how early it is.
 */
export async function confirmEarlyRelease(
  page: Page,
  reason = "考生全部到齐，经考点主任同意提前开考",
): Promise<string> {
  const box = page.locator(".el-message-box");
  await box.waitFor();
  const text = (await box.textContent()) ?? "";
  await box.locator("input").fill(reason);
  await box.getByRole("button", { name: "提前开考" }).click();
  await box.waitFor({ state: "hidden" });
  return text;
}

/**
 * For the calling `describe`: a province node serving the built client, with the sample bank
 * seeded, and a browser; both closed after its tests. Read `.node` and `.browser` inside tests.
 */
export function useExamBrowser(): {
  readonly node: Awaited<ReturnType<typeof startTestNode>>;
  readonly browser: Browser;
} {
  const state: { node?: Awaited<ReturnType<typeof startTestNode>>; browser?: Browser } = {};
  before(async function () {
    this.timeout(240_000);
    const dist = await ensureClientBuilt();
    state.node = await startTestNode({ provinceCode: "320000", env: { CLIENT_DIST: dist } });
    await seedBank(state.node);
    state.browser = await launchBrowser();
  });
  after(async () => {
    await state.browser?.close();
    await state.node?.stop();
  });
  return {
    get node() {
      if (!state.node) throw new Error("useExamBrowser: the node is only available inside tests");
      return state.node;
    },
    get browser() {
      if (!state.browser) throw new Error("useExamBrowser: the browser is only available inside tests");
      return state.browser;
    },
  };
}

type TestNode = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Opens the exam room as the seat's candidate, confirms their identity, and has the proctor's
 * `desk` release the session early from the waiting room; returns once the exam sheet shows.
 */
export async function enterReleasedExam(page: Page, desk: ExamSocket, sessionId: string): Promise<void> {
  await page.goto("/exam");
  await page.locator('[data-test="confirm-identity"]').click({ timeout: 15_000 });
  await page.locator('[data-test="waiting-room"]').waitFor();
  await releaseEarly(desk, sessionId);
  await page.locator('[data-test="exam-sheet"]').waitFor({ timeout: 15_000 });
}

/** The network between an exam page and the server, as `interceptExamSocket` gives it to a test. */
export interface ExamNetwork {
  /** While true, the page's answer saves never reach the server (taken, never answered). */
  holding: boolean;
  /** Fails every new connection, closes the open ones, and waits for the page to say 网络中断. */
  goOffline(): Promise<void>;
  /** Lets the page's next connection attempt through again. */
  backOnline(): void;
}

/**
 * Puts an `ExamNetwork` between `page` and the server's socket.io, before the page connects: at
 * first every frame passes; the test then holds the page's answer saves or takes the network away.
 */
export async function interceptExamSocket(page: Page): Promise<ExamNetwork> {
  let offline = false;
  const open: WebSocketRoute[] = [];
  const network: ExamNetwork = {
    holding: false,
    async goOffline() {
      offline = true;
      for (const ws of open.splice(0)) await ws.close();
      await page.locator('[data-test="sync-state"]').getByText("网络中断").waitFor();
    },
    backOnline() {
      offline = false;
    },
  };
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    if (offline) {
      // No server answers: the page's engine.io reads a frame it cannot parse as a failed
      // connection and tries again after its backoff (a close before the handshake left it
      // waiting for its 20 s connect timeout instead), as a real kiosk keeps trying.
      setTimeout(() => ws.send("offline"), 50);
      return;
    }
    const server = ws.connectToServer();
    open.push(ws);
    ws.onMessage((frame) => {
      const text = typeof frame === "string" ? frame : frame.toString("utf8");
      // A socket.io event frame: `42<ack id>[event, payload]`.
      if (network.holding && /^42\d+\["attempt:answer"/.test(text)) return;
      server.send(frame);
    });
  });
  return network;
}

/**
 * Answers question 1 (its first option) and waits until the server has stored it; then, with
 * `network` holding saves from here on, answers question 2, whose save stays on the page.
 */
export async function answerOneStoredOneHeld(page: Page, network: ExamNetwork): Promise<void> {
  await page.locator('[data-test="question"] button[role="option"]').first().click();
  await page.locator('[data-test="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
  network.holding = true;
  await page.locator('[data-test="next"]').click();
  await page.locator('[data-test="question"][data-index="1"]').waitFor();
  await page.locator('[data-test="question"] button[role="option"]').first().click();
}

/** The seated candidate's attempt at `sessionId` (its id only); throws when there is none yet. */
export async function attemptAt(node: TestNode, sessionId: string) {
  const attempt = await examDb(node.ctx.conn).Attempts.findOne({ sessionId }, { _id: 1 }).lean();
  if (!attempt) throw new Error("no attempt");
  return attempt;
}

/**
 * Moves the attempt's deadline (and grace) a minute into the past and waits until the server's
 * sweeper has handed it in; fails the test when it never does, so no test goes on past a close
 * that did not happen.
 */
export async function closeAtDeadline(node: TestNode, attemptId: string): Promise<void> {
  const attempts = examDb(node.ctx.conn).Attempts;
  await attempts.updateOne({ _id: attemptId }, { $set: { deadline: new Date(Date.now() - 60_000) } });
  await eventually(
    async () => (await attempts.findById(attemptId, { status: 1 }).lean())?.status === "submitted",
    { what: "the sweeper handed the attempt in", tries: 100, everyMs: 200 },
  );
}

/**
 * Moves the session's end a minute into the past, and with it the login window that `userId`'s
 * cookie sessions were given (until the session's end): as when the sitting is over. Returns that
 * instant. A socket already connected keeps its own copy of the window; the caller ends it there.
 */
export async function endSessionAndLoginWindow(
  node: TestNode,
  sessionId: string,
  userId: string,
): Promise<Date> {
  const past = new Date(Date.now() - 60_000);
  await node.ctx.conn
    .collection("exam_sessions")
    .updateOne({ _id: new Types.ObjectId(sessionId) }, { $set: { endsAt: past } });
  await node.ctx.conn
    .collection("sessions")
    .updateMany(
      { "session.passport.user.user.id": userId },
      { $set: { "session.candidateUntil": past.getTime() } },
    );
  return past;
}

/** Waits for the result page to say the attempt is void (作废), and never that it was handed in. */
export async function expectVoidedResult(page: Page): Promise<void> {
  const result = page.locator('[data-test="result"]');
  await result.waitFor({ timeout: 30_000 });
  await result.locator("h1").filter({ hasText: "作废" }).waitFor({ timeout: 15_000 });
  const text = await result.innerText();
  expect(text).to.contain("本场考试成绩已作废").and.not.contain("已交卷").and.not.contain("自动交卷");
}

/** The result page's warning names question 2, and only it, as not counted. */
export async function expectOnlyQuestion2NotCounted(page: Page): Promise<void> {
  const warning = page.locator('[data-test="unsaved-at-close"]');
  await warning.waitFor({ timeout: 15_000 });
  expect(await warning.innerText())
    .to.contain("第 2 题")
    .and.contain("未计入成绩")
    .and.not.contain("第 1 题");
}
