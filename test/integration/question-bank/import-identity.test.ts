import { expect } from "chai";
import { createAuditService, type AuditLog } from "../../../server/audit/index.js";
import { createQuestionBankService, importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, questionInput } from "./bank-context.js";

/** A roadcert CSV with refs: one single-choice question per row. */
function csvWithRefs(rows: { ref: string; stem: string; answer: string }[]): Buffer {
  const lines = ["ref,type,stem,A,B,C,D,answer,chapter,categories"];
  for (const r of rows) lines.push(`${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,01001`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/** A roadcert CSV without a ref column: the questions are named by nothing but their content. */
function refLessCsv(rows: { stem: string; answer: string }[]): Buffer {
  const lines = ["type,stem,A,B,C,D,answer,chapter,categories"];
  for (const r of rows) lines.push(`single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,01001`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

/**
 * The audit log with its transactions held until two have been asked for: two writers then have
 * both read before either writes (what two examiners at once do on two instances).
 */
function transactionsThatWaitForEachOther(audit: AuditLog): AuditLog {
  let arrived = 0;
  let bothArrived!: () => void;
  const barrier = new Promise<void>((resolve) => (bothArrived = resolve));
  return {
    ...audit,
    transaction: async <T>(work: Parameters<typeof audit.transaction<T>>[0]) => {
      if (++arrived === 2) bothArrived();
      await barrier;
      return audit.transaction(work);
    },
  };
}

/**
 * Which stored question an imported item is: the import matches by ref across the whole bank, so
 * a ref must name one question, and what it writes must be conditional on what it read.
 */
describe("question import: which question an item is", () => {
  const db = useTestDatabase("qbident");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  it("when two files without a ref column are imported one after the other, then row 2 of the second is a new question and the first keeps its text and answer key", async () => {
    const [first] = await importQuestionBankFiles(
      ctx(),
      [{ name: "a.csv", content: refLessCsv([{ stem: "夜间会车应当使用近光灯吗（甲）", answer: "B" }]) }],
      { publish: true },
    );
    const [second] = await importQuestionBankFiles(
      ctx(),
      [{ name: "b.csv", content: refLessCsv([{ stem: "车辆起步前应当观察后方吗（乙）", answer: "C" }]) }],
      { publish: true },
    );
    expect(first?.counts).to.deep.include({ created: 1, updated: 0 });
    expect(second?.counts).to.deep.include({ created: 1, updated: 0 });
    const stored = await Questions()
      .find({ stem: /（甲）$/ })
      .lean();
    expect(stored).to.have.length(1);
    expect(stored[0]).to.deep.include({ version: 1, status: "published", answer: ["B"] });
    expect(await Questions().countDocuments({ stem: /（乙）$/, answer: ["C"] })).to.equal(1);
  });

  it("when a file without refs is imported again with a corrected answer key, then that question gets a new version; the same file twice is unchanged", async () => {
    const stem = "高速公路上发生故障应当在车后多远设置警告标志（丙）";
    await importQuestionBankFiles(ctx(), [{ name: "c.csv", content: refLessCsv([{ stem, answer: "A" }]) }], {
      publish: true,
    });
    const [again] = await importQuestionBankFiles(
      ctx(),
      [{ name: "c.csv", content: refLessCsv([{ stem, answer: "A" }]) }],
      { publish: true },
    );
    expect(again?.counts).to.deep.include({ created: 0, updated: 0, unchanged: 1 });
    const [corrected] = await importQuestionBankFiles(
      ctx(),
      [{ name: "c2.csv", content: refLessCsv([{ stem, answer: "D" }]) }],
      { publish: true },
    );
    expect(corrected?.counts).to.deep.include({ created: 0, updated: 1 });
    const versions = await Questions().find({ stem }).sort({ version: 1 }).lean();
    expect(versions.map((v) => [v.version, v.status, v.answer])).to.deep.equal([
      [1, "superseded", ["A"]],
      [2, "published", ["D"]],
    ]);
  });

  it("when a question has a published version and a draft, and an import publishes new content, then exactly one version is published", async () => {
    const ref = "IDENT-PUB";
    const stem = (n: number) => `装载危险货物的车辆应当悬挂标志（第 ${n} 稿）`;
    await importQuestionBankFiles(
      ctx(),
      [{ name: "p1.csv", content: csvWithRefs([{ ref, stem: stem(1), answer: "A" }]) }],
      {
        publish: true,
      },
    );
    // An examiner's change in progress: a draft version 2 beside the published version 1.
    await importQuestionBankFiles(ctx(), [
      { name: "p2.csv", content: csvWithRefs([{ ref, stem: stem(2), answer: "A" }]) },
    ]);
    const [published] = await importQuestionBankFiles(
      ctx(),
      [{ name: "p3.csv", content: csvWithRefs([{ ref, stem: stem(3), answer: "B" }]) }],
      { publish: true },
    );
    expect(published?.counts).to.deep.include({ updated: 1 });
    const versions = await Questions().find({ ref }).sort({ version: 1 }).lean();
    expect(versions.map((v) => [v.version, v.status, v.stem])).to.deep.equal([
      [1, "superseded", stem(1)],
      [2, "published", stem(3)],
    ]);
  });

  it("when a reviewer sends the draft for review while an import is comparing it, then the import writes nothing over it and says so", async () => {
    const ref = "IDENT-RACE";
    await importQuestionBankFiles(ctx(), [
      { name: "r1.csv", content: csvWithRefs([{ ref, stem: "隧道内可以超车吗（初稿）", answer: "A" }]) },
    ]);
    const audit = createAuditService(db.conn);
    // The batch has compared (the draft is unchanged by anyone yet); the reviewer acts before it writes.
    const racing = {
      ...audit,
      transaction: async <T>(work: Parameters<typeof audit.transaction<T>>[0]) => {
        await Questions().updateOne({ ref, version: 1 }, { $set: { status: "in_review" } });
        return audit.transaction(work);
      },
    };
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "r2.csv", content: csvWithRefs([{ ref, stem: "隧道内可以超车吗（改稿）", answer: "B" }]) }],
      { audit: racing },
    );
    expect(report?.rejected).to.equal(true);
    expect(report?.items[0]?.notes.join("")).to.contain(ref).and.contain("送审");
    expect(report?.items[0]?.code).to.equal("question_changed_during_import");
    const stored = await Questions().find({ ref }).lean();
    expect(stored.map((v) => [v.version, v.status, v.stem])).to.deep.equal([
      [1, "in_review", "隧道内可以超车吗（初稿）"],
    ]);
  });

  for (const publish of [true, false])
    it(`when the question is retired between an import's lookup and its write (${publish ? "publishing" : "as a draft"}), then no new version is written over it and the import says so`, async () => {
      const ref = `IDENT-RETIRE-${publish ? "PUB" : "DRAFT"}`;
      await importQuestionBankFiles(
        ctx(),
        [
          {
            name: "t1.csv",
            content: csvWithRefs([{ ref, stem: "山区下长坡应当提前减速吗（原稿）", answer: "A" }]),
          },
        ],
        { publish: true },
      );
      const questionId = String((await Questions().findOne({ ref }).lean())?.questionId);
      const audit = createAuditService(db.conn);
      // The batch has compared (the question is published and may get a new version); the
      // question is retired before the batch writes.
      let retired = false;
      const racing = {
        ...audit,
        transaction: async <T>(work: Parameters<typeof audit.transaction<T>>[0]) => {
          if (!retired) {
            retired = true;
            await createQuestionBankService(ctx()).retire(author, questionId, "内容过时");
          }
          return audit.transaction(work);
        },
      };
      const [report] = await importQuestionBankFiles(
        ctx(),
        [
          {
            name: "t2.csv",
            content: csvWithRefs([{ ref, stem: "山区下长坡应当提前减速吗（原稿）", answer: "B" }]),
          },
        ],
        { publish, audit: racing },
      );
      expect(report?.rejected).to.equal(true);
      expect(report?.items[0]?.notes.join("")).to.contain(ref).and.contain("停用");
      expect(report?.items[0]?.code).to.equal("question_changed_during_import");
      const stored = await Questions().find({ ref }).lean();
      expect(stored.map((v) => [v.version, v.status, v.answer])).to.deep.equal([[1, "retired", ["A"]]]);
    });

  it("when a question's ref was changed in the bank and a file still names the old ref with new content, then the import refuses naming the ref and why, every time", async () => {
    const ref = "IDENT-OLD";
    await importQuestionBankFiles(
      ctx(),
      [
        {
          name: "o1.csv",
          content: csvWithRefs([{ ref, stem: "雾天行车应当开启雾灯吗（原稿）", answer: "A" }]),
        },
      ],
      {
        publish: true,
      },
    );
    const stored = await Questions().findOne({ ref }).lean();
    // An examiner renames it: version 2 (a draft) carries the new ref.
    await createQuestionBankService(ctx()).updateQuestion(
      author,
      String(stored?.questionId),
      questionInput({ ref: "IDENT-NEW", stem: "雾天行车应当开启雾灯吗（原稿）" }),
    );
    for (let run = 0; run < 2; run++) {
      const [report] = await importQuestionBankFiles(
        ctx(),
        [
          {
            name: "o2.csv",
            content: csvWithRefs([{ ref, stem: "雾天行车应当开启雾灯吗（改稿）", answer: "B" }]),
          },
        ],
        { publish: true },
      );
      expect(report?.rejected, `run ${run}`).to.equal(true);
      expect(report?.items[0]?.notes.join(""), `run ${run}`)
        .to.contain(ref)
        .and.contain("编号可能已在题库中更改");
      expect(report?.items[0]?.code, `run ${run}`).to.equal("question_ref_renamed");
    }
    expect(await Questions().countDocuments({ questionId: stored?.questionId })).to.equal(2);
  });

  it("when a roadcert JSON file names a stored question's ref with a trailing space, then it is that question, not a second one", async () => {
    const file = (ref: string, answer: string) => ({
      name: "refs.json",
      content: JSON.stringify({
        format: "roadcert-questions/1",
        title: "编号空格",
        questions: [
          questionInput({ ref, stem: "车辆通过铁路道口时应当减速慢行吗（编号空格）", answer: [answer] }),
        ],
      }),
    });
    await importQuestionBankFiles(ctx(), [file("IDENT-SPACE", "B")], { publish: true });
    const [again] = await importQuestionBankFiles(ctx(), [file("IDENT-SPACE ", "C")], { publish: true });
    expect(again?.counts).to.deep.include({ created: 0, updated: 1 });
    expect(await Questions().distinct("questionId", { ref: /^IDENT-SPACE/ })).to.have.length(1);
    expect(await Questions().countDocuments({ ref: "IDENT-SPACE " })).to.equal(0);
  });

  it("when an examiner types a ref with spaces around it, then it is stored plain and a file naming the plain ref finds that question", async () => {
    const bank = createQuestionBankService(ctx());
    const input = questionInput({
      ref: " IDENT-TYPED\u3000",
      stem: "驾驶员发现乘客携带危险品时应当拒绝其上车吗",
    });
    const created = await bank.createQuestion(author, input);
    expect(created.ref).to.equal("IDENT-TYPED");
    const [report] = await importQuestionBankFiles(ctx(), [
      {
        name: "typed.json",
        content: JSON.stringify({
          format: "roadcert-questions/1",
          title: "录入编号",
          questions: [{ ...input, ref: "IDENT-TYPED" }],
        }),
      },
    ]);
    expect(report?.counts).to.deep.include({ created: 0, unchanged: 1 });
  });

  it("when two examiners import the same new file at once, then the ref names one question and the import that lost says so", async () => {
    const ref = "IDENT-TWICE";
    // Both imports have looked the ref up (and found nothing) before either writes.
    const waiting = transactionsThatWaitForEachOther(createAuditService(db.conn));
    const file = () => [
      {
        name: "same.csv",
        content: csvWithRefs([{ ref, stem: "车辆在雨天行驶应当降低车速吗", answer: "A" }]),
      },
    ];
    const reports = await Promise.all([
      importQuestionBankFiles(ctx(), file(), { publish: true, audit: waiting }),
      importQuestionBankFiles(ctx(), file(), { publish: true, audit: waiting }),
    ]);
    const outcomes = reports.map(([r]) => (r?.rejected ? "rejected" : r?.items[0]?.outcome));
    expect(outcomes.sort()).to.deep.equal(["created", "rejected"]);
    const lost = reports.map(([r]) => r).find((r) => r?.rejected);
    expect(lost?.items[0]?.notes.join("")).to.contain(ref).and.contain("已被其他题目使用");
    expect(lost?.items[0]?.code).to.equal("ref_taken");
    expect(await Questions().distinct("questionId", { ref })).to.have.length(1);
    // The file imported again by the examiner who lost finds the question the other one wrote.
    const [again] = await importQuestionBankFiles(ctx(), file(), { publish: true });
    expect(again?.counts).to.deep.include({ created: 0, unchanged: 1 });
  });

  it("when two examiners write a new question with the same ref at once, then one of them is refused ref_taken", async () => {
    // Both have checked the ref free before either writes.
    const waiting = transactionsThatWaitForEachOther(createAuditService(db.conn));
    const bank = createQuestionBankService(ctx(), { audit: waiting });
    const input = questionInput({ ref: "IDENT-AUTHOR-TWICE" });
    const results = await Promise.allSettled([
      bank.createQuestion(author, input),
      bank.createQuestion(author, { ...input, stem: "另一位出题人的题干" }),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).to.include({ code: "ref_taken", status: 409 });
    expect(await Questions().distinct("questionId", { ref: "IDENT-AUTHOR-TWICE" })).to.have.length(1);
  });
});
