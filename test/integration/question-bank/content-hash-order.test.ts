import { createHash } from "node:crypto";
import { expect } from "chai";
import {
  backfillContentHashes,
  createQuestionBankService,
  importQuestionBankFiles,
} from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, questionInput } from "./bank-context.js";

const roadcert = (questions: Record<string, unknown>[]) =>
  JSON.stringify({ format: "roadcert-questions/1", title: "测试", questions });

/** The content hash as versions stored before options were compared as a set carry it (letters paired with texts). */
function oldStyleHash(q: { type: string; stem: string; options: { key: string; text: string }[] }): string {
  const reads = (t: string) => t.normalize("NFKC").replace(/\s+/g, " ").trim();
  const options = [...q.options]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((o) => [o.key, reads(o.text)]);
  return createHash("sha256")
    .update(JSON.stringify([q.type, reads(q.stem), options]), "utf8")
    .digest("hex")
    .slice(0, 32);
}

/** Papers shuffle options: the same question with its options in another order is the same question. */
describe("question bank: a copy with its options reordered is the same question", () => {
  const db = useTestDatabase("qbhashorder");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  let n = 0;

  /** A stored question and the same question with options D–A and the key letter moved to match. */
  async function storedAndReordered() {
    const stored = questionInput({ stem: `夜间会车应当如何使用灯光？（${Date.now().toString(36)}-${++n}）` });
    const [seed] = await importQuestionBankFiles(
      ctx(),
      [{ name: "seed.json", content: roadcert([stored]) }],
      {
        publish: true,
      },
    );
    expect(seed?.items[0]?.outcome).to.equal("created");
    const texts = (stored.options as { key: string; text: string }[]).map((o) => o.text).reverse();
    const reordered = questionInput({
      stem: stored.stem,
      options: ["A", "B", "C", "D"].map((key, i) => ({ key, text: texts[i] })),
      answer: ["C"], // "20 分钟", B before the reversal
    });
    return { stored, reordered };
  }

  it("when a question stored before the change (old-style hash) is backfilled, then an import of it with reordered options is refused question_exists", async () => {
    const { stored, reordered } = await storedAndReordered();
    const old = oldStyleHash(stored as never);
    await Questions().collection.updateMany({ ref: String(stored.ref) }, { $set: { contentHash: old } });
    expect(await backfillContentHashes(db.conn)).to.be.at.least(1);
    expect(
      (
        await Questions()
          .findOne({ ref: String(stored.ref) })
          .lean()
      )?.contentHash,
    ).to.not.equal(old);
    expect(await backfillContentHashes(db.conn)).to.equal(0);
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "copy.json", content: roadcert([reordered]) }],
      { publish: true },
    );
    expect(report?.items[0]).to.deep.include({ outcome: "skipped", code: "question_exists" });
    expect(await Questions().countDocuments({ ref: String(reordered.ref) })).to.equal(0);
  });

  it("when an examiner writes a stored question again with its options reordered, then it is refused question_exists", async () => {
    const { reordered } = await storedAndReordered();
    const bank = createQuestionBankService(ctx());
    const err = await bank.createQuestion(author, reordered).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.deep.include({ code: "question_exists" });
  });
});
