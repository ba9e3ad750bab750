import { expect } from "chai";
import type { ImportReport } from "../../../server/contracts/question-import.js";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { createPinnedBlueprints } from "../../../server/scheduling/index.js";
import type { startTestNode } from "../../helpers/node.js";
import { questionInput } from "./bank-context.js";
import {
  aBankNode,
  aSessionNeedingEveryQuestion,
  checkIn,
  publishedQuestions,
  type BankNode,
} from "./pinned-bank.js";

type Node = Awaited<ReturnType<typeof startTestNode>>;

/**
 * An import that publishes replaces a question's published version, as an approval does: a new
 * version moved to another chapter (or type) takes the question out of its cell. When that leaves a
 * blueprint a session pinned short, the item is refused `bank_in_use` (the rest of the file is
 * written) and nothing of that question is written; check-ins still get full papers.
 */
describe("question import: a published version that would leave a blueprint in use unfillable", function () {
  this.timeout(180_000);
  let bank: BankNode;
  let node: Node;

  before(async () => {
    bank = await aBankNode();
    node = bank.node;
  });
  after(async () => {
    await node?.stop();
  });

  /**
   * The operator's CLI imports `questions` as published, in one roadcert file (a dry run with
   * `dryRun`), with the sessions' pinned blueprints as scripts/bank-import.ts reads them. (A
   * person's import through the node never publishes: publish_not_allowed.)
   */
  async function importPublished(
    questions: Record<string, unknown>[],
    dryRun = false,
  ): Promise<ImportReport> {
    const [report] = await importQuestionBankFiles(
      node.ctx,
      [
        {
          name: "在用.json",
          content: JSON.stringify({ format: "roadcert-questions/1", title: "在用", questions }),
        },
      ],
      { publish: true, dryRun, pinnedBlueprints: createPinnedBlueprints(node.ctx.conn) },
    );
    return report!;
  }

  const versionsOf = (questionId: string) =>
    node.ctx.conn
      .collection("question_versions")
      .find({ questionId })
      .sort({ version: 1 })
      .project<{ version: number; status: string; chapter: string }>({
        _id: 0,
        version: 1,
        status: 1,
        chapter: 1,
      })
      .toArray();

  it("when an import publishes a new version moving a question the pinned blueprint needs to another chapter, then that item is refused bank_in_use, nothing of it is written, the rest of the file is, and check-in still gets a full paper", async () => {
    const { questions, v1, session, candidate } = await aSessionNeedingEveryQuestion(bank, "导入在用章节");
    const target = questions[0]!;
    // Another chapter: a new published question of the same cell would keep it full (as it should).
    const fresh = questionInput({ chapter: "导入新题章节" });
    const report = await importPublished([{ ...target.input, chapter: "导入别的章节" }, fresh]);

    const moved = report.items.find((i) => i.ref === target.input.ref);
    expect([moved?.outcome, moved?.code]).to.deep.equal(["skipped", "bank_in_use"]);
    expect(moved?.notes.join()).to.contain(`${v1.id} 第 ${v1.version} 版`);
    expect(moved?.notes.join()).to.contain("导入在用章节/单选题 需 3 题，仅有 2 题");
    expect(report.items.find((i) => i.ref === fresh.ref)?.outcome).to.equal("created");
    expect(report.rejected).to.equal(false);
    expect(report.counts).to.deep.include({ created: 1, updated: 0, skipped: 1 });
    expect(await versionsOf(target.dto.id)).to.deep.equal([
      { version: target.dto.version, status: "published", chapter: "导入在用章节" },
    ]);
    expect(await checkIn(node, session, candidate)).to.equal(3);
  });

  it("when the same file also publishes a new question of that cell, then the move is written (the checks see the batch's own writes)", async () => {
    const { questions, session, candidate } = await aSessionNeedingEveryQuestion(bank, "导入补题章节");
    const target = questions[0]!;
    const fresh = questionInput({ chapter: "导入补题章节" });
    const report = await importPublished([fresh, { ...target.input, chapter: "导入别的章节" }]);
    expect(report.items.map((i) => i.outcome)).to.deep.equal(["created", "updated"]);
    expect((await versionsOf(target.dto.id)).map((v) => v.status)).to.deep.equal(["superseded", "published"]);
    expect(await checkIn(node, session, candidate)).to.equal(3);
  });

  it("when an import publishes a new version changing a needed question's type, then it is refused bank_in_use too", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "导入改题型章节");
    const target = questions[1]!;
    const report = await importPublished([
      { ...target.input, type: "true_false", options: [], answer: ["T"] },
    ]);
    const item = report.items.find((i) => i.ref === target.input.ref);
    expect([item?.outcome, item?.code]).to.deep.equal(["skipped", "bank_in_use"]);
    expect((await versionsOf(target.dto.id)).map((v) => v.status)).to.deep.equal(["published"]);
  });

  it("when an import publishes a new version of a needed question that stays in its cell, then it is written (the cell keeps its count)", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "导入改文字章节");
    const target = questions[2]!;
    const report = await importPublished([{ ...target.input, explanation: "依据《道路运输条例》" }]);
    expect(report.items.find((i) => i.ref === target.input.ref)?.outcome).to.equal("updated");
    expect((await versionsOf(target.dto.id)).map((v) => v.status)).to.deep.equal(["superseded", "published"]);
  });

  const versionCount = () => node.ctx.conn.collection("question_versions").countDocuments({});

  it("when a dry-run import would retire/replace a question a pinned session needs, then the report names it bank_in_use and nothing is written", async () => {
    const { questions, v1 } = await aSessionNeedingEveryQuestion(bank, "预演在用章节");
    const target = questions[0]!;
    const fresh = questionInput({ chapter: "预演新题章节" });
    const before = await versionCount();
    const report = await importPublished([{ ...target.input, chapter: "预演别的章节" }, fresh], true);

    expect(report.dryRun).to.equal(true);
    const moved = report.items.find((i) => i.ref === target.input.ref);
    expect([moved?.outcome, moved?.code]).to.deep.equal(["skipped", "bank_in_use"]);
    expect(moved?.notes.join()).to.contain(`${v1.id} 第 ${v1.version} 版`);
    expect(moved?.notes.join()).to.contain("预演在用章节/单选题 需 3 题，仅有 2 题");
    expect(report.items.find((i) => i.ref === fresh.ref)?.outcome).to.equal("created");
    expect(report.counts).to.deep.include({ created: 1, updated: 0, skipped: 1 });
    expect(await versionCount()).to.equal(before);
    expect(await versionsOf(target.dto.id)).to.deep.equal([
      { version: target.dto.version, status: "published", chapter: "预演在用章节" },
    ]);
  });

  it("when a dry run moves two questions out of a cell with one to spare, then it predicts what the import does: the first is written, the second bank_in_use", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "预演两题章节");
    await publishedQuestions(bank, 1, "预演两题章节");
    const files = [
      { ...questions[0]!.input, chapter: "预演别的章节" },
      { ...questions[1]!.input, chapter: "预演别的章节" },
    ];
    const predicted = await importPublished(files, true);
    expect(predicted.items.map((i) => [i.outcome, i.code])).to.deep.equal([
      ["updated", undefined],
      ["skipped", "bank_in_use"],
    ]);
    const done = await importPublished(files);
    expect(done.items.map((i) => [i.outcome, i.code])).to.deep.equal([
      ["updated", undefined],
      ["skipped", "bank_in_use"],
    ]);
  });

  it("when a dry run publishes a new question of that cell before the move, then it predicts the move is written, as the import does", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "预演补题章节");
    const before = await versionCount();
    const report = await importPublished(
      [questionInput({ chapter: "预演补题章节" }), { ...questions[0]!.input, chapter: "预演别的章节" }],
      true,
    );
    expect(report.items.map((i) => [i.outcome, i.code])).to.deep.equal([
      ["created", undefined],
      ["updated", undefined],
    ]);
    expect(await versionCount()).to.equal(before);
  });

  /** The examiner renames a published question: its new draft version carries `ref`, the published one keeps the old. */
  const rename = (target: { dto: { id: string }; input: Record<string, unknown> }, ref: string) =>
    bank.examiner.agent
      .put(`/api/question-bank/questions/${target.dto.id}`)
      .send({ ...target.input, ref })
      .expect(200);

  /** What a report refused, and why: the file's rejection and each item's outcome and code. */
  const refusals = (r: ImportReport) => ({
    rejected: r.rejected,
    items: r.items.map((i) => [i.outcome, i.code]),
  });

  it("when a dry run publishes a moved version of a question renamed since (its published version under the older ref), then it predicts bank_in_use, as the import does", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "预演改号章节");
    const target = questions[0]!;
    const ref = `${String(target.input.ref)}-新号`;
    await rename(target, ref);
    const files = [{ ...target.input, ref, chapter: "预演别的章节" }];

    const predicted = await importPublished(files, true);
    const done = await importPublished(files);
    expect(refusals(done)).to.deep.equal({ rejected: false, items: [["skipped", "bank_in_use"]] });
    expect(refusals(predicted)).to.deep.equal(refusals(done));
    expect((await versionsOf(target.dto.id)).map((v) => v.status)).to.deep.equal(["published", "draft"]);
  });

  it("when a dry run publishes a new version under a question's older ref while a later version carries another ref, then it predicts question_ref_renamed, as the import does", async () => {
    const { questions } = await aSessionNeedingEveryQuestion(bank, "预演旧号章节");
    const target = questions[0]!;
    await rename(target, `${String(target.input.ref)}-新号`);
    // Stays in its cell: no bank_in_use, so the import reaches the write of the next version.
    const files = [{ ...target.input, explanation: "依据《道路运输条例》（旧号）" }];

    const predicted = await importPublished(files, true);
    const done = await importPublished(files);
    expect(refusals(done)).to.deep.equal({ rejected: true, items: [["invalid", "question_ref_renamed"]] });
    expect(refusals(predicted)).to.deep.equal(refusals(done));
    expect((await versionsOf(target.dto.id)).map((v) => v.status)).to.deep.equal(["published", "draft"]);
  });
});
