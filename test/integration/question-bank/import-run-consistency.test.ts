import { expect } from "chai";
import { ImportReport } from "../../../server/contracts/question-import.js";
import { importQuestionBankFiles, type ImportFile } from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { blueprintModel } from "../../../server/question-bank/blueprint.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { bankContext, blueprintInput } from "./bank-context.js";

const HEADER = "ref,type,stem,A,B,C,D,answer,chapter,categories";

function csv(rows: { ref: string; stem: string; answer: string; chapter?: string }[]): string {
  return [
    HEADER,
    ...rows.map((r) => `${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},${r.chapter ?? "安全行车"},01001`),
  ].join("\n");
}

const outcomes = (reports: ImportReport[]) => reports.map((r) => r.items.map((i) => i.outcome));

/** A dry run says what the real run of the same request does: one request's files see each other. */
describe("question import: two files of one request with the same ref", () => {
  const db = useTestDatabase("qbrunref");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  for (const publish of [true, false]) {
    it(`when a later file repeats a ref with the same question (publish ${publish}), then the dry run reports it unchanged as the import does`, async () => {
      const ref = `SAME-${String(publish)}`;
      const files: ImportFile[] = [
        { name: "a.csv", content: csv([{ ref, stem: `${ref} 夜间会车应如何用灯？`, answer: "A" }]) },
        { name: "b.csv", content: csv([{ ref, stem: `${ref} 夜间会车应如何用灯？`, answer: "A" }]) },
      ];
      const dry = await importQuestionBankFiles(ctx(), files, { publish, dryRun: true });
      const real = await importQuestionBankFiles(ctx(), files, { publish });
      expect(outcomes(real)).to.deep.equal([["created"], ["unchanged"]]);
      expect(outcomes(dry)).to.deep.equal(outcomes(real));
    });

    it(`when a later file changes the stem under the same ref (publish ${publish}), then the dry run reports it updated as the import does`, async () => {
      const ref = `EDIT-${String(publish)}`;
      const files: ImportFile[] = [
        { name: "a.csv", content: csv([{ ref, stem: `${ref} 雾天行车应开哪种灯？`, answer: "B" }]) },
        { name: "b.csv", content: csv([{ ref, stem: `${ref} 雾天行车应当开启哪种灯？`, answer: "B" }]) },
      ];
      const dry = await importQuestionBankFiles(ctx(), files, { publish, dryRun: true });
      const real = await importQuestionBankFiles(ctx(), files, { publish });
      expect(outcomes(real)).to.deep.equal([["created"], ["updated"]]);
      expect(outcomes(dry)).to.deep.equal(outcomes(real));
    });
  }

  it("when a later file repeats a question with the same image, then the dry run reports it unchanged as the import does", async () => {
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==",
      "base64",
    );
    const answers = ["甲", "乙", "丙", "丁"]
      .map((t, i) => `<answer fraction="${i === 0 ? 100 : 0}"><text>${t}</text></answer>`)
      .join("");
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>
  <question type="multichoice">
    <name><text>IMG-1</text></name>
    <idnumber>IMG-1</idnumber>
    <questiontext format="html"><text><![CDATA[<p>图中标志表示前方急弯吗</p><p><img src="@@PLUGINFILE@@/s.png" /></p>]]></text>
      <file name="s.png" path="/" encoding="base64">${png.toString("base64")}</file>
    </questiontext>
    <single>true</single>
    ${answers}
  </question>
</quiz>\n`;
    const files: ImportFile[] = [
      { name: "a.xml", content: xml },
      { name: "b.xml", content: xml },
    ];
    const defaults = { categories: ["01001" as const], chapter: "标志" };
    const dry = await importQuestionBankFiles(ctx(), files, { publish: true, defaults, dryRun: true });
    const real = await importQuestionBankFiles(ctx(), files, { publish: true, defaults });
    expect(outcomes(real)).to.deep.equal([["created"], ["unchanged"]]);
    expect(outcomes(dry)).to.deep.equal(outcomes(real));
  });

  it("when a later file gives a ref of an earlier one another answer, then both runs refuse it naming the earlier file, and the earlier answer stays", async () => {
    const files: ImportFile[] = [
      { name: "a.csv", content: csv([{ ref: "KEY-1", stem: "超车时应从哪一侧超越？", answer: "A" }]) },
      {
        name: "b.csv",
        content: csv([
          { ref: "KEY-OK", stem: "隧道内能否超车？", answer: "C" },
          { ref: "KEY-1", stem: "超车时应从哪一侧超越？", answer: "B" },
        ]),
      },
    ];
    const dry = await importQuestionBankFiles(ctx(), files, { publish: true, dryRun: true });
    const real = await importQuestionBankFiles(ctx(), files, { publish: true, partial: true });
    expect(outcomes(real)).to.deep.equal([["created"], ["created", "invalid"]]);
    const refused = real[1]?.items[1];
    expect(refused?.code).to.equal("repeated_ref");
    expect(refused?.notes.join("")).to.contain("a.csv").and.contain("KEY-1");
    // All or nothing in the dry run, as the real run without `partial` would do.
    expect(outcomes(dry)).to.deep.equal([["created"], ["skipped", "invalid"]]);
    expect(dry[1]?.rejected).to.equal(true);
    const stored = await Questions().find({ ref: "KEY-1" }).lean();
    expect(stored.map((q) => q.answer)).to.deep.equal([["A"]]);
    for (const r of [...dry, ...real]) ImportReport.parse(r);
  });

  it("when two files of one request share a name and give a ref two answers, then the later is refused as from another file", async () => {
    const files: ImportFile[] = [
      { name: "题库.csv", content: csv([{ ref: "KEY-2", stem: "会车时应如何让行？", answer: "A" }]) },
      { name: "题库.csv", content: csv([{ ref: "KEY-2", stem: "会车时应如何让行？", answer: "D" }]) },
    ];
    const real = await importQuestionBankFiles(ctx(), files, { publish: true, partial: true });
    expect(outcomes(real)).to.deep.equal([["created"], ["invalid"]]);
    expect(real[1]?.items[0]?.code).to.equal("repeated_ref");
    const stored = await Questions().find({ ref: "KEY-2" }).lean();
    expect(stored.map((q) => q.answer)).to.deep.equal([["A"]]);
  });
});

describe("question import: a dry run's blueprints count the run's questions", () => {
  const db = useTestDatabase("qbrunbp");
  const ctx = () => bankContext(db.conn);

  it("when questions and a blueprint they fill are dry-run into an empty bank, then the dry run accepts the blueprint as the import does", async () => {
    const questions = Array.from({ length: 3 }, (_, i) => ({
      ref: `BP-${i}`,
      type: "single",
      stem: `第 ${i} 题：出车前应检查哪些项目？`,
      options: ["灯光", "轮胎", "制动", "全部"].map((text, k) => ({ key: "ABCD"[k], text })),
      answer: ["D"],
      chapter: "安全行车",
      categories: ["01001"],
    }));
    const files: ImportFile[] = [
      {
        name: "questions.json",
        content: JSON.stringify({ format: "roadcert-questions/1", title: "题库", questions }),
      },
      {
        name: "blueprints/01001.json",
        content: JSON.stringify({ format: "roadcert-blueprint/1", blueprint: blueprintInput(3) }),
      },
    ];
    const dry = await importQuestionBankFiles(ctx(), files, { publish: true, dryRun: true });
    expect(dry[1]?.rejected, JSON.stringify(dry[1]?.items)).to.equal(false);
    expect(dry[1]?.blueprints.map((b) => b.outcome)).to.deep.equal(["created"]);
    expect(await blueprintModel(db.conn).countDocuments()).to.equal(0);
    const real = await importQuestionBankFiles(ctx(), files, { publish: true });
    expect(real[1]?.rejected).to.equal(false);
    expect(real[1]?.blueprints).to.deep.equal(dry[1]?.blueprints);
  });

  it("when the run's questions are too few for the blueprint, then the dry run still refuses it bank_insufficient", async () => {
    const files: ImportFile[] = [
      {
        name: "few.csv",
        content: csv([{ ref: "FEW-1", stem: "夜间行车应注意什么？", answer: "A", chapter: "夜间" }]),
      },
      {
        name: "blueprints/02.json",
        content: JSON.stringify({
          format: "roadcert-blueprint/1",
          blueprint: blueprintInput(2, { cells: [{ type: "single", chapter: "夜间", count: 2 }] }),
        }),
      },
    ];
    const dry = await importQuestionBankFiles(ctx(), files, { publish: true, dryRun: true });
    expect(dry[1]?.items.map((i) => i.code)).to.deep.equal(["bank_insufficient"]);
  });
});

describe("question import: reading fails partway through the writing pass", () => {
  const db = useTestDatabase("qbrunread");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  it("when the file cannot be read after a batch committed, then the report keeps the written items and says why the rest were not written", async () => {
    // Over 64 KB: the second pass decodes the file a piece at a time, so it has not read the end
    // by the time its first batch commits.
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      ref: `RD-${i}`,
      stem: `第 ${i} 题：出车前应检查灯光、轮胎、制动、转向、喇叭、后视镜、雨刮器是否完好吗？`,
      answer: "A",
    }));
    const content = Buffer.from(csv(rows), "utf8");
    // The last row's first byte: made unreadable once the first batch is written, so only the
    // second pass meets it (as a file changed on disk, or a fault of the reader, would).
    const last = content.lastIndexOf(Buffer.from("\nRD-1999")) + 1;
    const [report] = await importQuestionBankFiles(ctx(), [{ name: "rd.csv", content }], {
      publish: true,
      batchSize: 200,
      onProgress: (p) => {
        if (p.phase === "writing" && p.done > 0) content[last] = 0x01;
      },
    });
    const written = await Questions().countDocuments({ ref: /^RD-/ });
    expect(written).to.be.greaterThan(0);
    const checked = ImportReport.parse(report);
    expect(checked.rejected).to.equal(false);
    expect(checked.counts.created).to.equal(written);
    expect(checked.counts.created + checked.counts.invalid).to.equal(2000);
    const notWritten = checked.items.filter((i) => i.outcome === "invalid");
    expect(notWritten.length).to.equal(2000 - written);
    expect(new Set(notWritten.map((i) => i.code))).to.deep.equal(new Set(["import_failed"]));
    expect(notWritten[0]?.notes.join("")).to.contain("读取文件出错").and.contain("控制字符");
  });
});
