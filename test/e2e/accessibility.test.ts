import { expect } from "chai";
import type { Browser } from "playwright-core";
import { seriousA11yViolations } from "../helpers/a11y.js";
import { createStaff, staffAgent } from "../helpers/auth.js";
import { aQuestionInput } from "../helpers/bank-builders.js";
import { launchBrowser, loginThroughForm, openContext } from "../helpers/browser.js";
import { ensureClientBuilt } from "../helpers/client-build.js";
import {
  anotherInstance,
  aPass,
  officer,
  startCertNode,
  type TestNode,
} from "../integration/certificates/support.js";

/**
 * axe-core (WCAG 2.1 A/AA) on the pages the public and officers use for certificates and
 * lookups, and on the staff lists with filters and editors (questions, blueprints, candidates,
 * audit log): no serious or critical violations. The candidate exam page and the proctor console
 * are not covered here yet.
 */
describe("accessibility of the verify, certificate, lookup and staff list pages (browser, axe-core)", function () {
  this.timeout(180_000);
  let node: TestNode;
  let browser: Browser;
  let certificateNo = "";

  before(async function () {
    this.timeout(240_000);
    node = await startCertNode({ CLIENT_DIST: await ensureClientBuilt() });
    const inst = anotherInstance(node);
    const pass = await aPass(node);
    await inst.facade.issuance.onExamPassed(pass);
    const pending = (await inst.facade.issuance.page(officer, { status: "pending" })).issuances.find(
      (p) => p.attemptId === pass.attemptId,
    )!;
    certificateNo = (await inst.facade.issuance.issue(officer, String(pending._id))).certificateNo;
    await inst.facade.issuance.onExamPassed(await aPass(node));
    // A question in review and a draft blueprint with a rule and an accommodation, so their rows'
    // controls (row links, pickers, number inputs, delete buttons) are there to be checked.
    const writer = await staffAgent(node, { roles: ["examiner"] });
    const question = await writer.agent
      .post("/api/question-bank/questions")
      .send(aQuestionInput())
      .expect(201);
    await writer.agent
      .post(`/api/question-bank/questions/${(question.body as { id: string }).id}/submit`)
      .send({})
      .expect(200);
    await writer.agent
      .post("/api/question-bank/blueprints")
      .send({
        blueprint: {
          categoryCode: "01001",
          title: "无障碍检查方案",
          minutes: 60,
          passMark: 4,
          points: { true_false: 1, single: 1, multiple: 1 },
          cells: [{ type: "single", chapter: "安全行车", count: 5 }],
          accommodations: { low_vision: 15 },
        },
        publish: false,
      })
      .expect(201);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it("when the public verify page shows a verdict, then axe finds no serious or critical violation", async () => {
    const { context, page } = await openContext(browser, node.url);
    try {
      const doc = await node.ctx.conn.collection("certificates").findOne({ certificateNo });
      await page.goto("/verify");
      await page.locator('[data-test="qr-text"]').fill((doc?.signature as { qr: string }).qr);
      await page.locator('[data-test="verify"]').click();
      await page.locator('[data-test="verify-status"]').waitFor();
      await page.mouse.move(0, 0);
      expect(await seriousA11yViolations(page)).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  for (const [name, path, role] of [
    ["pending issuances", "/certificates/issuances", "officer"],
    ["certificate", "/certificates/:no", "officer"],
    ["hub lookup", "/sharing/lookup", "officer"],
    ["certificate list", "/certificates", "officer"],
    ["candidate list", "/registration/candidates", "officer"],
    ["question list", "/question-bank/questions", "examiner"],
    ["review queue", "/question-bank/review", "reviewer"],
    ["blueprint", "/question-bank/blueprints", "examiner"],
    ["audit log", "/admin/audit", "admin"],
  ] as const) {
    it(`when ${/^[aeiou]/.test(role) ? "an" : "a"} ${role} opens the ${name} page, then axe finds no serious or critical violation`, async () => {
      const staff = await createStaff(node, { roles: [role] });
      const { context, page } = await openContext(browser, node.url);
      try {
        await loginThroughForm(page, staff.username, staff.password);
        await page.goto(path.replace(":no", certificateNo));
        await page.locator("main h1, main h2, main h3, .el-table, form").first().waitFor();
        await page.waitForLoadState("networkidle");
        await page.mouse.move(0, 0);
        expect(await seriousA11yViolations(page)).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }
});
