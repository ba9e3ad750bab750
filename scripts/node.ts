/**
 * Starts ONE node (hub or province, from the environment: see server/config.ts) on its database:
 * `MONGODB_URI` when set, else the embedded default kept under `<DATA_DIR>/<nodeName>/`.
 *
 *   ROLE=province PROVINCE_CODE=320000 PORT=3001 npx tsx scripts/node.ts
 *
 * Flags: `--seed-demo` runs the demo seed hooks (scripts/demo-seeds.ts) before the node starts;
 * `--db-name <name>` picks the database on a shared MongoDB (the demo network gives each node its own).
 * An unknown flag or a bad name stops it before it starts (exit 1, saying which), and so does
 * NODE_ENV=production: production runs `server/main.ts` on a real MongoDB, never this entry.
 * When started by the demo network (an IPC channel exists) it reports `ready` with the seed outcomes
 * and stops when the parent goes away, so no orphan keeps a port or the data folder.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { databaseNameProblem, resolveDatabase } from "@roadcert/mongo-standin";
import { loadConfig, type Config } from "../server/config.js";
import { createEventBus } from "../server/lib/event-bus.js";
import { createLogger, type Logger } from "../server/lib/logger.js";
import { connectMongo, redactUri } from "../server/lib/mongo.js";
import { logUnhandledRejections, startNode, stopOnSignals } from "../server/main.js";
import { runDemoSeeds, type DemoSeedOutcome } from "./demo-seeds.js";

/** What `scripts/node.ts` tells a parent process over IPC. */
export type NodeMessage =
  | {
      type: "ready";
      nodeName: string;
      url: string;
      database: { kind: string; reason: string };
      seeds: DemoSeedOutcome[];
    }
  | { type: "failed"; nodeName: string; error: string };

/**
 * The flags, read strictly before anything starts: they were found by position, so a misspelt
 * `--db-nam roadcert_js` left the node on the default database of a shared MongoDB, and
 * `--db-name=x` was not read at all.
 */
function readFlags(): { dbName?: string; seedDemo: boolean } {
  const { values } = parseArgs({
    options: { "db-name": { type: "string" }, "seed-demo": { type: "boolean", default: false } },
  });
  const dbName = values["db-name"];
  // Checked before the embedded database or any seed starts, by the rule the database applies.
  const problem = dbName === undefined ? null : databaseNameProblem(dbName);
  if (problem)
    throw new Error(`--db-name ${JSON.stringify(dbName)}: not a MongoDB database name (${problem})`);
  return { dbName, seedDemo: values["seed-demo"] };
}

async function main(): Promise<void> {
  const flags = readFlags();
  const config = loadConfig();
  // This entry falls back to the embedded stand-in database and seeds demo accounts with known
  // passwords: a production node started here ran on a database that is no database, and
  // `--seed-demo` gave it logins anyone can read in the repository. Production has its own entry.
  if (config.env === "production")
    throw new Error(
      "scripts/node.ts is the demo and development entry and refuses NODE_ENV=production (it would use the " +
        "embedded stand-in database when MONGODB_URI is unset, and --seed-demo would create demo accounts); " +
        "run production with `node dist/server/main.js` (the Docker image) and a real MONGODB_URI",
    );
  const logger = createLogger({ level: config.log.level, name: config.nodeName });
  const db = await resolveDatabase(config.mongo.uri, {
    dataDir: path.join(config.mongo.dataDir, config.nodeName),
  });
  // The one line that says which database this node uses and why.
  logger.info({ database: db.kind, uri: redactUri(db.uri) }, `database: ${db.kind} (${db.reason})`);
  // As in production: a promise nobody awaited is logged, not the end of the demo node.
  logUnhandledRejections(logger);

  // The embedded database serves only this node; on a shared server each node names its own.
  const dbName = flags.dbName ?? (db.kind === "external" ? undefined : "roadcert");
  let node;
  let seeds: DemoSeedOutcome[] = [];
  try {
    // Before the node starts its background work: the demo's past sessions run on a clock set back
    // to their day, and a live deadline sweeper would close their attempts under them.
    if (flags.seedDemo) seeds = await seedBeforeStart(config, db.uri, dbName, logger);
    node = await startNode(config, { mongoUri: db.uri, dbName, logger });
  } catch (err) {
    await db.stop();
    throw err;
  }
  const running = node;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        await running.stop();
      } finally {
        // After the node: its connection is closed, so the database can flush and stop cleanly.
        await db.stop();
      }
    })());
  stopOnSignals(stop, logger);

  if (process.send) {
    const ready: NodeMessage = {
      type: "ready",
      nodeName: config.nodeName,
      url: running.url,
      database: { kind: db.kind, reason: db.reason },
      seeds,
    };
    process.send(ready);
    // The parent died without stopping us (e.g. killed): stop rather than linger as an orphan.
    process.once("disconnect", () => {
      logger.warn("parent process went away; stopping");
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

/** Runs the demo seed hooks on a connection of their own, closed before the node starts. */
async function seedBeforeStart(
  config: Config,
  mongoUri: string,
  dbName: string | undefined,
  logger: Logger,
): Promise<DemoSeedOutcome[]> {
  const conn = await connectMongo(mongoUri, { dbName });
  try {
    return await runDemoSeeds({ config, logger, conn, events: createEventBus(logger) });
  } finally {
    await conn.close();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`node failed to start: ${message}`);
  if (process.send) {
    const failed: NodeMessage = { type: "failed", nodeName: "node", error: message };
    process.send(failed, () => process.exit(1));
  } else {
    process.exit(1);
  }
});
