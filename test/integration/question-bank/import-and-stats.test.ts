import { readFileSync } from "node:fs";
import { expect } from "chai";
import type { CategoryCode } from "../../../server/contracts/categories.js";
import type { ItemResponse } from "../../../server/contracts/item-stats.js";
import { AppError } from "../../../server/lib/errors.js";
import {
  createQuestionBankService,
  IMAGE_MAX_BYTES,
  importQuestionBankFiles,
  parseImportFile,
  readSampleBankFiles,
  seedSampleBanks,
  type QuestionBankService,
} from "../../../server/question-bank/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";

const fixture = (name: string) => ({
  name,
  content: readFileSync(new URL(`../../fixtures/question-bank/${name}`, import.meta.url)),
});
const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

describe("question bank: import, images and item statistics", () => {
  const db = useTestDatabase("qbimp");
  let bank: QuestionBankService;
  before(() => {
    bank = createQuestionBankService(bankContext(db.conn));
  });
  const count = () => bank.models.Questions.countDocuments({});

  it("when a CSV file has an invalid row, then the whole file is rejected, the row is named and nothing is written", async () => {
    const before = await count();
    const [report] = await importQuestionBankFiles(bankContext(db.conn), [fixture("questions-bad.csv")]);
    expect(report).to.deep.include({ rejected: true });
    expect(report?.items.filter((i) => i.outcome === "invalid").map((i) => i.location)).to.deep.equal([
      "第 3 行",
      "第 4 行",
    ]);
    expect(await count()).to.equal(before);
  });

  it("when partial import is asked, then the valid rows of that file are imported and the invalid ones reported", async () => {
    const [report] = await importQuestionBankFiles(bankContext(db.conn), [fixture("questions-bad.csv")], {
      partial: true,
    });
    expect(report).to.deep.include({ rejected: false });
    expect(report?.counts).to.deep.include({ created: 1, invalid: 2 });
    expect(await bank.models.Questions.countDocuments({ ref: "CSV-OK", status: "draft" })).to.equal(1);
  });

  it("when a dry run is made, then the report says what would be created and nothing is written", async () => {
    const before = await count();
    const [report] = await importQuestionBankFiles(bankContext(db.conn), [fixture("questions-sample.csv")], {
      dryRun: true,
    });
    expect(report).to.deep.include({ dryRun: true, rejected: false });
    expect(report?.counts).to.deep.include({ created: 3 });
    expect(await count()).to.equal(before);
  });

  it("when a Moodle XML file is imported, then supported questions become drafts, its image lands in GridFS and unsupported ones are reported", async () => {
    const [report] = await importQuestionBankFiles(bankContext(db.conn), [fixture("moodle-sample.xml")], {
      defaults: { categories: ["01001"] },
    });
    expect(report?.counts).to.deep.include({ created: 4, skipped: 4, invalid: 0 });
    expect(report?.items.find((i) => i.ref === "MX-MATCH")).to.deep.include({ outcome: "skipped" });
    const multi = await bank.models.Questions.findOne({ ref: "MX-MULTI-1" }).lean();
    expect(multi?.status).to.equal("draft");
    expect(multi?.imageId).to.be.a("string");
    const image = await bank.images.get(multi?.imageId ?? "");
    expect(image.contentType).to.equal("image/png");
  });

  it("when the same GIFT file is imported twice, then the second run changes nothing", async () => {
    const opts = { defaults: { categories: ["01001" as CategoryCode] } };
    const [first] = await importQuestionBankFiles(bankContext(db.conn), [fixture("gift-sample.gift")], opts);
    expect(first?.counts.created).to.equal(6);
    const before = await count();
    const [second] = await importQuestionBankFiles(bankContext(db.conn), [fixture("gift-sample.gift")], opts);
    expect(second?.counts).to.deep.include({ created: 0, unchanged: 6 });
    expect(await count()).to.equal(before);
  });

  it("when an image is too large or not an image, then it is refused and the question is unchanged", async () => {
    const q = await bank.createQuestion(author, questionInput());
    const tooBig = Buffer.concat([PNG_1PX, Buffer.alloc(IMAGE_MAX_BYTES)]);
    for (const [data, code] of [
      [tooBig, "image_too_large"],
      [Buffer.from("%PDF-1.4 not an image"), "image_type_not_allowed"],
    ] as const) {
      let err: unknown;
      try {
        await bank.attachImage(author, q.id, data, "x.png");
      } catch (e) {
        err = e;
      }
      expect((err as AppError).code).to.equal(code);
    }
    expect((await bank.getQuestion(q.id)).imageId).to.equal(undefined);
    const withImage = await bank.attachImage(author, q.id, PNG_1PX, "sign.png");
    expect(withImage.imageId).to.be.a("string");
  });

  it("when negative discrimination is found with auto-quarantine, then the item is flagged, quarantined and left out of new papers", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const q = await bank.createQuestion(author, questionInput({ chapter: "统计章节" }));
      await bank.submitForReview(author, q.id);
      await bank.approve(reviewer, q.id);
      ids.push(q.id);
    }
    const [good, bad] = ids as [string, string];
    const responses: ItemResponse[] = [];
    for (let c = 0; c < 30; c++) {
      const strong = c >= 15;
      const total = 40 + c * 2;
      responses.push({
        attemptId: `a${c}`,
        questionId: good,
        version: 1,
        optionOrder: ["A", "B", "C", "D"],
        chosen: [strong ? "B" : "A"],
        correct: strong,
        awarded: strong ? 1 : 0,
        totalScore: total,
      });
      responses.push({
        attemptId: `a${c}`,
        questionId: bad,
        version: 1,
        optionOrder: ["D", "C", "B", "A"],
        chosen: [strong ? "A" : "C"],
        correct: !strong,
        awarded: strong ? 0 : 1,
        totalScore: total,
      });
    }
    bank.useResponses((code) => Promise.resolve(code === "01001" ? responses : []));
    const stats = await bank.itemStatistics("01001", { autoQuarantine: true, actor: reviewer });
    const badStat = stats.find((s) => s.questionId === bad);
    expect(badStat).to.deep.include({ quarantined: true, facility: 0.5 });
    expect(badStat?.flags).to.include("negative_discrimination");
    // Displayed "A" under order D,C,B,A is original "D"; displayed "C" is original "B" (the key).
    expect(badStat?.distractors).to.deep.equal({ blank: 0, D: 15, B: 15 });
    expect(stats.find((s) => s.questionId === good)).to.deep.include({ quarantined: false });
    const eligible = (await bank.eligibleSnapshots("01001")).map((q) => q.id);
    expect(eligible).to.include(good).and.not.include(bad);
    expect((await bank.getQuestion(bad)).history.at(-1)?.action).to.equal("quarantined");
    await bank.setQuarantine(reviewer, bad, false, "已复核，题目无误");
    expect((await bank.eligibleSnapshots("01001")).map((q) => q.id)).to.include(bad);
  });

  it("when a quarantined question is corrected and released, then the old version's statistics do not quarantine it again", async () => {
    const q = await bank.createQuestion(author, questionInput({ chapter: "统计章节二" }));
    await bank.submitForReview(author, q.id);
    await bank.approve(reviewer, q.id);
    // Version 1 had the key on a distractor: the strong candidates got it "wrong".
    const responses: ItemResponse[] = Array.from({ length: 30 }, (_, c) => ({
      attemptId: `k${c}`,
      questionId: q.id,
      version: 1,
      optionOrder: ["A", "B", "C", "D"],
      chosen: [c >= 15 ? "A" : "B"],
      correct: c < 15,
      awarded: c < 15 ? 1 : 0,
      totalScore: 40 + c * 2,
    }));
    bank.useResponses((code) => Promise.resolve(code === "01001" ? responses : []));
    const first = await bank.itemStatistics("01001", { autoQuarantine: true, actor: reviewer });
    expect(first.find((s) => s.questionId === q.id)).to.deep.include({ quarantined: true });
    // The examiner corrects the key (version 2), a reviewer approves it and releases the question.
    await bank.updateQuestion(author, q.id, questionInput({ chapter: "统计章节二", answer: ["A"] }));
    await bank.submitForReview(author, q.id);
    await bank.approve(reviewer, q.id);
    await bank.setQuarantine(reviewer, q.id, false, "答案已更正");
    const again = await bank.itemStatistics("01001", { autoQuarantine: true, actor: reviewer });
    expect(again.find((s) => s.questionId === q.id && s.version === 1)?.flags).to.include("negative_discrimination");
    expect(again.find((s) => s.questionId === q.id)).to.deep.include({ quarantined: false });
    expect((await bank.eligibleSnapshots("01001")).map((e) => [e.id, e.version])).to.deep.include([q.id, 2]);
  });
});

describe("question bank: sample banks", () => {
  const db = useTestDatabase("qbseed");

  it("when the sample banks are seeded twice, then the second run writes nothing and every category's blueprint assembles", async function () {
    this.timeout(120_000);
    const ctx = bankContext(db.conn);
    const first = await seedSampleBanks(ctx);
    expect(first.every((r) => !r.rejected)).to.equal(true);
    const files = await readSampleBankFiles();
    expect(first).to.have.length(files.length);
    const bank = createQuestionBankService(ctx);
    const total = await bank.models.Questions.countDocuments({ status: "published" });
    const inFiles = files.reduce((n, f) => n + parseImportFile(f).items.length, 0);
    expect(total).to.equal(inFiles);
    const second = await seedSampleBanks(ctx);
    expect(
      second.every(
        (r) =>
          r.counts.created === 0 &&
          r.counts.updated === 0 &&
          r.blueprints.every((b) => b.outcome === "unchanged"),
      ),
    ).to.equal(true);
    expect(await bank.models.Questions.countDocuments({})).to.equal(total);
    for (const code of ["01001", "02001", "03001", "03002", "03003"] as const) {
      const blueprint = await bank.getCurrentBlueprint(code);
      expect(blueprint, code).to.not.equal(null);
      const paper = await bank.buildPaper({ categoryCode: code, seed: `seed-${code}` });
      expect(paper.questions).to.have.length(blueprint?.cells.reduce((s, c) => s + c.count, 0) ?? -1);
    }
  });

  it("when a blueprint asks more than the bank holds, then buildPaper names the short cell", async () => {
    const ctx = bankContext(db.conn);
    const bank = createQuestionBankService(ctx);
    // Saved as a draft: such a version cannot be published, but a published one can outgrow the
    // bank later (its questions quarantined or retired), and a pinned session still asks for it.
    await bank.saveBlueprint(
      author,
      blueprintInput(200, {
        categoryCode: "03002",
        cells: [{ type: "single", chapter: "法规", count: 200 }],
      }),
      { id: "bp-huge" },
    );
    let err: unknown;
    try {
      await bank.buildPaper({
        categoryCode: "03002",
        blueprintRef: { id: "bp-huge", version: 1 },
        seed: "x",
      });
    } catch (e) {
      err = e;
    }
    const details = (err as AppError).details as {
      shortfalls: { categoryCode: string; chapter: string; needed: number }[];
    };
    expect(details.shortfalls).to.have.length(1);
    expect(details.shortfalls[0]).to.include({ categoryCode: "03002", chapter: "法规", needed: 200 });
  });
});
