import { parseArgs } from "node:util";
import { pino } from "pino";
import { startStandin } from "./standin.js";

/**
 * `npm run db:standin -- --port 27999 [--data-dir ./data/standin]`: runs the stand-in in the
 * foreground and prints its connection URI on one line (logs go to stderr).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "27017" },
    host: { type: "string" },
    "data-dir": { type: "string" },
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
const shutdown = (): void => {
  void standin.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
