import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { BrowserContext, Page } from "playwright-core";
import type { FeasibilityDto, QuestionDto } from "../../server/contracts/question-bank.js";
import { createStaff, staffAgent, type AuthedAgent } from "../helpers/auth.js";
import { aQuestionInput } from "../helpers/bank-builders.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useProvinceInBrowser } from "../helpers/browser-node.js";

/**
 * Issue 5, "examiners and reviewers can run the whole workflow in the UI": every step below is
 * done by clicking and typing in real Chromium against a whole node; the database and the REST API
 * are then asked whether the click really did what the page claims.
 */
describe("question bank workflow (browser)", function () {
  // Every test builds its own accounts and questions: no demo data.
  const env = useProvinceInBrowser({ seed: false });

  /** Every stored version of one question, oldest first, straight from the collection. */
  function storedVersions(questionId: string) {
    return env.node.ctx.conn
      .collection<{
        questionId: string;
        version: number;
        status: string;
        stem: string;
        answer: string[];
        authorId: string;
        reviewerId?: string;
        history: { action: string; actorId: string; comment?: string }[];
      }>("question_versions")
      .find({ questionId })
      .sort({ version: 1 })
      .toArray();
  }

  const suffix = () => randomBytes(3).toString("hex").toUpperCase();

  /** Opens a 题库管理 page from the side menu (the group starts collapsed). */
  async function viaMenu(page: Page, title: string): Promise<void> {
    const menu = page.locator('[data-test="side-menu"]');
    const item = menu.locator(".el-menu-item", { hasText: new RegExp(`^\\s*${title}\\s*$`) });
    if (!(await item.isVisible())) {
      await menu.locator(".el-sub-menu__title", { hasText: "题库管理" }).click();
    }
    await item.click();
  }

  /** Picks an option from the Element Plus select dropdown that is open right now. */
  async function pickOption(page: Page, text: string | RegExp): Promise<void> {
    await page
      .locator(".el-select-dropdown__item:visible", {
        hasText: typeof text === "string" ? new RegExp(`^\\s*${text}\\s*$`) : text,
      })
      .first()
      .click();
  }

  /** The page's CSRF token (for REST calls made with the browser's own session). */
  async function csrfOf(context: BrowserContext): Promise<string> {
    const me = await context.request.get("/api/auth/me");
    expect(me.status()).to.equal(200);
    return ((await me.json()) as { csrfToken: string }).csrfToken;
  }

  async function successMessage(page: Page, text: string | RegExp): Promise<void> {
    await page.locator(".el-message--success", { hasText: text }).first().waitFor();
  }

  it("when an examiner writes a question and a different reviewer returns then approves it, then it is published with its history and an edit makes version 2 while version 1 stays", async function () {
    this.timeout(180_000);
    const tag = suffix();
    const ref = `E2E-${tag}`;
    // The author also holds the reviewer role, so only the four-eyes rule can stop a self-approval.
    const author = await createStaff(env.node, { roles: ["examiner", "reviewer"], displayName: "李编写" });
    const reviewer = await createStaff(env.node, { roles: ["reviewer"], displayName: "王审核" });
    const stem = `夜间在没有路灯的道路上会车时，驾驶人应当怎样使用灯光？（${tag}）`;
    const options = {
      A: "持续使用远光灯以看清前方",
      B: "在距对向来车 150 米以外改用近光灯",
      C: "关闭所有灯光以免对方眩目",
      D: "交替使用危险报警闪光灯",
    };
    const explanation = "夜间会车应在距对向来车 150 米以外改用近光灯。";
    const returnComment = "题干请注明“对向来车”的距离依据，并补充解析。";
    const fixedStem = `${stem.replace("？", "")}，以免对方驾驶人眩目？`;

    // A tall window so the screenshots show the version history beside the form.
    const ex = await openContext(env.browser, env.node.url, { viewport: { width: 1366, height: 1500 } });
    const rv = await openContext(env.browser, env.node.url);
    try {
      // --- The examiner writes a single-choice question in the editor.
      await loginThroughForm(ex.page, author.username, author.password);
      await viaMenu(ex.page, "试题列表");
      await ex.page.waitForURL(/\/question-bank\/questions$/);
      await ex.page.locator('[data-test="new-question"]').click();
      await ex.page.waitForURL(/\/question-bank\/questions\/new$/);

      await ex.page.locator('[data-test="ref"]').fill(ref);
      await ex.page.locator('[data-test="type"] .el-radio', { hasText: "单选题" }).click();
      await ex.page.locator('[data-test="stem"]').fill(stem);
      for (const [key, text] of Object.entries(options)) {
        await ex.page.locator(`[data-test="option-${key}"]`).fill(text);
      }
      await ex.page.locator('[data-test="answer"] .el-radio', { hasText: /^\s*B\s*$/ }).click();
      await ex.page.locator(".el-form-item", { hasText: "解析" }).locator("textarea").fill(explanation);
      await ex.page.locator('[data-test="chapter"]').click();
      await pickOption(ex.page, "安全行车");
      await ex.page.locator('[data-test="categories"]').click();
      // Offered and shown by name; the code is only secondary text in the list.
      await pickOption(ex.page, /^\s*经营性道路旅客运输驾驶员/);
      await ex.page.keyboard.press("Escape");
      expect(await ex.page.locator('[data-test="categories"] .el-tag').innerText()).to.equal(
        "经营性道路旅客运输驾驶员",
      );

      // The live preview follows the form before anything is saved.
      const preview = ex.page.locator('[data-test="candidate-preview"]');
      await preview.getByText(stem).waitFor();
      for (const text of Object.values(options)) await preview.getByText(text).waitFor();
      // The examiner's view marks the key; the candidate's view (key hidden) must not.
      expect(await preview.locator(".is-key").innerText()).to.include(options.B);
      await ex.page.locator('[data-test="explanation"]').getByText(explanation).waitFor();
      await ex.page.locator('[data-test="show-key"]').click();
      await ex.page.waitForFunction(
        `document.querySelectorAll('[data-test="candidate-preview"] .is-key').length === 0`,
      );
      const previewText = await preview.innerText();
      expect(previewText).to.include(stem);
      for (const text of Object.values(options)) expect(previewText).to.include(text);
      // The explanation gives the key away, so it goes with the key.
      expect(await ex.page.locator('[data-test="explanation"]').count()).to.equal(0);
      expect(await ex.page.locator(".rc-panel", { has: preview }).innerText()).not.to.include(explanation);
      await screenshot(ex.page, "qb-01-editor-candidate-preview");

      await ex.page.locator('[data-test="save"]').click();
      await successMessage(ex.page, "已保存为草稿");
      await ex.page.waitForURL(/\/question-bank\/questions\/[0-9a-f]{24}$/);
      const questionId = new URL(ex.page.url()).pathname.split("/").at(-1) ?? "";
      await ex.page.locator('[data-test="status"]', { hasText: "草稿" }).waitFor();
      let stored = await storedVersions(questionId);
      expect(stored).to.have.length(1);
      expect(stored[0]).to.include({ version: 1, status: "draft", stem, authorId: author.user.id });
      expect(stored[0]?.answer).to.deep.equal(["B"]);

      // --- Submitted for review.
      await ex.page.locator('[data-test="submit"]').click();
      await ex.page.locator('[data-test="status"]', { hasText: "审核中" }).waitFor();
      // The author is told what happened and what comes next, not a bare 操作成功.
      await ex.page
        .locator(".el-message--success", { hasText: "第 1 版已提交审核（审核中），等待另一名审题员审核" })
        .waitFor({ timeout: 5000 });
      expect((await storedVersions(questionId))[0]?.status).to.equal("in_review");

      // --- The author cannot approve it: no control in the editor, a disabled one in the queue,
      //     and the server refuses a direct call with its own message.
      expect(await ex.page.locator('[data-test="approve"]').count()).to.equal(0);
      await ex.page.getByText("这是您编写或修改过的试题，须由其他审核人审核。").waitFor();
      await viaMenu(ex.page, "待审核试题");
      await ex.page.waitForURL(/\/question-bank\/review$/);
      await ex.page.locator('[data-test="review-table"]').getByText(ref).click();
      const ownDetail = ex.page.locator('[data-test="review-detail"]');
      await ownDetail.getByText(ref).waitFor();
      await ownDetail.locator('[data-test="own-note"]').waitFor();
      expect(await ownDetail.locator('[data-test="approve"]').isDisabled()).to.equal(true);
      expect(await ownDetail.locator('[data-test="return"]').isDisabled()).to.equal(true);
      await screenshot(ex.page, "qb-02-author-cannot-approve");
      const selfApprove = await ex.context.request.post(
        `/api/question-bank/questions/${questionId}/approve`,
        {
          headers: { "x-csrf-token": await csrfOf(ex.context) },
          data: {},
        },
      );
      expect(selfApprove.status()).to.equal(403);
      const refusal = (await selfApprove.json()) as { error: { code: string; message: string } };
      expect(refusal.error).to.deep.include({
        code: "own_question",
        message: "不能审核自己编写或修改过的题目",
      });
      expect((await storedVersions(questionId))[0]?.status).to.equal("in_review");

      // --- A different reviewer returns it with a comment.
      await loginThroughForm(rv.page, reviewer.username, reviewer.password);
      await viaMenu(rv.page, "待审核试题");
      await rv.page.waitForURL(/\/question-bank\/review$/);
      await rv.page.locator('[data-test="review-table"]').getByText(ref).click();
      const detail = rv.page.locator('[data-test="review-detail"]');
      await detail.getByText(ref).waitFor();
      await detail.locator('[data-test="candidate-preview"]').getByText(stem).waitFor();
      // The reviewer reads the category by its name, not its code.
      await detail.getByText("经营性道路旅客运输驾驶员").waitFor();
      expect(await detail.innerText()).not.to.include("01001");
      expect(await detail.locator('[data-test="own-note"]').count()).to.equal(0);
      await detail.locator('[data-test="return"]').click();
      const box = rv.page.locator(".el-message-box");
      await box.locator("input").fill(returnComment);
      await screenshot(rv.page, "qb-03-reviewer-returns");
      await box.locator(".el-message-box__btns .el-button--primary").click();
      await successMessage(rv.page, "已退回");
      stored = await storedVersions(questionId);
      expect(stored[0]).to.include({ status: "draft", reviewerId: reviewer.user.id });
      expect(stored[0]?.history.at(-1)).to.include({
        action: "returned",
        actorId: reviewer.user.id,
        comment: returnComment,
      });

      // --- The examiner sees the comment, edits and resubmits.
      await ex.page.goto(`/question-bank/questions/${questionId}`);
      await ex.page.locator('[data-test="status"]', { hasText: "草稿" }).waitFor();
      const notice = ex.page.locator('[data-test="returned-comment"]');
      await notice.getByText(returnComment, { exact: false }).waitFor();
      expect(await notice.innerText()).to.include("王审核");
      await ex.page.locator('[data-test="history"]').getByText(returnComment).waitFor();
      await screenshot(ex.page, "qb-04-examiner-sees-comment");
      await ex.page.locator('[data-test="stem"]').fill(fixedStem);
      await ex.page.locator('[data-test="save"]').click();
      await successMessage(ex.page, /^\s*已保存\s*$/);
      await ex.page.locator('[data-test="submit"]').click();
      await ex.page.locator('[data-test="status"]', { hasText: "审核中" }).waitFor();
      // The author is told what happened and what comes next, not a bare 操作成功.
      await ex.page
        .locator(".el-message--success", { hasText: "第 1 版已提交审核（审核中），等待另一名审题员审核" })
        .waitFor({ timeout: 5000 });
      stored = await storedVersions(questionId);
      expect(stored).to.have.length(1);
      expect(stored[0]).to.include({ version: 1, status: "in_review", stem: fixedStem });

      // --- The reviewer approves.
      await rv.page.reload();
      await rv.page.locator('[data-test="review-table"]').getByText(ref).click();
      await detail.getByText(fixedStem).first().waitFor();
      await detail.locator('[data-test="approve"]').click();
      await successMessage(rv.page, "已审核通过并发布");
      stored = await storedVersions(questionId);
      expect(stored[0]).to.include({ version: 1, status: "published", reviewerId: reviewer.user.id });
      expect(stored[0]?.history.map((h) => h.action)).to.deep.equal([
        "created",
        "submitted",
        "returned",
        "edited",
        "submitted",
        "approved",
      ]);

      // --- The examiner sees it published, with its history.
      await ex.page.reload();
      await ex.page.locator('[data-test="status"]', { hasText: "已发布" }).waitFor();
      const history = ex.page.locator('[data-test="history"]');
      await history.locator(".el-table__row", { hasText: "v1" }).getByText("已发布").waitFor();
      const historyText = await history.innerText();
      for (const step of ["创建", "提交审核", "退回修改", "修改", "审核通过"]) {
        expect(historyText).to.include(step);
      }
      expect(historyText).to.include(returnComment);
      expect(historyText).to.include("王审核");
      await screenshot(ex.page, "qb-05-published-with-history");

      // --- The question list names its category, as every other page does.
      await ex.page.goto("/question-bank/questions");
      await ex.page.locator('[data-test="search"]').fill(ref);
      await ex.page.locator('[data-test="search"]').press("Enter");
      const listed = ex.page.locator('[data-test="question-table"] .el-table__row', { hasText: ref });
      await listed.waitFor();
      expect(await listed.innerText())
        .to.include("经营性道路旅客运输驾驶员")
        .and.not.include("01001");
      await ex.page.goto(`/question-bank/questions/${questionId}`);
      await ex.page.locator('[data-test="status"]', { hasText: "已发布" }).waitFor();

      // --- Editing the published question makes version 2; version 1 stays published as it was.
      const v2Stem = `${fixedStem.replace("？", "")}（第二版）？`;
      await ex.page.locator('[data-test="stem"]').fill(v2Stem);
      await ex.page.locator('[data-test="save"]').click();
      await successMessage(ex.page, "已生成第 2 版草稿");
      await ex.page.locator('[data-test="status"]', { hasText: "草稿" }).waitFor();
      await ex.page.locator("h1").getByText("第 2 版", { exact: true }).waitFor();
      await history.locator(".el-table__row", { hasText: "v2" }).getByText("草稿").waitFor();
      await history.locator(".el-table__row", { hasText: "v1" }).getByText("已发布").waitFor();
      // Clicking v1 in the history shows v1's content in the preview.
      await history.locator(".el-table__row", { hasText: "v1" }).click();
      await ex.page.getByText("正在查看第 1 版").waitFor();
      await preview.getByText(fixedStem).waitFor();
      await screenshot(ex.page, "qb-06-version-2-keeps-version-1");

      stored = await storedVersions(questionId);
      expect(stored.map((v) => [v.version, v.status, v.stem])).to.deep.equal([
        [1, "published", fixedStem],
        [2, "draft", v2Stem],
      ]);
      const v1 = await ex.context.request.get(`/api/question-bank/questions/${questionId}/versions/1`);
      expect(v1.status()).to.equal(200);
      expect((await v1.json()) as QuestionDto).to.include({
        version: 1,
        status: "published",
        stem: fixedStem,
      });
      const latest = await ex.context.request.get(`/api/question-bank/questions/${questionId}`);
      expect((await latest.json()) as QuestionDto).to.include({ version: 2, status: "draft", stem: v2Stem });

      // --- The draft says what it changes from the published version, and so does the review queue:
      //     a reviewer must not approve version 2 without seeing what it replaces.
      const ownChanges = ex.page.locator('[data-test="version-changes"]');
      expect(await ownChanges.innerText())
        .to.include("与现行第 1 版相比")
        .and.include("改动 1 项")
        .and.include(fixedStem)
        .and.include(v2Stem);
      await ex.page.locator('[data-test="submit"]').click();
      await ex.page.locator('[data-test="status"]', { hasText: "审核中" }).waitFor();
      await rv.page.reload();
      await rv.page.locator('[data-test="review-table"]').getByText(ref).click();
      await detail.getByText(v2Stem).first().waitFor();
      const changes = detail.locator('[data-test="version-changes"]');
      const row = changes.locator(".el-table__row", { hasText: "题干" });
      expect(await row.innerText())
        .to.include(fixedStem)
        .and.include(v2Stem);
      expect(await changes.locator(".el-table__row").count()).to.equal(1);
      await screenshot(rv.page, "qb-07-reviewer-sees-changes");

      expect(ex.errors).to.deep.equal([]);
      expect(rv.errors).to.deep.equal([]);
    } finally {
      await ex.context.close();
      await rv.context.close();
    }
  });

  it("when an examiner opens a saved true/false or multiple-choice question, then the editor shows its answer and the preview marks its key", async function () {
    this.timeout(120_000);
    const writer = await createStaff(env.node, { roles: ["examiner"] });
    const author: AuthedAgent = await staffAgent(env.node, { roles: ["examiner"] });
    const trueFalse = aQuestionInput({
      ref: `TF-${suffix()}`,
      type: "true_false",
      stem: "夜间会车时应当使用远光灯。",
      options: [],
      answer: ["F"],
    });
    const multiple = aQuestionInput({
      ref: `MC-${suffix()}`,
      type: "multiple",
      stem: "下列哪些属于出车前检查的项目？",
      options: [
        { key: "A", text: "轮胎气压" },
        { key: "B", text: "乘客籍贯" },
        { key: "C", text: "灯光信号" },
        { key: "D", text: "车载音响品牌" },
      ],
      answer: ["A", "C"],
    });
    const ids: string[] = [];
    for (const input of [trueFalse, multiple]) {
      const created = await author.agent.post("/api/question-bank/questions").send(input).expect(201);
      ids.push((created.body as QuestionDto).id);
    }
    const ex = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(ex.page, writer.username, writer.password);
      // A watch on the type used to clear the answer the loaded question had just filled in.
      await ex.page.goto(`/question-bank/questions/${ids[0]}`);
      const answer = ex.page.locator('[data-test="answer"]');
      await answer.locator(".el-radio.is-checked", { hasText: "错误" }).waitFor();
      expect(await answer.locator(".el-radio.is-checked").count()).to.equal(1);
      const preview = ex.page.locator('[data-test="candidate-preview"]');
      expect(await preview.locator(".is-key").innerText()).to.include("错误");
      // A true/false question has no A–D to reorder; the image row is a form row like the rest.
      expect(await ex.page.locator('[data-test="shuffle-note"]').innerText()).to.equal(
        "每位考生的试卷会打乱题目顺序。",
      );
      expect(
        await ex.page
          .locator('[data-test="question-form"] .el-form-item__label', { hasText: "试题图片" })
          .innerText(),
      ).to.equal("试题图片");
      await screenshot(ex.page, "qb-true-false-answer");

      await ex.page.goto(`/question-bank/questions/${ids[1]}`);
      await answer.locator(".el-checkbox.is-checked").first().waitFor();
      expect(await ex.page.locator('[data-test="shuffle-note"]').innerText()).to.include("重新编排 A–D");
      const checked = await answer.locator(".el-checkbox.is-checked").allInnerTexts();
      expect(checked.map((t) => t.trim())).to.deep.equal(["A", "C"]);
      expect((await preview.locator(".is-key").allInnerTexts()).join("|"))
        .to.include("轮胎气压")
        .and.include("灯光信号");
      expect(ex.errors).to.deep.equal([]);
    } finally {
      await ex.context.close();
    }
  });

  it("when a blueprint asks a chapter for more questions than the bank has published, then the blueprint page names the short cell and nothing is saved", async function () {
    this.timeout(120_000);
    const chapter = `端到端章节${suffix()}`;
    // The bank: exactly one published single-choice question in this chapter.
    const writer: AuthedAgent = await staffAgent(env.node, { roles: ["examiner"] });
    const checker: AuthedAgent = await staffAgent(env.node, { roles: ["reviewer"] });
    const input = aQuestionInput({
      ref: `BP-${suffix()}`,
      type: "single",
      stem: "车辆在高速公路上发生故障时，警告标志应当设置在车后多远处？",
      options: [
        { key: "A", text: "50 米以外" },
        { key: "B", text: "100 米以外" },
        { key: "C", text: "150 米以外" },
        { key: "D", text: "20 米以内" },
      ],
      answer: ["C"],
      chapter,
      categories: ["01001"],
      difficulty: 3,
    });
    const created = await writer.agent.post("/api/question-bank/questions").send(input).expect(201);
    const qid = (created.body as QuestionDto).id;
    await writer.agent.post(`/api/question-bank/questions/${qid}/submit`).send({}).expect(200);
    await checker.agent.post(`/api/question-bank/questions/${qid}/approve`).send({}).expect(200);
    const blueprints = env.node.ctx.conn.collection("blueprints");
    const blueprintsBefore = await blueprints.countDocuments({});

    // Administrator too: nobody saves and publishes in one step, an administrator neither (the
    // draft is published by someone else), so the page offers no publish button even to them.
    const examiner = await createStaff(env.node, { roles: ["examiner", "admin"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await viaMenu(page, "组卷方案");
      await page.waitForURL(/\/question-bank\/blueprints$/);
      // The page fills the form from the loaded versions once the bank summary arrives; typing
      // before that would be overwritten.
      await page.locator('[data-test="summary"]').getByText(chapter).waitFor();
      await page.locator(".el-form-item", { hasText: "方案名称" }).locator("input").fill("端到端测试方案");
      await page.getByRole("button", { name: "添加规则" }).click();
      const row = page.locator('[data-test="cells"] .el-table__body tr').last();
      await row.locator("td").nth(1).locator(".el-select").click();
      await page.keyboard.type(chapter);
      await pickOption(page, chapter);

      const shortfall = page.locator('[data-test="shortfall"]', { hasText: chapter });
      await shortfall.waitFor();
      expect((await shortfall.innerText()).trim()).to.equal(`${chapter} · 单选题：需 5 题，仅有 1 题`);
      await page.getByText("题库不足，无法按此方案组卷").waitFor();
      expect(await page.locator('[data-test="publish"]').count()).to.equal(0);
      await page.locator('[data-test="publish-hint"]').waitFor();
      await screenshot(page, "qb-07-blueprint-shortfall");

      // The server agrees, cell for cell, and nothing was stored by checking.
      const check = await context.request.post("/api/question-bank/blueprints/feasibility", {
        headers: { "x-csrf-token": await csrfOf(context) },
        data: {
          blueprint: {
            categoryCode: "01001",
            title: "端到端测试方案",
            minutes: 60,
            passMark: 4,
            points: { true_false: 1, single: 1, multiple: 1 },
            cells: [{ type: "single", chapter, count: 5 }],
          },
        },
      });
      expect(check.status()).to.equal(200);
      const feasibility = (await check.json()) as FeasibilityDto;
      expect(feasibility.feasible).to.equal(false);
      expect(feasibility.shortfalls).to.deep.equal([
        { categoryCode: "01001", type: "single", chapter, needed: 5, available: 1 },
      ]);
      expect(await blueprints.countDocuments({})).to.equal(blueprintsBefore);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an examiner dry-runs a small malformed CSV, then the import page reports the bad line and nothing is written", async function () {
    this.timeout(120_000);
    const tag = suffix();
    const csv = [
      "ref,type,stem,A,B,C,D,answer,chapter,categories",
      `IMP-${tag}-1,单选,驾驶人在行车中感到疲劳时应当怎样做？,继续行驶,就近安全停车休息,加速赶路,开窗吹风后继续,B,安全行车,01001`,
      `IMP-${tag}-2,单选,这一行少了几列,只有一个选项`,
      `IMP-${tag}-3,判断,客车驾驶人连续驾驶不得超过四小时。,,,,,正确,安全行车,01001`,
    ].join("\n");
    const questions = env.node.ctx.conn.collection("question_versions");
    const before = await questions.countDocuments({});

    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await viaMenu(page, "导入试题");
      await page.waitForURL(/\/question-bank\/import$/);
      await page.locator('[data-test="file-input"] input[type="file"]').setInputFiles({
        name: "bad-rows.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(csv, "utf8"),
      });
      await page.locator('[data-test="dry-run"]').click();
      const report = page.locator('[data-test="import-report"]');
      await report.getByText("文件有错误，未导入任何内容").waitFor();
      const badRow = report.locator(".el-table__row", { hasText: "第 3 行" });
      await badRow.waitFor();
      expect(await badRow.innerText()).to.include("应有 10 列，实有 4 列");
      expect(await badRow.innerText()).to.include("无效");
      expect(await report.innerText()).to.include("bad-rows.csv");
      expect(await page.locator('[data-test="do-import"]').isDisabled()).to.equal(true);
      // Written for the examiner: no command lines, no importer placeholders.
      const intro = await page.locator(".rc-panel .el-alert").first().innerText();
      expect(intro).to.include("系统管理员").and.not.include("npm").and.not.include("$CATEGORY");
      await screenshot(page, "qb-08-import-dry-run");

      // Nothing reached the bank: not the valid rows, not anything else.
      expect(await questions.countDocuments({})).to.equal(before);
      expect(await questions.countDocuments({ ref: { $regex: `^IMP-${tag}-` } })).to.equal(0);
      const listed = await context.request.get(`/api/question-bank/questions?q=IMP-${tag}`);
      expect(((await listed.json()) as { total: number }).total).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when a reviewer double-clicks 审核通过, then only the question shown is approved and the next one stays in review", async function () {
    this.timeout(120_000);
    const writer: AuthedAgent = await staffAgent(env.node, { roles: ["examiner"] });
    const tag = suffix();
    const refs = [`DBL-${tag}-1`, `DBL-${tag}-2`];
    const ids: string[] = [];
    for (const [i, ref] of refs.entries()) {
      const created = await writer.agent
        .post("/api/question-bank/questions")
        // Each its own stem (the bank refuses a second copy of a question in a category), one
        // without the ref, which the page is searched for.
        .send(aQuestionInput({ ref, stem: `连续驾驶 4 小时后至少应休息多久？（${tag} 第 ${i + 1} 题）` }))
        .expect(201);
      const id = (created.body as QuestionDto).id;
      await writer.agent.post(`/api/question-bank/questions/${id}/submit`).send({}).expect(200);
      ids.push(id);
    }
    const reviewer = await createStaff(env.node, { roles: ["reviewer"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const approvals: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && new URL(r.url()).pathname.endsWith("/approve")) approvals.push(r.url());
      });
      await loginThroughForm(page, reviewer.username, reviewer.password);
      await page.goto("/question-bank/review");
      const table = page.locator('[data-test="review-table"]');
      await table.getByText(refs[0]!).click();
      await page.locator('[data-test="review-detail"]').getByText(refs[0]!).waitFor();
      await page.locator('[data-test="approve"]').dblclick();
      await successMessage(page, "已审核通过并发布");
      await table.getByText(refs[0]!).waitFor({ state: "detached" });
      expect(approvals).to.have.length(1);
      expect((await storedVersions(ids[0]!))[0]?.status).to.equal("published");
      expect((await storedVersions(ids[1]!))[0]?.status).to.equal("in_review");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  /** A draft blueprint of `categoryCode` the bank can hold (5 single-choice questions, pass at 4), saved through the API. */
  async function aDraftBlueprint(categoryCode: string, title: string): Promise<void> {
    const writer: AuthedAgent = await staffAgent(env.node, { roles: ["examiner"] });
    await writer.agent
      .post("/api/question-bank/blueprints")
      .send({
        blueprint: {
          categoryCode,
          title,
          minutes: 60,
          passMark: 4,
          points: { true_false: 1, single: 1, multiple: 1 },
          cells: [{ type: "single", chapter: "安全行车", count: 5 }],
        },
        publish: false,
      })
      .expect(201);
  }

  /** Waits until the blueprint editor holds the version titled `title` (filled once its category has loaded). */
  async function editorShows(page: Page, title: string): Promise<void> {
    const titleInput = page.locator(".el-form-item", { hasText: "方案名称" }).locator("input");
    for (let i = 0; i < 100 && (await titleInput.inputValue()) !== title; i++) await page.waitForTimeout(100);
    expect(await titleInput.inputValue()).to.equal(title);
  }

  /** Picks a category in the blueprint page's picker (by its name). */
  async function pickBlueprintCategory(page: Page, name: string): Promise<void> {
    await page.locator('[data-test="category"]').click();
    await pickOption(page, new RegExp(name));
  }

  it("when an examiner double-clicks 保存为草稿版本, then one draft version is stored", async function () {
    this.timeout(120_000);
    const title = `双击方案${suffix()}`;
    await aDraftBlueprint("03003", title);
    const blueprints = env.node.ctx.conn.collection("blueprints");
    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      const saves: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && new URL(r.url()).pathname === "/api/question-bank/blueprints")
          saves.push(r.url());
      });
      await loginThroughForm(page, examiner.username, examiner.password);
      await page.goto("/question-bank/blueprints");
      await page.locator('[data-test="summary"]').waitFor();
      await pickBlueprintCategory(page, "道路危险货物运输押运人员");
      await editorShows(page, title);
      const before = await blueprints.countDocuments({});
      await page.getByRole("button", { name: "保存为草稿版本" }).dblclick();
      await successMessage(page, /已保存第 \d+ 版草稿/);
      expect(saves).to.have.length(1);
      expect(await blueprints.countDocuments({})).to.equal(before + 1);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when the picked category's blueprints cannot be read, then the page says why with 重试 instead of showing the last category's rules, and 重试 loads them", async function () {
    this.timeout(120_000);
    const title = `重试方案${suffix()}`;
    await aDraftBlueprint("04002", title);
    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await page.goto("/question-bank/blueprints");
      await page.locator('[data-test="summary"]').waitFor();
      const blueprintsOf04002 = (url: URL) =>
        url.pathname === "/api/question-bank/blueprints" && url.searchParams.get("categoryCode") === "04002";
      await page.route(blueprintsOf04002, (route) => route.abort("connectionfailed"));
      await pickBlueprintCategory(page, "网络预约出租汽车驾驶员");
      await page.locator('[data-test="load-failed"]').getByText("无法连接服务器").waitFor();
      expect(await page.locator('[data-test="cells"]').count()).to.equal(0);
      expect(await page.getByRole("button", { name: "保存为草稿版本" }).count()).to.equal(0);
      await screenshot(page, "qb-09-blueprint-load-failed");

      await page.unroute(blueprintsOf04002);
      await page.locator('[data-test="load-retry"]').click();
      await editorShows(page, title);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
