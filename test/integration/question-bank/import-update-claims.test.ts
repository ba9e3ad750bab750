import { expect } from "chai";
import { ImportReport } from "../../../server/contracts/question-import.js";
import { importQuestionBankFiles, type AuditPort } from "../../../server/question-bank/index.js";
import { questionContentHash } from "../../../server/question-bank/content-hash.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { racingAudit } from "./racing-audit.js";
import { bankContext, questionInput } from "./bank-context.js";

let n = 0;
/** A stem no other test uses. */
const stem = (what: string) => `${what}（${Date.now().toString(36)}-update-claims-${++n}）`;

function roadcert(questions: Record<string, unknown>[]) {
  return JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });
}

/**
 * An import that changes a question it finds by its ref (a new version of a published question,
 * a draft rewritten) is held to one copy per category as a new question is: it must not make the
 * question read as another question of its category, also when another writer adds that content
 * at the same moment, and its dry run says so too.
 */
describe("question bank: an import's update does not make a second copy of a question", () => {
  const db = useTestDatabase("qbupdclaims");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  /** Another writer, run at a set moment inside the next audited transaction (racing-audit.ts). */
  const race = racingAudit(db);

  const importOne = async (
    questions: Record<string, unknown>[],
    options: { publish?: boolean; dryRun?: boolean; audit?: AuditPort } = {},
  ) => {
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "bank.json", content: roadcert(questions) }],
      { partial: true, ...options },
    );
    return ImportReport.parse(report);
  };
  const outcomes = (r: ImportReport) => r.items.map((i) => [i.outcome, i.code]);
  const liveCopies = (q: Record<string, unknown>) =>
    Questions().countDocuments({
      contentHash: questionContentHash(q as Parameters<typeof questionContentHash>[0]),
      status: { $in: ["draft", "in_review", "published"] },
    });

  for (const publish of [true, false]) {
    const what = publish ? "gives a published question a new version" : "rewrites a draft";
    it(`when an import ${what} that reads as another question of its category, then the dry run and the import skip it question_exists naming that question, and nothing of it is written`, async () => {
      const other = questionInput({ stem: stem("夜间会车应当如何使用灯光？") });
      const mine = questionInput({ stem: stem("夜间超车应当如何使用灯光？") });
      expect(outcomes(await importOne([other, mine], { publish }))).to.deep.equal([
        ["created", undefined],
        ["created", undefined],
      ]);
      const update = { ...mine, stem: ` ${String(other.stem)}` };
      for (const dryRun of [true, false]) {
        const report = await importOne([update], { publish, dryRun });
        expect(outcomes(report), `dryRun ${dryRun}`).to.deep.equal([["skipped", "question_exists"]]);
        expect(report.items[0]?.notes.join(""), `dryRun ${dryRun}`).to.contain(String(other.ref));
        expect(report.counts, `dryRun ${dryRun}`).to.deep.include({ updated: 0, skipped: 1 });
      }
      const stored = await Questions()
        .find({ ref: String(mine.ref) })
        .lean();
      expect(stored.map((d) => [d.version, d.stem])).to.deep.equal([[1, mine.stem]]);
      expect(await liveCopies(other)).to.equal(1);
    });
  }

  it("when an import adds a category in which another question already reads the same, then it is skipped question_exists; in its own categories only, it is updated", async () => {
    const s = stem("隧道内能否变更车道？");
    const passenger = questionInput({ stem: s, categories: ["01001"] });
    const freight = questionInput({ stem: s, categories: ["02001"] });
    expect(outcomes(await importOne([passenger], { publish: true }))).to.deep.equal([["created", undefined]]);
    expect(outcomes(await importOne([freight], { publish: true }))).to.deep.equal([["created", undefined]]);
    const widened = { ...freight, categories: ["01001", "02001"] };
    const report = await importOne([widened], { publish: true });
    expect(outcomes(report)).to.deep.equal([["skipped", "question_exists"]]);
    expect(report.items[0]?.notes.join("")).to.contain(String(passenger.ref));
    const explained = { ...freight, explanation: "隧道内禁止变更车道" };
    expect(outcomes(await importOne([explained], { publish: true }))).to.deep.equal([["updated", undefined]]);
  });

  it("when an import changes a question back to the content of its own published version, then it is updated", async () => {
    const q = questionInput({ stem: stem("高速公路上错过出口应当如何？") });
    expect(outcomes(await importOne([q], { publish: true }))).to.deep.equal([["created", undefined]]);
    const changed = { ...q, stem: stem("高速公路上错过出口后能否倒车？") };
    expect(outcomes(await importOne([changed]))).to.deep.equal([["updated", undefined]]);
    for (const dryRun of [true, false])
      expect(outcomes(await importOne([q], { dryRun })), `dryRun ${dryRun}`).to.deep.equal([
        ["updated", undefined],
      ]);
    const stored = await Questions()
      .find({ ref: String(q.ref) })
      .sort({ version: 1 })
      .lean();
    expect(stored.map((d) => [d.version, d.status, d.stem])).to.deep.equal([
      [1, "published", q.stem],
      [2, "draft", q.stem],
    ]);
  });

  it("when another import adds the same content under a new ref after this import's update has read, then this update is skipped question_exists naming it and the bank holds one copy", async () => {
    const mine = questionInput({ stem: stem("车辆涉水后应当如何检查制动？") });
    expect(outcomes(await importOne([mine], { publish: true }))).to.deep.equal([["created", undefined]]);
    const target = stem("车辆涉水后能否立即高速行驶？");
    const theirs = questionInput({ stem: target });
    const fresh = questionInput({ stem: stem("雨天跟车距离应当如何？") });
    race.meanwhile = async () => {
      const other = await importOne([theirs], { publish: true });
      expect(outcomes(other)).to.deep.equal([["created", undefined]]);
    };
    const report = await importOne([{ ...mine, stem: target }, fresh], { publish: true, audit: race.port });
    expect(race.meanwhile, "the other import ran inside this one's transaction").to.equal(null);
    expect(outcomes(report)).to.deep.equal([
      ["skipped", "question_exists"],
      ["created", undefined],
    ]);
    expect(report.items[0]?.notes.join("")).to.contain(String(theirs.ref));
    expect(await liveCopies(theirs)).to.equal(1);
    expect(await Questions().countDocuments({ ref: String(mine.ref) })).to.equal(1);
    const entry = race.audited.at(-1);
    expect(entry?.details).to.deep.include({ created: 1, updated: 0, exists: 1 });
  });

  it("when another import's update gives a question the content after this import has read, then this import's new ref with that content is skipped question_exists naming it", async () => {
    const theirs = questionInput({ stem: stem("山区下长坡应当如何控制车速？") });
    expect(outcomes(await importOne([theirs], { publish: true }))).to.deep.equal([["created", undefined]]);
    const target = stem("山区下长坡能否空挡滑行？");
    const mine = questionInput({ stem: target });
    race.meanwhile = async () => {
      const other = await importOne([{ ...theirs, stem: target }], { publish: true });
      expect(outcomes(other)).to.deep.equal([["updated", undefined]]);
    };
    const report = await importOne([mine], { publish: true, audit: race.port });
    expect(race.meanwhile).to.equal(null);
    expect(outcomes(report)).to.deep.equal([["skipped", "question_exists"]]);
    expect(report.items[0]?.notes.join("")).to.contain(String(theirs.ref));
    expect(await liveCopies(mine)).to.equal(1);
  });

  it("when a dry run's files update one question and add another with the same content, in either order, then it says question_exists for the second, as the import then does", async () => {
    for (const updateFirst of [true, false]) {
      const existing = questionInput({ stem: stem("路口遇行人横过道路应当如何？") });
      expect(outcomes(await importOne([existing], { publish: true }))).to.deep.equal([
        ["created", undefined],
      ]);
      const target = stem("路口遇行人横过道路能否鸣喇叭催促？");
      const update = { ...existing, stem: target };
      const created = questionInput({ stem: target });
      const files = () =>
        (updateFirst ? [update, created] : [created, update]).map((q, i) => ({
          name: `${i}.json`,
          content: roadcert([q]),
        }));
      const firstOutcome = updateFirst ? "updated" : "created";
      for (const dryRun of [true, false]) {
        const reports = await importQuestionBankFiles(ctx(), files(), {
          publish: true,
          dryRun,
          partial: true,
        });
        const why = `updateFirst ${updateFirst}, dryRun ${dryRun}`;
        expect(
          reports.map((r) => r.items.map((i) => [i.outcome, i.code])),
          why,
        ).to.deep.equal([[[firstOutcome, undefined]], [["skipped", "question_exists"]]]);
        const firstRef = String(updateFirst ? existing.ref : created.ref);
        expect(reports[1]?.items[0]?.notes.join(""), why).to.contain(firstRef);
      }
      expect(await liveCopies(created)).to.equal(1);
    }
  });

  it("when a dry run's two files hold the same new question under the same ref, then the second is not question_exists naming its own ref", async () => {
    const q = questionInput({ stem: stem("驾驶人连续驾驶后应当如何休息？") });
    const files = ["a.json", "b.json"].map((name) => ({ name, content: roadcert([q]) }));
    const reports = await importQuestionBankFiles(ctx(), files, {
      publish: true,
      dryRun: true,
      partial: true,
    });
    expect(reports).to.have.length(2);
    expect(reports[1]?.items).to.have.length(1);
    expect(reports[1]?.items[0]?.code, JSON.stringify(reports[1]?.items)).to.equal(undefined);
    // The import says unchanged here; the dry run, which does not remember planned refs, created.
    expect(reports[1]?.items[0]?.outcome).to.be.oneOf(["created", "unchanged"]);
  });
});
