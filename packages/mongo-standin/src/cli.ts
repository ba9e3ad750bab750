import { parseArgs } from "node:util";
import { pino } from "pino";
import { DataFolderInUseError } from "./data-lock.js";
import { startStandin } from "./standin.js";
import { watchStalls } from "./stall-log.js";

/**
 * `npm run db:standin -- --port 27999 [--data-dir ./data/standin] [--log-stalls] [--gc-log FILE]`:
 * runs the stand-in in the foreground and prints its connection URI on one line (logs go to stderr).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "27017" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    /** Logs every second in which the event loop was held 100 ms or more (a slow command, GC…). */
    "log-stalls": { type: "boolean", default: false },
    /**
     * Appends one JSON line per garbage collection (wall time, kind, pause, heap after) to FILE: a
     * stall can then be laid beside the collections of the same moment. A file, not stdout, which
     * the benchmark that spawns this process keeps in memory.
     */
    "gc-log": { type: "string" },
  },
});
const logger = pino({ level: "info" }, pino.destination(2));
const standin = await startStandin({
  port: Number(values.port),
  host: values.host,
  dataDir: values["data-dir"],
  logger,
}).catch((err: unknown) => {
  // Another process serves this folder: its message names the folder and the pid; no stack trace.
  if (err instanceof DataFolderInUseError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
process.stdout.write(`${standin.uri}\n`);
if (values["log-stalls"] || values["gc-log"])
  watchStalls({ logger, stalls: values["log-stalls"], gcLogFile: values["gc-log"] });
const shutdown = (): void => {
  void standin.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
