import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { startStandin } from "./standin.js";

/**
 * `npm run db:standin -- --port 27999 [--data-dir ./data/standin] [--log-stalls]`: runs the
 * stand-in in the foreground and prints its connection URI on one line (logs go to stderr).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "27017" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    /** Logs every second in which the event loop was held 100 ms or more (a slow command, GC…). */
    "log-stalls": { type: "boolean", default: false },
  },
});
const logger = pino({ level: "info" }, pino.destination(2));
const standin = await startStandin({
  port: Number(values.port),
  host: values.host,
  dataDir: values["data-dir"],
  logger,
});
process.stdout.write(`${standin.uri}\n`);
if (values["log-stalls"]) {
  // Every client waits while the single thread is held; a stall between commands (a garbage
  // collection) appears in no command's time, hence the loop's own delay.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const ms = Math.round(delay.max / 1e6);
    if (ms >= 100) logger.warn({ ms }, "mongo-standin: event loop stalled");
    delay.reset();
  }, 1000).unref();
}
const shutdown = (): void => {
  void standin.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
