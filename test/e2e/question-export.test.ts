import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { QuestionDto } from "../../server/contracts/question-bank.js";
import { createStaff, staffAgent } from "../helpers/auth.js";
import { aQuestionInput } from "../helpers/bank-builders.js";
import { loginThroughForm, openContext } from "../helpers/browser.js";
import { useProvinceInBrowser } from "../helpers/browser-node.js";

/**
 * The 试题列表 export buttons: a CSV export the server refuses (422 `export_tag_separator`, a
 * stored tag holding a list separator) shows the server's message on the page, not a raw JSON page
 * or a "CSV" file holding the error; once the tag is fixed the file is saved under the server's name.
 */
describe("question export (browser)", function () {
  // Every test builds its own accounts and questions: no demo data.
  const env = useProvinceInBrowser({ seed: false });

  it("when a published question's stored tag holds a separator, then 导出 CSV shows the server's message, and after the tag is fixed the file is saved under the server's name", async function () {
    this.timeout(120_000);
    const ref = `EXP-${randomBytes(3).toString("hex").toUpperCase()}`;
    const writer = await staffAgent(env.node, { roles: ["examiner"] });
    const checker = await staffAgent(env.node, { roles: ["reviewer"] });
    const created = await writer.agent
      .post("/api/question-bank/questions")
      .send(aQuestionInput({ ref, tags: ["城市"] }))
      .expect(201);
    const qid = (created.body as QuestionDto).id;
    await writer.agent.post(`/api/question-bank/questions/${qid}/submit`).send({}).expect(200);
    await checker.agent.post(`/api/question-bank/questions/${qid}/approve`).send({}).expect(200);
    // Stored directly: the API refuses such a tag now, but banks written before that may hold one.
    const versions = env.node.ctx.conn.collection("question_versions");
    await versions.updateMany({ questionId: qid }, { $set: { tags: ["城市|高速"] } });

    const viewer = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, viewer.username, viewer.password);
      await page.goto("/question-bank/questions");
      await page.getByText(ref).first().waitFor();

      await page.getByRole("button", { name: "导出 CSV" }).click();
      const refusal = page.locator(".el-message--error", { hasText: `题目「${ref}」的标签「城市|高速」` });
      await refusal.first().waitFor({ timeout: 15_000 });
      expect(page.url()).to.match(/\/question-bank\/questions$/);

      await versions.updateMany({ questionId: qid }, { $set: { tags: ["城市-高速"] } });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "导出 CSV" }).click(),
      ]);
      expect(download.suggestedFilename()).to.equal("roadcert-all.csv");
      const path = await download.path();
      const { readFile } = await import("node:fs/promises");
      const csv = (await readFile(path)).toString("utf8");
      expect(csv).to.include(ref).and.include("城市-高速");
    } finally {
      await context.close();
    }
  });

  it("when the bank holds a question with a picture, then 导出 JSON asks with the server's message first, 取消 saves nothing, and 导出 saves a file without the picture", async function () {
    this.timeout(120_000);
    const ref = `IMG-${randomBytes(3).toString("hex").toUpperCase()}`;
    const writer = await staffAgent(env.node, { roles: ["examiner"] });
    const checker = await staffAgent(env.node, { roles: ["reviewer"] });
    const created = await writer.agent
      .post("/api/question-bank/questions")
      .send(aQuestionInput({ ref, stem: `如图所示，题 ${ref} 的标志表示什么？` }))
      .expect(201);
    const qid = (created.body as QuestionDto).id;
    await writer.agent.post(`/api/question-bank/questions/${qid}/submit`).send({}).expect(200);
    await checker.agent.post(`/api/question-bank/questions/${qid}/approve`).send({}).expect(200);
    // As an uploaded picture leaves it: the export only asks whether a version has one.
    await env.node.ctx.conn
      .collection("question_versions")
      .updateMany({ questionId: qid }, { $set: { imageId: "0".repeat(24) } });

    const viewer = await createStaff(env.node, { roles: ["examiner"] });
    const { context, page } = await openContext(env.browser, env.node.url);
    try {
      await loginThroughForm(page, viewer.username, viewer.password);
      await page.goto("/question-bank/questions");
      await page.getByText(ref).first().waitFor();

      const dialog = page.locator(".el-message-box", { hasText: ref });
      await page.getByRole("button", { name: "导出 JSON" }).click();
      await dialog.waitFor();
      expect(await dialog.textContent()).to.include("无法携带图片");
      let saved = false;
      page.once("download", () => (saved = true));
      await dialog.getByRole("button", { name: "取消" }).click();
      await dialog.waitFor({ state: "hidden" });
      expect(saved, "nothing is saved when the user declines").to.equal(false);

      await page.getByRole("button", { name: "导出 JSON" }).click();
      await dialog.waitFor();
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        dialog.getByRole("button", { name: "导出" }).click(),
      ]);
      const { readFile } = await import("node:fs/promises");
      const file = JSON.parse((await readFile(await download.path())).toString("utf8")) as {
        note?: string;
      };
      expect(JSON.stringify(file)).to.include(ref);
      expect(file.note ?? "").to.match(/图片/);
    } finally {
      await context.close();
    }
  });
});
