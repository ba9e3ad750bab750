import { startExamNode } from "./exam-node.js";

/**
 * Entry for tests and the benchmark that need an exam node in its own process (restart after
 * SIGKILL, two instances behind Redis). Configured by environment; prints `READY <url>` once
 * listening. Tests may read the environment; the server's config module still reads only what
 * `startExamNode` passes it.
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
});
process.stdout.write(`READY ${node.url}\n`);
const shutdown = () => {
  void node.stop().then(() => process.exit(0));
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
