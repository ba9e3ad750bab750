import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ImportReport } from "../../../server/contracts/question-import.js";
import {
  createQuestionBankService,
  importQuestionBankFiles,
  importStop,
} from "../../../server/question-bank/index.js";
import { questionVersionModel } from "../../../server/question-bank/question.model.js";
import { useTestDatabase } from "../../helpers/database.js";
import { author, bankContext, questionInput } from "./bank-context.js";

function csvWithRefs(rows: { ref: string; stem: string; answer: string }[]): string {
  const lines = ["ref,type,stem,A,B,C,D,answer,chapter,categories"];
  for (const r of rows) lines.push(`${r.ref},single,${r.stem},甲,乙,丙,丁,${r.answer},安全行车,01001`);
  return lines.join("\n");
}

/**
 * An import whose second batch is refused after the first committed: the report keeps what the
 * first batch wrote and says where the import stopped, instead of "nothing imported".
 */
describe("question import stopped partway: the report says what was written and where it stopped", () => {
  const db = useTestDatabase("qbstop");
  const ctx = () => bankContext(db.conn);
  const Questions = () => questionVersionModel(db.conn);

  /** A published question renamed since (version 2 carries another ref): importing its old ref is refused. */
  async function renamedQuestion(ref: string): Promise<void> {
    await importQuestionBankFiles(
      ctx(),
      [
        {
          name: "old.csv",
          content: csvWithRefs([{ ref, stem: `${ref} 原稿：雾天行车应开雾灯`, answer: "A" }]),
        },
      ],
      { publish: true },
    );
    const stored = await Questions().findOne({ ref }).lean();
    await createQuestionBankService(ctx()).updateQuestion(
      author,
      String(stored?.questionId),
      questionInput({ ref: `${ref}-NEW`, stem: `${ref} 原稿：雾天行车应开雾灯` }),
    );
  }

  /** 600 rows; row 511 (the second batch of 500) is the renamed question's old ref. */
  function file(prefix: string, renamed: string): string {
    const rows = Array.from({ length: 600 }, (_, i) => ({
      ref: i === 510 ? renamed : `${prefix}-${i}`,
      stem: `${prefix} 第 ${i} 题：出车前应检查灯光（改稿）`,
      answer: "B",
    }));
    return csvWithRefs(rows);
  }

  it("when the second batch of a 600-row file is refused, then the report keeps the 500 written questions, names where it stopped and why, and the rest are not written", async () => {
    await renamedQuestion("STOP-OLD");
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "big.csv", content: file("STOP", "STOP-OLD") }],
      { publish: true, batchSize: 500 },
    );
    const checked = ImportReport.parse(report);
    expect(await Questions().countDocuments({ ref: { $regex: "^STOP-\\d+$" } })).to.equal(500);
    // Not "nothing imported": 500 created, and the report is no whole-file rejection.
    expect(checked.rejected).to.equal(false);
    expect(checked.counts.created).to.equal(500);
    expect(checked.items.slice(0, 500).every((i) => i.outcome === "created")).to.equal(true);
    // Nothing after the stop claims to be written.
    expect(checked.items.slice(500).some((i) => i.outcome === "created" || i.outcome === "updated")).to.equal(
      false,
    );
    expect(checked.items[510]?.code).to.equal("question_ref_renamed");
    const stop = importStop(checked);
    expect(stop).to.deep.include({ index: 500, written: 500 });
    expect(stop?.location).to.equal(checked.items[500]?.location);
    expect(stop?.reason).to.contain("STOP-OLD");
  });

  it("when the first batch is refused, then nothing is written and the report says so with the reason", async () => {
    await renamedQuestion("FIRST-OLD");
    const rows = Array.from({ length: 3 }, (_, i) => ({
      ref: i === 1 ? "FIRST-OLD" : `FIRST-${i}`,
      stem: `FIRST 第 ${i} 题：出车前应检查灯光（改稿）`,
      answer: "B",
    }));
    const [report] = await importQuestionBankFiles(
      ctx(),
      [{ name: "small.csv", content: csvWithRefs(rows) }],
      { publish: true },
    );
    const checked = ImportReport.parse(report);
    expect(checked.rejected).to.equal(true);
    expect(checked.counts.created).to.equal(0);
    expect(importStop(checked)).to.deep.include({ index: 0, written: 0 });
    expect(await Questions().countDocuments({ ref: { $regex: "^FIRST-\\d+$" } })).to.equal(0);
  });

  it("when the CLI's import stops at the second batch, then it says how many were written and where it stopped, and exits 1", async () => {
    await renamedQuestion("CLISTOP-OLD");
    const dir = await mkdtemp(path.join(tmpdir(), "rc-stop-"));
    await writeFile(path.join(dir, "big.csv"), file("CLISTOP", "CLISTOP-OLD"));
    const args = [
      "scripts/bank-import.ts",
      path.join(dir, "big.csv"),
      `--uri=${db.uri}`,
      `--db=${db.dbName}`,
    ];
    const result = await promisify(execFile)("node_modules/.bin/tsx", args, {
      env: { ...process.env, NODE_ENV: "test" },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect("code" in result ? result.code : 0).to.equal(1);
    expect(result.stdout).to.match(/big\.csv（csv）⚠ 部分导入：新增 500/);
    expect(result.stdout).to.match(/已写入 500 题，自 .+ 起未导入：本批未写入/);
    expect(result.stdout).to.not.contain("整个文件未导入");
  });
});
