/**
 * `npm run dev`: one province node on the embedded database plus the Vite dev server proxying
 * `/api`, `/healthz` and `/socket.io` to it. The node runs under `tsx watch` in a child process, so
 * a server change restarts only the node (the database and Vite stay up); client changes reload
 * through Vite's HMR.
 *
 * Defaults: ROLE=province, PROVINCE_CODE=320000, PORT=3000; override with the usual keys
 * (README, server/config.ts). `MONGODB_URI` set → that database instead of the embedded one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readCommandLineOrExit } from "./command-line.js";
import { resolveDatabase } from "@roadcert/mongo-standin";
import { loadConfig } from "../server/config.js";
import { startNode, stopOnSignals } from "../server/main.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Dev defaults layered under the real environment. */
function devEnv(): NodeJS.ProcessEnv {
  return { ROLE: "province", PROVINCE_CODE: "320000", NODE_ENV: "development", ...process.env };
}

/** Child mode (`dev.ts --node`): the node itself, restarted by tsx watch on server changes. */
async function runNode(): Promise<void> {
  const config = loadConfig(devEnv());
  if (!config.mongo.uri) throw new Error("dev node expects MONGODB_URI from the parent process");
  const node = await startNode(config, { mongoUri: config.mongo.uri });
  stopOnSignals(node.stop, node.ctx.logger);
}

async function runDev(): Promise<void> {
  const env = devEnv();
  const config = loadConfig(env);
  const db = await resolveDatabase(config.mongo.uri, {
    dataDir: path.join(config.mongo.dataDir, `dev-${config.nodeName}`),
  });
  console.log(`[dev] database: ${db.kind} — ${db.reason}`);

  const api = `http://127.0.0.1:${config.http.port}`;
  const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      tsx,
      "watch",
      "--clear-screen=false",
      "--exclude",
      "client/**",
      path.join(root, "scripts/dev.ts"),
      "--node",
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...env, MONGODB_URI: db.uri, HOST: "127.0.0.1" },
    },
  );

  process.env.ROADCERT_API = api;
  const { createServer } = await import("vite");
  const vite = await createServer({ configFile: path.join(root, "client/vite.config.ts") });
  await vite.listen();
  const local = vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/";
  console.log(`[dev] open ${local}  (node ${config.nodeName} at ${api})`);

  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    child.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    await vite.close();
    await db.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

/**
 * Read strictly: `--node` is the child mode this script starts itself with; any other option (or a
 * misspelling) is refused rather than ignored, as every other command of the project does.
 */
const { values } = readCommandLineOrExit("用法：npm run dev", () =>
  parseArgs({ options: { node: { type: "boolean", default: false } } }),
);

if (values.node) await runNode();
else await runDev();
