import { expect } from "chai";
import { importQuestionBankFiles } from "../../../server/question-bank/index.js";
import { blueprintModel } from "../../../server/question-bank/blueprint.model.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { bankContext } from "./bank-context.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A 4×4 PNG (the sample bank's leak.png). */
const SMALL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==",
  "base64",
);

/** One Moodle multichoice whose stem shows `file` (named `filename`), carried in the question. */
function moodleQuestion(idnumber: string, stem: string, filename: string, file: Buffer): string {
  const answers = ["甲", "乙", "丙", "丁"]
    .map((t, i) => `<answer fraction="${i === 0 ? 100 : 0}"><text>${t}</text></answer>`)
    .join("");
  return `  <question type="multichoice">
    <name><text>${idnumber}</text></name>
    <idnumber>${idnumber}</idnumber>
    <questiontext format="html"><text><![CDATA[<p>${stem}</p><p><img src="@@PLUGINFILE@@/${filename}" /></p>]]></text>
      <file name="${filename}" path="/" encoding="base64">${file.toString("base64")}</file>
    </questiontext>
    <single>true</single>
    ${answers}
  </question>`;
}

/** A blueprint file asking `count` single-choice 安全行车 questions of 01001. */
function blueprintFile(count: number): string {
  return JSON.stringify({
    format: "roadcert-blueprint/1",
    blueprint: {
      categoryCode: "01001",
      title: "客运驾驶员从业资格考试（导入）",
      minutes: 60,
      passMark: 1,
      points: { true_false: 1, single: 1, multiple: 2 },
      cells: [{ type: "single", chapter: "安全行车", count }],
    },
  });
}

/** What an import refuses before it writes anything: the whole file, never the rest of it. */
describe("question import: refusals before anything is written", () => {
  const db = useTestDatabase("qbrefuse");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);
  const Blueprints = () => blueprintModel(db.conn);
  const defaults = { categories: ["01001" as const], chapter: "安全行车" };

  it("when a Moodle file holds an oversize image and one that is no PNG, then the dry run names both and the import writes no question of the file", async () => {
    const tag = Date.now().toString(36);
    const xml = [
      `<?xml version="1.0" encoding="UTF-8"?>\n<quiz>`,
      moodleQuestion(`IMG-OK-${tag}`, "图中标志表示前方急弯吗", "ok.png", SMALL_PNG),
      moodleQuestion(
        `IMG-BIG-${tag}`,
        "图中标志表示前方施工吗",
        "big.png",
        Buffer.concat([PNG_SIGNATURE, Buffer.alloc(600 * 1024)]),
      ),
      moodleQuestion(`IMG-FAKE-${tag}`, "图中标志表示禁止停车吗", "fake.png", Buffer.from("这不是图片")),
      `</quiz>\n`,
    ].join("\n");
    for (const dryRun of [true, false]) {
      const [report] = await importQuestionBankFiles(ctx(), [{ name: "images.xml", content: xml }], {
        publish: true,
        defaults,
        dryRun,
      });
      expect(report?.rejected, `dry run ${dryRun}`).to.equal(true);
      expect(report?.counts, `dry run ${dryRun}`).to.deep.include({ invalid: 2, created: 0 });
      const notes = (ref: string) => report?.items.find((i) => i.ref === ref)?.notes.join("") ?? "";
      expect(notes(`IMG-BIG-${tag}`))
        .to.contain("big.png")
        .and.to.contain("512 KB");
      expect(notes(`IMG-FAKE-${tag}`))
        .to.contain("fake.png")
        .and.to.contain("PNG、JPEG、GIF 或 WebP");
    }
    expect(await Questions().countDocuments({ ref: { $regex: `-${tag}$` } })).to.equal(0);
    expect(await db.conn.collection("question_images.files").countDocuments()).to.equal(0);
  });

  it("when a blueprint asking 50 single-choice 安全行车 questions is imported as published and the bank has 10, then it is refused for the shortfall (bank_insufficient, 题库不足) and nothing is written", async () => {
    const rows = Array.from(
      { length: 10 },
      (_, i) => `single,安全行车第 ${i + 1} 题：出车前应当检查什么,轮胎,座椅颜色,车身广告,音响,A,安全行车`,
    );
    const csv = ["type,stem,A,B,C,D,answer,chapter", ...rows].join("\n");
    await importQuestionBankFiles(ctx(), [{ name: "ten.csv", content: csv }], { publish: true, defaults });
    for (const dryRun of [true, false]) {
      const [report] = await importQuestionBankFiles(
        ctx(),
        [{ name: "bp-01001.json", content: blueprintFile(50) }],
        { publish: true, dryRun },
      );
      expect(report?.rejected, `dry run ${dryRun}`).to.equal(true);
      expect(report?.items[0]?.notes.join(""), `dry run ${dryRun}`)
        .to.contain("题库不足")
        .and.to.contain("安全行车/单选题 需 50 题，仅有 10 题");
    }
    expect(await Blueprints().countDocuments({ categoryCode: "01001" })).to.equal(0);
    // One the bank can fill is published.
    const [fits] = await importQuestionBankFiles(
      ctx(),
      [{ name: "bp-01001.json", content: blueprintFile(10) }],
      {
        publish: true,
      },
    );
    expect(fits?.blueprints).to.deep.equal([
      { categoryCode: "01001", outcome: "created", version: 1, status: "published" },
    ]);
  });
});
