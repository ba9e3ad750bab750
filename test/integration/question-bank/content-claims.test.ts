import { expect } from "chai";
import mongoose from "mongoose";
import { ImportReport } from "../../../server/contracts/question-import.js";
import {
  createQuestionBankService,
  importQuestionBankFiles,
  questionBankFeature,
} from "../../../server/question-bank/index.js";
import { questionContentHash } from "../../../server/question-bank/content-hash.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { accessTrustingActors } from "../../helpers/access.js";
import { useTestDatabase } from "../../helpers/database.js";
import { racingAudit } from "./racing-audit.js";
import { author, bankContext, questionInput, reviewer } from "./bank-context.js";

let n = 0;
/** A stem no other test uses. */
const stem = (what: string) => `${what}（${Date.now().toString(36)}-claims-${++n}）`;

function roadcert(questions: Record<string, unknown>[]) {
  return JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/**
 * A question the bank holds once per category however it is written: two writers adding the same
 * content at once, an edit that turns one question into another, a dry run over several files, and
 * versions stored before the content hash existed.
 */
describe("question bank: one copy of a question per category", () => {
  const db = useTestDatabase("qbclaims");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  /** Another writer, run at a set moment inside the next audited transaction (racing-audit.ts). */
  const race = racingAudit(db);

  const liveCopies = (q: Record<string, unknown>) =>
    Questions().countDocuments({
      contentHash: questionContentHash(q as Parameters<typeof questionContentHash>[0]),
      status: { $in: ["draft", "in_review", "published"] },
    });

  it("when another import adds the same question under another new ref after this import has read, then this one skips it question_exists and the bank holds one copy", async () => {
    const s = stem("夜间通过急弯时应当如何使用灯光？");
    const mine = questionInput({ stem: s });
    const theirs = questionInput({ stem: s });
    const fresh = questionInput({ stem: stem("雨天超车应当注意什么？") });
    race.meanwhile = async () => {
      const [report] = await importQuestionBankFiles(
        ctx(),
        [{ name: "theirs.json", content: roadcert([theirs]) }],
        { publish: true },
      );
      expect(report?.items[0]?.outcome, JSON.stringify(report?.items)).to.equal("created");
    };
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "mine.json", content: roadcert([mine, fresh]) }],
      { publish: true, audit: race.port },
    );
    expect(race.meanwhile, "the other import ran inside this one's transaction").to.equal(null);
    const checked = ImportReport.parse(report);
    expect(checked.rejected).to.equal(false);
    expect(checked.items.map((i) => [i.outcome, i.code])).to.deep.equal([
      ["skipped", "question_exists"],
      ["created", undefined],
    ]);
    expect(checked.items[0]?.notes.join("")).to.contain(String(theirs.ref));
    expect(checked.counts).to.deep.include({ created: 1, skipped: 1 });
    expect(await liveCopies(mine)).to.equal(1);
    expect(await Questions().countDocuments({ ref: String(mine.ref) })).to.equal(0);
    expect(await Questions().countDocuments({ ref: String(fresh.ref) })).to.equal(1);
  });

  it("when an examiner edits a draft so it reads as another question of its category, then the edit is refused question_exists naming that question, and nothing changes", async () => {
    const bank = createQuestionBankService(ctx());
    const other = await bank.createQuestion(author, questionInput({ stem: stem("会车时应当如何让行？") }));
    const draft = await bank.createQuestion(author, questionInput({ stem: stem("倒车时应当注意什么？") }));
    const err = await rejection(
      bank.updateQuestion(author, draft.id, {
        ...questionInput({ ref: draft.ref, stem: ` ${other.stem} ` }),
      }),
    );
    expect(err).to.include({ code: "question_exists", status: 409 });
    expect((err as Error).message).to.contain(other.ref);
    expect((err as { details?: unknown }).details).to.deep.equal({ ref: other.ref });
    const stored = await Questions().findOne({ questionId: draft.id }).lean();
    expect(stored?.stem).to.equal(draft.stem);
  });

  it("when a published question gets a new version that reads as another question of its category, then it is refused question_exists; as a question of another category only, it is saved", async () => {
    const bank = createQuestionBankService(ctx());
    const other = await bank.createQuestion(author, questionInput({ stem: stem("隧道内能否停车？") }));
    const q = await bank.createQuestion(author, questionInput({ stem: stem("隧道内能否掉头？") }));
    await bank.submitForReview(author, q.id);
    await bank.approve(reviewer, q.id, "内容正确");
    const err = await rejection(
      bank.updateQuestion(author, q.id, questionInput({ ref: q.ref, stem: other.stem })),
    );
    expect(err).to.include({ code: "question_exists", status: 409 });
    expect(await Questions().countDocuments({ questionId: q.id })).to.equal(1);
    const saved = await bank.updateQuestion(
      author,
      q.id,
      questionInput({ ref: q.ref, stem: other.stem, categories: ["02001"] }),
    );
    expect(saved).to.deep.include({ version: 2, status: "draft", stem: other.stem });
  });

  it("when a question is edited back to the content of its own published version, then it is saved", async () => {
    const bank = createQuestionBankService(ctx());
    const input = questionInput({ stem: stem("高速公路上车辆发生故障应当如何？") });
    const q = await bank.createQuestion(author, input);
    await bank.submitForReview(author, q.id);
    await bank.approve(reviewer, q.id, "内容正确");
    const changed = await bank.updateQuestion(author, q.id, { ...input, stem: stem("改过的题干") });
    expect(changed.version).to.equal(2);
    const back = await bank.updateQuestion(author, q.id, input);
    expect(back).to.deep.include({ version: 2, status: "draft", stem: input.stem });
  });

  it("when another examiner writes the same question under another ref after this write has read, then this one is refused question_exists and the bank holds one copy", async () => {
    const s = stem("车辆涉水后应当如何检查制动？");
    const other = createQuestionBankService(ctx());
    const bank = createQuestionBankService(ctx(), { audit: race.port });
    const theirs = questionInput({ stem: s });
    race.meanwhile = async () => void (await other.createQuestion(author, theirs));
    const err = await rejection(bank.createQuestion(author, questionInput({ stem: s })));
    expect(race.meanwhile).to.equal(null);
    expect(err).to.include({ code: "question_exists", status: 409 });
    expect((err as Error).message).to.contain(String(theirs.ref));
    expect(await liveCopies(theirs)).to.equal(1);
  });

  it("when a dry run imports two files holding the same question under two new refs, then it says the second is question_exists, as the import then does", async () => {
    const s = stem("驾驶人在高速公路上错过出口应当如何？");
    const first = questionInput({ stem: s });
    const second = questionInput({ stem: s, categories: ["01001", "02001"] });
    const files = () => [
      { name: "a.json", content: roadcert([first]) },
      { name: "b.json", content: roadcert([second]) },
    ];
    for (const dryRun of [true, false]) {
      const reports = await importQuestionBankFiles(ctx(), files(), { publish: true, dryRun, partial: true });
      expect(
        reports.map((r) => r.items.map((i) => [i.outcome, i.code])),
        `dryRun ${dryRun}`,
      ).to.deep.equal([[["created", undefined]], [["skipped", "question_exists"]]]);
      expect(reports[1]?.items[0]?.notes.join(""), `dryRun ${dryRun}`).to.contain(String(first.ref));
    }
    expect(await liveCopies(first)).to.equal(1);
  });

  it("when a question was stored before content hashes existed, then the feature's start gives it its hash and a new ref with its content is refused question_exists", async () => {
    const legacy = questionInput({ stem: stem("车辆在结冰路面上起步应当如何？"), ref: `LEGACY-${++n}` });
    const questionId = new mongoose.Types.ObjectId().toHexString();
    // As an older node stored it: written straight to the collection, with no contentHash.
    await Questions().collection.insertOne({
      questionId,
      version: 1,
      status: "published",
      ...legacy,
      explanation: "",
      difficulty: 3,
      tags: [],
      source: "",
      authorId: author.id,
      authorName: author.displayName,
      quarantined: false,
      history: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const feature = questionBankFeature(ctx(), { access: accessTrustingActors() });
    await feature.start?.();
    const stored = await Questions().findOne({ questionId }).lean();
    expect(stored?.contentHash).to.equal(
      questionContentHash(legacy as Parameters<typeof questionContentHash>[0]),
    );
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "again.json", content: roadcert([questionInput({ stem: legacy.stem })]) }],
      { publish: true },
    );
    expect(report?.items[0]).to.deep.include({ outcome: "skipped", code: "question_exists" });
    expect(report?.items[0]?.notes.join("")).to.contain(String(legacy.ref));
  });
});
