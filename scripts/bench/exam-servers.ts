/**
 * The processes `bench:exam` measures: the database (MONGODB_URI, else the stand-in in its own
 * process) and the exam node in its own process, started with the run's flags. Kept apart from
 * the run itself (scripts/bench-exam.ts), which only drives and measures them.
 */
import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import type { ChildSet } from "../child-set.js";
import type { ExamBenchOptions } from "./exam-options.js";
import { spawnReady, watchSlowCommands } from "./processes.js";

/** The database and the exam node, running. */
export interface ExamServers {
  mongoUri: string;
  /** "standin" when the stand-in runs here, else "mongodb". */
  dbKind: string;
  /** The stand-in's process, when it runs here (a real MongoDB elsewhere has no pid to read). */
  dbPid: number | undefined;
  /** The database the node uses, a fresh one per run. */
  dbName: string;
  node: { child: ChildProcess; match: string };
}

/** Node flags for a child: with --profile a CPU profile in a folder of its own (tsx's loader thread writes one too). */
const profiled = (values: ExamBenchOptions, name: string): string[] =>
  values.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.join(values.profile, name)}`] : [];

/**
 * Starts the database (unless MONGODB_URI names one) and the exam node, both tracked by `children`
 * (they stop with the benchmark); resolves once the node is ready. `node.match` is its URL.
 */
export async function startExamServers(
  children: ChildSet,
  values: ExamBenchOptions,
  progress: (msg: string) => void,
): Promise<ExamServers> {
  // Database: MONGODB_URI or the stand-in in its own process.
  let mongoUri = process.env.MONGODB_URI ?? "";
  let dbKind = "mongodb";
  let dbPid: number | undefined;
  if (!mongoUri) {
    const db = await spawnReady(
      children,
      [
        "packages/mongo-standin/src/cli.ts",
        "--port",
        "0",
        "--log-stalls",
        ...(values["gc-log"] ? ["--gc-log", values["gc-log"]] : []),
      ],
      {},
      /(mongodb:\/\/\S+)/,
      [...values["db-flags"], ...profiled(values, "standin")],
    );
    dbPid = db.child.pid;
    mongoUri = db.match;
    watchSlowCommands(db.child, (line) => progress(`  database slow: ${line}`));
    dbKind = "standin";
  }
  const dbName = `bench_${Date.now()}`;
  const node = await spawnReady(
    children,
    ["scripts/bench/exam-node-process.ts"],
    {
      MONGODB_URI: mongoUri,
      EXAM_DB_NAME: dbName,
      EXAM_PAPER: "sample",
      EXAM_MINUTES: "60",
      EXAM_LOG_LEVEL: "error",
      EXAM_LOOP_REPORT_MS: "250",
      ...(values["save-group-ms"] ? { EXAM_SAVE_GROUP_MS: values["save-group-ms"] } : {}),
      ...(values["save-groups-in-flight"]
        ? { EXAM_SAVE_GROUPS_IN_FLIGHT: values["save-groups-in-flight"] }
        : {}),
      ...(values["node-gc-log"] ? { EXAM_GC_LOG: values["node-gc-log"] } : {}),
    },
    /READY (\S+)/,
    [...values["node-flags"], ...profiled(values, "exam-node")],
  );
  const nodeStdout = values["node-stdout"];
  if (nodeStdout) {
    // Each line prefixed with this process's clock (the clock of the progress lines), so the
    // node's output can be cut to a phase.
    const out = createWriteStream(nodeStdout, { flags: "a" });
    node.child.stdout?.on("data", (d: Buffer) => {
      const at = new Date().toISOString().slice(11, 23);
      out.write(d.toString().replace(/^(?=.)/gm, `${at} `));
    });
  }
  return { mongoUri, dbKind, dbPid, dbName, node };
}
