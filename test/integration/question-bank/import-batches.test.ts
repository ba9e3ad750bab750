import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { QuestionInput } from "../../../server/contracts/question-bank.js";
import {
  createQuestionBankService,
  importQuestionBankFiles,
  toGift,
  type QuestionBankService,
} from "../../../server/question-bank/index.js";
import { toCsv } from "../../../server/question-bank/csv.parser.js";
import { importWork } from "../../../server/question-bank/import-writer.js";
import { createAuditService } from "../../../server/audit/index.js";
import { connectMongo } from "../../../server/lib/mongo.js";
import { commandsDuring } from "../../helpers/commands.js";
import { testDatabase, uniqueDbName, useTestDatabase } from "../../helpers/database.js";
import { bankContext } from "./bank-context.js";

const run = promisify(execFile);
const fixture = (name: string) => new URL(`../../fixtures/question-bank/issue15/${name}`, import.meta.url);

function questions(prefix: string, n: number): QuestionInput[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: `${prefix}-${i}`,
    type: "true_false" as const,
    stem: `${prefix} 第 ${i} 题：驾驶员出车前应检查灯光。`,
    options: [],
    answer: ["T" as const],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001" as const],
    difficulty: 3,
    tags: [],
    source: "",
  }));
}

describe("question import at scale (issue 15): batches, re-runs and per-file refusals", () => {
  const db = useTestDatabase("qbbatch");
  let bank: QuestionBankService;
  before(() => {
    bank = createQuestionBankService(bankContext(db.conn));
  });
  const countRefs = (prefix: string) =>
    bank.models.Questions.countDocuments({ ref: { $regex: `^${prefix}-` } });

  it("when a question is imported, then it is stored with the same fields, defaults and timestamps as one created through the model", async () => {
    const [input] = questions("SHAPE", 1);
    await importQuestionBankFiles(
      bankContext(db.conn),
      [{ name: "shape.csv", content: toCsv([input!]) }],
      {},
    );
    const imported = await bank.models.Questions.findOne({ ref: "SHAPE-0" }).lean();
    const created = (
      await bank.models.Questions.create({
        ...input!,
        ref: "SHAPE-model",
        questionId: "q-shape-model",
        version: 1,
        status: "draft",
        authorId: "a",
        authorName: "a",
        history: [],
      })
    ).toObject();
    expect(Object.keys(imported ?? {}).sort()).to.deep.equal(Object.keys(created).sort());
    expect(imported).to.deep.include({ __v: 0, quarantined: false, status: "draft", version: 1 });
    expect(imported?.createdAt).to.be.instanceOf(Date);
    expect(imported?.updatedAt).to.be.instanceOf(Date);
  });

  it("when 1,200 questions are imported with batches of 500, then three transactions write them and progress reaches the total", async () => {
    for (const k of Object.keys(importWork) as (keyof typeof importWork)[]) importWork[k] = 0;
    const seen: number[] = [];
    const [report] = await importQuestionBankFiles(
      bankContext(db.conn),
      [{ name: "big.csv", content: toCsv(questions("BATCH", 1200)) }],
      { batchSize: 500, onProgress: (p) => p.phase === "writing" && seen.push(p.done) },
    );
    expect(report?.counts.created).to.equal(1200);
    // Each ref looked up once and each question written once, not the batches before again.
    expect(importWork).to.deep.equal({ transactions: 3, lookups: 3, refsLookedUp: 1200, written: 1200 });
    expect(seen).to.deep.equal([500, 1000, 1200]);
    expect(await countRefs("BATCH")).to.equal(1200);
  });

  it("when 1,000 questions are imported in two batches and then again, then a batch costs one read, its content and ref claims, one insert, its audit entry (head and entry) and a commit, and the re-run one read per batch", async () => {
    const conn = await connectMongo((await testDatabase()).uri, {
      dbName: uniqueDbName("qbcmds"),
      monitorCommands: true,
    });
    try {
      const audit = createAuditService(conn);
      const file = { name: "count.csv", content: toCsv(questions("COUNT", 1000)) };
      const importOnce = () => importQuestionBankFiles(bankContext(conn), [file], { audit, batchSize: 500 });
      // First use creates the collections, indexes and the audit head: not the import's own work.
      await importQuestionBankFiles(
        bankContext(conn),
        [{ name: "warm.csv", content: toCsv(questions("WARM", 1)) }],
        { audit },
      );
      const batch = [
        "find question_versions",
        // The batch claims its new questions' content per category (two imports cannot both add
        // one question under two refs); none was claimed before, so no second read is needed.
        "update question_content_claims",
        // The batch claims its new refs (two imports of one file cannot both create them).
        "update question_refs",
        "insert question_versions",
        "update audit_head",
        "insert audit_log",
        "commitTransaction",
      ];
      expect(await commandsDuring(conn, importOnce)).to.deep.equal([...batch, ...batch]);
      expect(await commandsDuring(conn, importOnce)).to.deep.equal([
        "find question_versions",
        "find question_versions",
      ]);
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });

  it("when an import stops after its first batch, then a re-run completes it without duplicates", async () => {
    const file = { name: "half.csv", content: toCsv(questions("HALF", 900)) };
    const [broken] = await importQuestionBankFiles(bankContext(db.conn), [file], {
      batchSize: 400,
      onProgress: (p) => {
        if (p.phase === "writing") throw new Error("connection lost");
      },
    });
    // The first batch committed: the report says so, and why the rest was not written.
    expect(broken?.rejected).to.equal(false);
    expect(broken?.counts).to.deep.include({ created: 400, invalid: 500 });
    expect(broken?.items[400]?.notes.join()).to.contain("重新导入");
    expect(await countRefs("HALF")).to.equal(400);
    const [again] = await importQuestionBankFiles(bankContext(db.conn), [file], { batchSize: 400 });
    expect(again?.counts).to.deep.include({ created: 500, unchanged: 400 });
    expect(await countRefs("HALF")).to.equal(900);
  });

  it("when a file repeats a name, then nothing of it is written and a re-import changes nothing either", async () => {
    const content = await readFile(fixture("gift-duplicate-names.gift"));
    const opts = { defaults: { categories: ["01001" as const], chapter: "安全行车" } };
    const [first] = await importQuestionBankFiles(
      bankContext(db.conn),
      [{ name: "dup.gift", content }],
      opts,
    );
    expect(first?.rejected).to.equal(true);
    expect(await bank.models.Questions.countDocuments({ ref: "同名题" })).to.equal(0);
    const [partial] = await importQuestionBankFiles(bankContext(db.conn), [{ name: "dup.gift", content }], {
      ...opts,
      partial: true,
    });
    expect(partial?.counts).to.deep.include({ created: 1, invalid: 2 });
    const [again] = await importQuestionBankFiles(bankContext(db.conn), [{ name: "dup.gift", content }], {
      ...opts,
      partial: true,
    });
    expect(again?.counts).to.deep.include({ created: 0, updated: 0, unchanged: 1, invalid: 2 });
    const stored = await bank.models.Questions.find({ ref: "同名题" }).lean();
    expect(stored.map((q) => q.stem)).to.deep.equal(["从业资格证有效期为 6 年。"]);
  });

  it("when one file is hostile and the others are fine, then each gets its own report and the good ones import", async () => {
    const reports = await importQuestionBankFiles(
      bankContext(db.conn),
      [
        { name: "evil.xml", content: await readFile(fixture("moodle-external-entity.xml")) },
        { name: "gbk.csv", content: await readFile(fixture("questions-gbk.csv")) },
        { name: "tf.gift", content: toGift(questions("MIX", 3)) },
      ],
      { defaults: { categories: ["01001"] } },
    );
    expect(reports.map((r) => [r.file, r.rejected])).to.deep.equal([
      ["evil.xml", true],
      ["gbk.csv", false],
      ["tf.gift", false],
    ]);
    expect(reports[0]?.items[0]?.notes[0]).to.contain("文档类型声明");
    expect(reports[1]?.items[0]?.notes.join()).to.contain("GB18030");
    expect(await bank.models.Questions.countDocuments({ ref: "GBK-1" })).to.equal(1);
  });

  it("when the CLI gets a missing file, a hostile file and a good one, then it reports all three without a stack trace", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "rc-import-"));
    await writeFile(path.join(dir, "good.gift"), toGift(questions("CLI", 2)));
    const args = [
      "scripts/bank-import.ts",
      path.join(dir, "missing.csv"),
      fixture("moodle-parameter-entity.xml").pathname,
      path.join(dir, "good.gift"),
      `--uri=${db.uri}`,
      `--db=${db.dbName}`,
      "--categories=01001",
    ];
    const result = await run("node_modules/.bin/tsx", args, {
      env: { ...process.env, NODE_ENV: "test" },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect("code" in result ? result.code : 0).to.equal(1);
    expect(result.stdout).to.contain("missing.csv（csv）").and.to.contain("文件不存在");
    expect(result.stdout).to.contain("moodle-parameter-entity.xml").and.to.contain("文档类型声明");
    expect(result.stdout).to.match(/good\.gift（gift）✓ 已导入：新增 2/);
    expect(result.stderr).to.contain("写入 2 / 2");
    expect(result.stderr).not.to.match(/\n\s+at /);
  });
  for (const [mistake, says] of [
    ["--dryrun", /参数有误：Unknown option '--dryrun'/],
    ["--difficulty=abc", /参数有误：--difficulty：/],
    ["--difficulty=0x3", /参数有误：--difficulty：/],
    ["--categories=99999", /参数有误：--categories：/],
  ] as const)
    it(`when the CLI is given ${mistake}, then it refuses with exit 2 and the usage, and nothing is imported`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "rc-import-"));
      await writeFile(path.join(dir, "good.gift"), toGift(questions("CLIBAD", 2)));
      const args = [
        "scripts/bank-import.ts",
        path.join(dir, "good.gift"),
        `--uri=${db.uri}`,
        `--db=${db.dbName}`,
      ];
      const result = await run("node_modules/.bin/tsx", [...args, "--categories=01001", mistake], {
        env: { ...process.env, NODE_ENV: "test" },
      }).catch((err: { code: number; stdout: string; stderr: string }) => err);
      expect("code" in result ? result.code : 0).to.equal(2);
      expect(result.stderr).to.match(says).and.to.contain("用法：npm run bank:import");
      expect(result.stderr).not.to.match(/\n\s+at /);
      expect(await countRefs("CLIBAD")).to.equal(0);
    });
});
