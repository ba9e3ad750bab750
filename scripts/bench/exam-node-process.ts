import { monitorEventLoopDelay } from "node:perf_hooks";
import { watchStalls } from "@roadcert/mongo-standin";
import { pino } from "pino";
import { startExamNode } from "./exam-node.js";

/**
 * Entry for tests and the benchmark that need an exam node in its own process (restart after
 * SIGKILL, two instances behind Redis). Configured by environment; prints `READY <url>` once
 * listening. Tests may read the environment; the server's config module still reads only what
 * `startExamNode` passes it.
 *
 * With EXAM_LOOP_REPORT_MS it also prints `LOOP <maxMs>` that often: the longest event-loop delay
 * of the interval, so the benchmark can tell a stalled node from a slow database or generator.
 * With EXAM_GC_LOG=FILE it appends its garbage collections and its stalled seconds (with its own
 * CPU, GC pauses and preemptions in each) to FILE, as the stand-in's `--gc-log` does.
 */
const env = process.env;
const node = await startExamNode({
  mongoUri: env.MONGODB_URI ?? "",
  dbName: env.EXAM_DB_NAME ?? "exam",
  port: Number(env.EXAM_PORT ?? 0),
  redisUrl: env.REDIS_URL,
  graceSeconds: Number(env.EXAM_GRACE_SECONDS ?? 1),
  sweepIntervalMs: Number(env.EXAM_SWEEP_MS ?? 1000),
  paper: env.EXAM_PAPER === "sample" ? "sample" : "tiny",
  tiny: { minutes: Number(env.EXAM_MINUTES ?? 60) },
  logLevel: env.EXAM_LOG_LEVEL ?? "warn",
  env: Object.fromEntries(
    ["EXAM_SAVE_GROUP_MS", "EXAM_SAVE_GROUPS_IN_FLIGHT"].flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
  ),
});
process.stdout.write(`READY ${node.url}\n`);
if (env.EXAM_GC_LOG)
  watchStalls({ logger: pino({ level: "silent" }), stalls: true, gcLogFile: env.EXAM_GC_LOG });
const loopReportMs = Number(env.EXAM_LOOP_REPORT_MS ?? 0);
if (loopReportMs > 0) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    process.stdout.write(`LOOP ${Math.round(delay.max / 1e6)}\n`);
    delay.reset();
  }, loopReportMs).unref();
}
const shutdown = () => {
  void node.stop().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
