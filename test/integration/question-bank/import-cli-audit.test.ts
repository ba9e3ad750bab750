import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import { useTestDatabase } from "../../helpers/database.js";

const run = promisify(execFile);

/** `npm run bank:import` writes straight into a node's database: its audit log must show it. */
describe("bank:import's audit trail", function () {
  this.timeout(60_000);
  const db = useTestDatabase("qbcliaudit");

  it("when the CLI imports published questions and a blueprint, then each write has its question_bank.imported entry and the chain verifies", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "rc-import-audit-"));
    const rows = Array.from(
      { length: 3 },
      (_, i) =>
        `CLIA-${i},single,审计第 ${i} 题：出车前应检查什么,轮胎,座椅颜色,车身广告,音响,A,安全行车,01001`,
    );
    await writeFile(
      path.join(dir, "audited.csv"),
      ["ref,type,stem,A,B,C,D,answer,chapter,categories", ...rows].join("\n"),
    );
    const blueprint = {
      format: "roadcert-blueprint/1",
      blueprint: {
        categoryCode: "01001",
        title: "审计方案",
        minutes: 60,
        passMark: 1,
        points: { true_false: 1, single: 1, multiple: 2 },
        cells: [{ type: "single", chapter: "安全行车", count: 3 }],
      },
    };
    await writeFile(path.join(dir, "bp.json"), JSON.stringify(blueprint));
    const args = [
      "scripts/bank-import.ts",
      path.join(dir, "audited.csv"),
      path.join(dir, "bp.json"),
      `--uri=${db.uri}`,
      `--db=${db.dbName}`,
    ];
    const result = await run("node_modules/.bin/tsx", args, {
      env: { ...process.env, NODE_ENV: "test" },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect("code" in result ? result.code : 0, result.stderr).to.equal(0);
    const entries = await db.conn
      .collection("audit_log")
      .find({ action: "question_bank.imported" })
      .sort({ seq: 1 })
      .toArray();
    expect(entries.map((e) => [e.target?.id, e.actor?.kind])).to.deep.equal([
      ["audited.csv", "system"],
      ["bp.json", "system"],
    ]);
    expect(entries[0]?.details).to.deep.include({ publish: true, created: 3, updated: 0 });
    expect(await createAuditService(db.conn).verify()).to.deep.include({ ok: true });
  });
});
