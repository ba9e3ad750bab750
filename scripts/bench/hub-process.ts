/**
 * The national hub as a benchmark's own process (scripts/node.ts with ROLE=hub), shared by
 * bench:hub and bench:exchange: started on a free port with its demo seed, rate limit lifted,
 * readiness reported over IPC.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildSet } from "../child-set.js";
import type { NodeMessage } from "../node.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type HubReady = Extract<NodeMessage, { type: "ready" }>;

/** Starts the hub; `mongo` puts it on a database the bench reaches itself, else it embeds its own. */
export function startBenchHub(options: {
  /** Tracks the hub from its start, so a signal to the benchmark stops it. */
  children: ChildSet;
  nodeName: string;
  dataDir: string;
  nodeFlags?: string[];
  mongo?: { uri: string; dbName: string } | null;
}): Promise<{ child: ChildProcess; ready: HubReady }> {
  const { mongo } = options;
  const child = options.children.track(
    spawn(
      process.execPath,
      [
        ...(options.nodeFlags ?? []),
        "--import",
        "tsx",
        path.join(root, "scripts/node.ts"),
        "--seed-demo",
        ...(mongo ? ["--db-name", mongo.dbName] : []),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ROLE: "hub",
          PORT: "0",
          HOST: "127.0.0.1",
          NODE_NAME: options.nodeName,
          DATA_DIR: options.dataDir,
          LOG_LEVEL: "warn",
          HUB_RATE_LIMIT_PER_MINUTE: "100000000",
          NODE_ENV: "development",
          ...(mongo ? { MONGODB_URI: mongo.uri } : {}),
        },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      },
    ),
  );
  return new Promise((resolve, reject) => {
    child.on("message", (raw) => {
      const m = raw as NodeMessage;
      if (m.type === "ready") resolve({ child, ready: m });
      else reject(new Error(m.error));
    });
    child.once("exit", (code) => reject(new Error(`hub exited ${code}`)));
  });
}
