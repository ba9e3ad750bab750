/**
 * `npm run bench:report -- --rows N [--provinces 4] [--line-file FILE]`
 *
 * How long the hub takes to compute a month's report and the live dashboard when the intake ledger
 * holds N rows of the current month (all within the last 24 hours, the dashboard's worst case).
 * Rows are written straight into `hub_intake` (the ledger's shape; ingest speed is bench:hub's
 * business). Runs on the embedded database (the stand-in here). Prints one JSON line and appends it
 * to BENCHMARKS.md (to `--line-file` instead when given) with the load average, since the machine
 * is shared.
 */
import { cpus, loadavg } from "node:os";
import { z } from "zod";
import { startEmbeddedDatabase } from "@roadcert/mongo-standin";
import { createDashboardService, createRegistryService, createReportService } from "../server/hub/index.js";
import { connectMongo } from "../server/lib/mongo.js";
import { createMessageLog, generateNodeKey } from "../server/sharing/index.js";
import { appendLine, benchCommandLine, count } from "./bench/bench-args.js";

const PROVINCE_CODES = ["320000", "110000", "330000", "440000", "510000", "310000"];
const { values, lineFile } = benchCommandLine(
  "bench:report",
  { rows: { type: "string", default: "100000" }, provinces: { type: "string", default: "4" } },
  // As many provinces as the bench has codes for (a larger count was cut to 6 without a word).
  z.object({ rows: count(1), provinces: count(1, PROVINCE_CODES.length) }),
);
const N = values.rows;
const PROVINCES = PROVINCE_CODES.slice(0, values.provinces);
const progress = (msg: string) =>
  process.stderr.write(`[bench:report ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

const db = await startEmbeddedDatabase();
const conn = await connectMongo(db.uri, { dbName: `bench_report_${Date.now()}` });
try {
  const registry = createRegistryService(conn);
  for (const code of PROVINCES)
    await registry.register({
      provinceCode: code,
      name: code,
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
  progress(`writing ${N} ledger rows (${db.kind})`);
  const now = Date.now();
  const intake = conn.collection("hub_intake");
  for (let start = 0; start < N; start += 5000) {
    const rows = [];
    for (let i = start; i < Math.min(N, start + 5000); i++) {
      const at = new Date(now - (i % 86_000) * 1000);
      const rejected = i % 20 === 0;
      rows.push({
        at,
        sourceProvince: PROVINCES[i % PROVINCES.length],
        batchId: `b${Math.floor(i / 500)}`,
        index: i % 500,
        recordId: `r${i}`,
        version: 1,
        recordType: i % 3 === 0 ? "certificate" : "exam_pass",
        outcome: rejected ? "rejected" : "accepted",
        reasonCodes: rejected ? ["unknown_division"] : [],
        sourceAt: new Date(at.getTime() - (i % 7200) * 1000),
        elements: rejected ? {} : { division_below_province: i % 2 === 0, exam_chain_hash: true },
      });
    }
    await intake.insertMany(rows);
  }
  const reports = createReportService(conn, { registry, timeZone: "Asia/Shanghai", latencyTargetHours: 24 });
  const dashboard = createDashboardService(conn, {
    registry,
    log: createMessageLog(conn),
    timeZone: "Asia/Shanghai",
  });
  const month = new Date(now + 8 * 3600_000).toISOString().slice(0, 7);
  const time = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    return Math.round(performance.now() - t);
  };
  // The month may be the one that just began in Beijing while rows reach back 24 hours: count what landed in it.
  const report = await reports.monthReport(month);
  const counted = report.provinces.reduce((n, p) => n + p.published, 0);
  const reportMs = [
    await time(() => reports.monthReport(month)),
    await time(() => reports.monthReport(month)),
  ].sort((a, b) => a - b)[0];
  const dashboardMs = [await time(() => dashboard.snapshot()), await time(() => dashboard.snapshot())].sort(
    (a, b) => a - b,
  )[0];
  const line = {
    bench: "report",
    rows: N,
    rowsInMonth: counted,
    provinces: PROVINCES.length,
    db: db.kind,
    reportMs,
    dashboardMs,
    rssMB: Math.round(process.memoryUsage().rss / 1048576),
    loadAvg1m: Math.round(loadavg()[0]! * 10) / 10,
    cpus: cpus().length,
    at: new Date().toISOString(),
  };
  console.log(JSON.stringify(line));
  await appendLine(lineFile, line);
} finally {
  await conn.close();
  await db.stop();
}
