import { readFileSync } from "node:fs";
import { expect } from "chai";
import { toXlsx } from "../../server/question-bank/index.js";
import { createStaff } from "../helpers/auth.js";
import { aQuestionInput } from "../helpers/bank-builders.js";
import { loginThroughForm, openContext, screenshot } from "../helpers/browser.js";
import { useProvinceInBrowser } from "../helpers/browser-node.js";

/**
 * Issue 15 in the browser: the import page sends the file's bytes, so a GBK CSV (Excel on a Chinese
 * Windows machine) and an Excel workbook import as the examiner wrote them, with progress per file.
 */
describe("question import page (browser)", function () {
  // Every test builds its own accounts and questions: no demo data.
  const env = useProvinceInBrowser({ seed: false });

  it("when an examiner imports a GBK CSV and an XLSX sheet, then both arrive as written and the bank holds them as drafts", async function () {
    this.timeout(180_000);
    const gbk = readFileSync(new URL("../fixtures/question-bank/issue15/questions-gbk.csv", import.meta.url));
    const sheetQuestion = aQuestionInput({
      ref: "XLSX-E2E-1",
      type: "true_false",
      stem: "=危险货物运输车辆须悬挂标志灯和标志牌。",
      options: [],
      answer: ["T"],
      chapter: "货运知识",
      categories: ["02001"],
    });
    const xlsx = await toXlsx([sheetQuestion]);
    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await page.goto(`${env.node.url}/question-bank/import`);
      await page.locator('[data-test="file-input"] input[type="file"]').setInputFiles([
        { name: "questions-gbk.csv", mimeType: "text/csv", buffer: gbk },
        {
          name: "bank.xlsx",
          mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          buffer: xlsx,
        },
      ]);
      await page.locator('[data-test="dry-run"]').click();
      const reports = page.locator('[data-test="import-report"]');
      await reports.nth(1).getByText("试运行：尚未写入").waitFor();
      expect(await reports.nth(0).innerText())
        .to.include("questions-gbk.csv")
        .and.to.include("GB18030");
      await screenshot(page, "qi-01-gbk-xlsx-dry-run");
      await page.locator('[data-test="do-import"]').click();
      await page.locator(".el-message--success", { hasText: "导入完成" }).first().waitFor();

      const stored = env.node.ctx.conn.collection<{ ref: string; stem: string; status: string }>(
        "question_versions",
      );
      const gbkRow = await stored.findOne({ ref: "GBK-1" });
      expect(gbkRow).to.deep.include({ stem: "道路运输从业资格证的有效期是多少年？", status: "draft" });
      const sheetRow = await stored.findOne({ ref: "XLSX-E2E-1" });
      expect(sheetRow).to.deep.include({ stem: sheetQuestion.stem, status: "draft" });
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it("when an examiner opens the import page and the question list, then the file button is in Chinese and every list column fits without scrolling sideways", async function () {
    this.timeout(120_000);
    const examiner = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page, errors } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, examiner.username, examiner.password);
      await page.goto(`${env.node.url}/question-bank/import`);
      expect(await page.locator('[data-test="file-input"] [role="button"]').innerText()).to.equal("选择题库文件");

      await page.goto(`${env.node.url}/question-bank/questions`);
      const table = page.locator('[data-test="question-table"]');
      await table.getByText("编写人").waitFor();
      // Element Plus scrolls a table sideways when its columns are wider than the page: the last
      // column (编写人) was then cut off at the page's usual 1366-pixel width.
      const overflow = await table
        .locator(".el-table__body-wrapper .el-scrollbar__wrap")
        .evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow).to.be.at.most(0);
      await screenshot(page, "qi-02-question-list");
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
