import { expect } from "chai";
import { ImportReport } from "../../../server/contracts/question-import.js";
import {
  backfillContentHashes,
  createQuestionBankService,
  importQuestionBankFiles,
} from "../../../server/question-bank/index.js";
import { blueprintModel } from "../../../server/question-bank/blueprint.model.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, blueprintInput, questionInput, reviewer } from "./bank-context.js";

let n = 0;
/** A stem no other test uses. */
const stem = (what: string) => `${what}（${Date.now().toString(36)}-${++n}）`;

function roadcert(questions: Record<string, unknown>[]) {
  return JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });
}

/** A question file and a blueprint file, imported in that order. */
function withBlueprint(questions: Record<string, unknown>[], blueprint: Record<string, unknown>) {
  return [
    { name: "q.json", content: roadcert(questions) },
    { name: "bp.json", content: JSON.stringify({ format: "roadcert-blueprint/1", blueprint }) },
  ];
}

describe("question import: a question the bank already holds under another ref", () => {
  const db = useTestDatabase("qbexisting");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  async function seed(q: Record<string, unknown>) {
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "seed.json", content: roadcert([q]) }], {
      publish: true,
    });
    expect(report?.items[0]?.outcome, JSON.stringify(report?.items)).to.equal("created");
  }

  it("when a new ref brings a stored question's stem and options (spacing and width aside), then it is refused question_exists naming the stored ref, in the dry run and the import, and nothing is written", async () => {
    const s = stem("夜间会车应当如何使用灯光？");
    const stored = questionInput({ stem: s });
    await seed(stored);
    const twin = questionInput({
      stem: ` ${s.replace("？", "?")}  `,
      options: (stored.options as { key: string; text: string }[]).map((o) => ({ ...o, text: `${o.text} ` })),
      categories: ["01001", "02001"],
    });
    const fresh = questionInput({ stem: stem("雾天行车应当开启哪种灯？") });
    for (const dryRun of [true, false]) {
      const [report] = await importQuestionBankFiles(
        ctx(),
        [{ name: "dup.json", content: roadcert([twin, fresh]) }],
        { publish: true, dryRun, partial: true },
      );
      const checked = ImportReport.parse(report);
      expect(
        checked.items.map((i) => [i.outcome, i.code]),
        `dryRun ${dryRun}`,
      ).to.deep.equal([
        ["skipped", "question_exists"],
        ["created", undefined],
      ]);
      expect(checked.items[0]?.notes.join("")).to.contain(String(stored.ref));
    }
    expect(await Questions().countDocuments({ ref: String(twin.ref) })).to.equal(0);
    expect(await Questions().countDocuments({ ref: String(fresh.ref) })).to.equal(1);
  });

  it("when the stored question serves another category only or is retired, then the new ref is created", async () => {
    const other = questionInput({ stem: stem("超车时应当从哪一侧超越？"), categories: ["02001"] });
    await seed(other);
    const retired = questionInput({ stem: stem("高速公路上最低车速是多少？") });
    await seed(retired);
    await Questions().updateMany({ ref: String(retired.ref) }, { $set: { status: "retired" } });
    const [report] = await importQuestionBankFiles(
      ctx(),
      [
        {
          name: "ok.json",
          content: roadcert([questionInput({ stem: other.stem }), questionInput({ stem: retired.stem })]),
        },
      ],
      { publish: true },
    );
    expect(report?.items.map((i) => i.outcome)).to.deep.equal(["created", "created"]);
  });

  it("when a question stored before the content hash existed is backfilled, then a new ref with its content is refused", async () => {
    const legacy = questionInput({ stem: stem("车辆在隧道内行驶应当如何？") });
    await seed(legacy);
    await Questions().collection.updateMany({ ref: legacy.ref }, { $unset: { contentHash: 1 } });
    expect(await backfillContentHashes(db.conn)).to.be.at.least(1);
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "legacy.json", content: roadcert([questionInput({ stem: legacy.stem })]) }],
      { publish: true },
    );
    expect(report?.items[0]).to.deep.include({ outcome: "skipped", code: "question_exists" });
  });
});

describe("question import: blueprints with publish", () => {
  const db = useTestDatabase("qbimportbp");
  const ctx = () => bankContext(db.conn);

  it("when a person imports a blueprint, then it is a draft that someone other than that person publishes, and with publish the import is refused", async () => {
    const questions = Array.from({ length: 2 }, () =>
      questionInput({ stem: stem("驾驶人连续驾驶多久应休息？"), categories: ["01001"] }),
    );
    const bp = blueprintInput(2, { categoryCode: "01001" });
    const refs = questions.map((q) => String(q.ref));
    const written = async () => ({
      questions: await questionVersionModel(db.conn).countDocuments({ ref: { $in: refs } }),
      blueprints: await blueprintModel(db.conn).countDocuments({ blueprintId: "bp-01001" }),
    });
    const before = await written();
    const refused = await importQuestionBankFiles(ctx(), withBlueprint(questions, bp), {
      publish: true,
      actor: author,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.deep.include({ code: "publish_not_allowed", status: 403 });
    // Refused as a whole: not the questions of the first file either.
    expect(await written()).to.deep.equal(before);
    // The questions published by the system (seeding), so the blueprint can be published.
    await importQuestionBankFiles(ctx(), withBlueprint(questions, bp).slice(0, 1), { publish: true });
    const [qs, report] = await importQuestionBankFiles(ctx(), withBlueprint(questions, bp), {
      actor: author,
    });
    expect(qs?.counts.unchanged).to.equal(2);
    expect(report?.rejected, JSON.stringify(report?.items)).to.equal(false);
    expect(report?.blueprints).to.deep.equal([
      { categoryCode: "01001", outcome: "created", version: 1, status: "draft" },
    ]);
    const stored = await blueprintModel(db.conn).findOne({ blueprintId: "bp-01001", version: 1 }).lean();
    expect(stored).to.deep.include({ status: "draft", createdBy: author.id });
    const bank = createQuestionBankService(ctx());
    const published = await bank.publishBlueprint(reviewer, "bp-01001", 1);
    expect(published.status).to.equal("published");
  });

  it("when the system (seeding, the import CLI) imports a blueprint with publish, then it is published", async () => {
    const questions = Array.from({ length: 2 }, () =>
      questionInput({ stem: stem("雨天路滑应当如何？"), categories: ["02001"] }),
    );
    const bp = blueprintInput(2, {
      categoryCode: "02001",
      cells: [{ type: "single", chapter: "安全行车", count: 2 }],
    });
    await importQuestionBankFiles(ctx(), withBlueprint(questions, bp), { publish: true });
    const stored = await blueprintModel(db.conn).findOne({ blueprintId: "bp-02001", version: 1 }).lean();
    expect(stored?.status).to.equal("published");
  });
});
