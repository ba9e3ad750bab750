import { lookup } from "node:dns/promises";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { startStandin } from "./standin.js";

export interface EmbeddedDatabase {
  uri: string;
  kind: "external" | "memory-server" | "standin";
  /** One line saying which database is in use and why (logged at start). */
  reason: string;
  stop(): Promise<void>;
}

/**
 * The embedded default database, in order of fidelity: a real `mongod` through
 * mongodb-memory-server when its binary can be had, else the project's MongoDB wire-protocol
 * stand-in. `dataDir` (when given) keeps the data across restarts; without it, data lives in memory.
 */
export async function startEmbeddedDatabase(
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedDatabase> {
  const real = await tryMemoryServer(options.dataDir);
  if (real) return real;
  const dataDir = options.dataDir ? path.join(options.dataDir, "standin") : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const standin = await startStandin({ port: options.port ?? 0, dataDir });
  return {
    uri: standin.uri,
    kind: "standin",
    reason:
      "no mongod binary can be had here, so the MongoDB wire-protocol stand-in serves (see packages/mongo-standin/README.md)",
    stop: () => standin.stop(),
  };
}

/** Uses `MONGODB_URI` when set, otherwise the embedded default. */
export async function resolveDatabase(
  uri: string | null,
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedDatabase> {
  if (uri) return { uri, kind: "external", reason: "MONGODB_URI is set", stop: async () => undefined };
  return startEmbeddedDatabase(options);
}

async function tryMemoryServer(dataDir: string | undefined): Promise<EmbeddedDatabase | null> {
  // mongodb-memory-server downloads mongod on first use; where its host does not resolve (offline
  // machines) skip it at once instead of waiting through its retries.
  if (!process.env.MONGOMS_SYSTEM_BINARY && !(await resolves("fastdl.mongodb.org"))) return null;
  try {
    const { MongoMemoryReplSet } = await import("mongodb-memory-server-core");
    const dbPath = dataDir ? path.join(dataDir, "mongod") : undefined;
    if (dbPath) await mkdir(dbPath, { recursive: true });
    const replSet = await MongoMemoryReplSet.create({
      replSet: { count: 1, storageEngine: "wiredTiger" },
      instanceOpts: dbPath ? [{ dbPath }] : [],
    });
    return {
      uri: replSet.getUri(),
      kind: "memory-server",
      reason: "a real mongod (mongodb-memory-server, one-member replica set)",
      stop: async () => {
        await replSet.stop({ doCleanup: !dbPath });
      },
    };
  } catch {
    return null;
  }
}

async function resolves(host: string): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  return Promise.race([
    lookup(host).then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}
