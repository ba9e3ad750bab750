import { lookup } from "node:dns/promises";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { acquireDataLock, type DataLock } from "./data-lock.js";
import { startStandin } from "./standin.js";

export interface EmbeddedDatabase {
  uri: string;
  kind: "external" | "memory-server" | "standin";
  /** One line saying which database is in use and why (logged at start). */
  reason: string;
  stop(): Promise<void>;
}

/**
 * Which kind of data a kept data folder holds: a real mongod's dbPath (`mongod/`, WiredTiger's
 * files) or the stand-in's journal (`standin/journal.bin`). An empty dbPath or journal (a start
 * that stored nothing) is no data.
 */
type KeptData = "none" | "mongod" | "standin" | "both";

export function keptData(dataDir: string): KeptData {
  const mongod = ["WiredTiger", "storage.bson"].some((name) =>
    existsSync(path.join(dataDir, "mongod", name)),
  );
  const journal = path.join(dataDir, "standin", "journal.bin");
  const standin = existsSync(journal) && statSync(journal).size > 0;
  if (mongod && standin) return "both";
  return mongod ? "mongod" : standin ? "standin" : "none";
}

/** What to start: never a database that would show kept data as an empty one. */
type EmbeddedPlan =
  | { kind: "try-mongod"; /** May fall back to the stand-in: only when nothing is kept. */ fallback: boolean }
  | { kind: "standin" }
  | { kind: "refuse"; reason: "two_kinds_kept" };

/**
 * Kept data are served by the database that wrote them: a mongod's dbPath only by a mongod (the
 * stand-in would start empty beside it), a stand-in journal by the stand-in even where a mongod
 * could now be had (that mongod would start empty). With both kept there is no telling which is
 * this node's data, so the start is refused. Only a fresh folder prefers a mongod, falling back.
 * A kept dbPath's mongod is tried whatever `mongodCanBeHad` says: mongodb-memory-server runs a
 * binary it downloaded before without the network, and its own failure refuses with its cause.
 */
export function planEmbedded(kept: KeptData, mongodCanBeHad: boolean): EmbeddedPlan {
  switch (kept) {
    case "both":
      return { kind: "refuse", reason: "two_kinds_kept" };
    case "standin":
      return { kind: "standin" };
    case "mongod":
      return { kind: "try-mongod", fallback: false };
    case "none":
      return mongodCanBeHad ? { kind: "try-mongod", fallback: true } : { kind: "standin" };
  }
}

/** The embedded database refuses a kept data folder it cannot serve as it is. */
class EmbeddedDataRefusedError extends Error {
  readonly code = "embedded_data_refused";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmbeddedDataRefusedError";
  }
}

/** Where a one-member replica set keeps its data, and on which port (none: in memory). */
interface MongodInstance {
  dbPath: string;
  port: number;
}

/** A started mongod: its URI, and `stop` (which removes its files when they were not kept). */
interface StartedMongod {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Test seams: whether a mongod binary can be had (else the DNS probe below decides), and how a
 * mongod is started (else mongodb-memory-server).
 */
interface EmbeddedProbes {
  mongodCanBeHad?: () => Promise<boolean>;
  startMongod?: (instance: MongodInstance | undefined) => Promise<StartedMongod>;
}

/**
 * The embedded default database, in order of fidelity: a real `mongod` through
 * mongodb-memory-server when its binary can be had, else the project's MongoDB wire-protocol
 * stand-in. `dataDir` (when given) keeps the data across restarts (see `planEmbedded` for which
 * serves kept data) and is locked for this process; without it, data live in memory.
 */
export async function startEmbeddedDatabase(
  options: { dataDir?: string; port?: number } = {},
  probes: EmbeddedProbes = {},
): Promise<EmbeddedDatabase> {
  const canBeHad = probes.mongodCanBeHad ?? mongodCanBeHad;
  const dataDir = options.dataDir;
  const startMongod = probes.startMongod ?? startMemoryServer;
  if (!dataDir) {
    const real = (await canBeHad()) ? await tryMemoryServer(undefined, true, startMongod) : null;
    return real ?? startStandinIn(undefined, options.port, null);
  }
  await mkdir(dataDir, { recursive: true });
  // The whole folder, mongod's part too: a second process would otherwise find mongod's dbPath
  // locked by mongod and take another way in (data-lock.ts).
  const lock = acquireDataLock(dataDir, {
    file: "embedded-database.lock",
    owner: "roadcert embedded database",
    onTakeover: (stale, file) =>
      console.warn(
        `接管了已退出进程 ${stale?.pid ?? "?"} 留下的锁 / took over the lock of exited pid ${stale?.pid ?? "?"}: ${file}`,
      ),
  });
  try {
    const kept = keptData(dataDir);
    // Asked only for a fresh folder, where the stand-in may serve instead: a DNS probe may take its
    // 2 s timeout offline.
    const plan = planEmbedded(kept, kept === "none" ? await canBeHad() : false);
    if (plan.kind === "refuse") throw new EmbeddedDataRefusedError(refusal(dataDir, plan.reason));
    if (kept === "mongod" && !existsSync(path.join(dataDir, PORT_FILE)))
      throw new EmbeddedDataRefusedError(refusal(dataDir, "port_unknown"));
    if (plan.kind === "try-mongod") {
      const real = await tryMemoryServer(dataDir, plan.fallback, startMongod);
      if (real) return { ...real, stop: () => real.stop().finally(() => lock.release()) };
    }
    return await startStandinIn(dataDir, options.port, lock, kept === "standin");
  } catch (error) {
    lock.release();
    throw error;
  }
}

function refusal(
  dataDir: string,
  reason: "mongod_failed" | "two_kinds_kept" | "port_unknown",
  cause?: string,
): string {
  const dbPath = path.join(dataDir, "mongod");
  if (reason === "two_kinds_kept")
    return (
      `数据目录 ${dataDir} 同时存有真实 mongod 的数据 (${dbPath}) 和替代数据库的数据 (${path.join(dataDir, "standin")})，无法判断哪份是本节点的数据：请移走不用的一份再启动。` +
      ` The folder holds both a mongod's data and the stand-in's; move the one not in use away and start again.`
    );
  if (reason === "port_unknown")
    // The port was chosen at random and never saved; only a running mongod could read it back
    // from the replica-set config in the dbPath, and on another port that config does not let the
    // node become primary. Started without --replSet, mongod serves the same files standalone.
    return (
      `数据目录 ${dbPath} 存有真实 mongod 的数据，但它写于端口尚未记录 (${PORT_FILE}) 之前：其副本集配置记着当时随机选取的端口，这个端口没有保存，无法得知，在别的端口上这个节点成不了主节点，拒绝启动（数据完好未动）。` +
      `要读取这份数据：手动启动 mongod --dbpath ${dbPath} --port 27017（不加 --replSet，即以单机方式提供同一份数据），导出所需内容；要重新开始：把 ${dbPath} 移到别处后再启动。` +
      ` The folder ${dbPath} holds a real mongod's data kept before its port was recorded (${PORT_FILE}): its replica-set config names a port chosen at random and never saved, and on another port the node cannot become primary, so the start is refused (the data are untouched).` +
      ` To read the data, start mongod by hand: mongod --dbpath ${dbPath} --port 27017 (without --replSet it serves the same files standalone) and export what you need; to start afresh, move ${dbPath} aside and start again.`
    );
  const why = `mongod 未能启动 (${cause ?? "?"})`;
  return (
    `数据目录 ${dbPath} 存有真实 mongod 的数据，但${why}；为免以空的替代数据库冒充这份数据，拒绝启动（数据完好未动）。` +
    ` The folder ${dbPath} holds a real mongod's data, but mongod failed to start (${cause ?? "?"});` +
    " refusing rather than serving an empty stand-in (the data are untouched). Set MONGODB_URI, or start where mongod can be had."
  );
}

async function startStandinIn(
  dataDir: string | undefined,
  port: number | undefined,
  lock: DataLock | null,
  keptWhileMongodPossible = false,
): Promise<EmbeddedDatabase> {
  const dir = dataDir ? path.join(dataDir, "standin") : undefined;
  if (dir) await mkdir(dir, { recursive: true });
  const standin = await startStandin({ port: port ?? 0, dataDir: dir });
  return {
    uri: standin.uri,
    kind: "standin",
    reason: keptWhileMongodPossible
      ? "the kept data are the stand-in's journal, so the MongoDB wire-protocol stand-in serves them (a mongod would start empty)"
      : "no mongod binary can be had here, so the MongoDB wire-protocol stand-in serves (see packages/mongo-standin/README.md)",
    stop: () => standin.stop().finally(() => lock?.release()),
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

async function mongodCanBeHad(): Promise<boolean> {
  // mongodb-memory-server downloads mongod on first use; where its host does not resolve (offline
  // machines) skip it at once instead of waiting through its retries.
  return Boolean(process.env.MONGOMS_SYSTEM_BINARY) || (await resolves("fastdl.mongodb.org"));
}

/**
 * A one-member replica set on `dataDir/mongod` (kept) or in memory. Its replica-set config, kept in
 * the dbPath, names the member's host and port; a restart on another port finds itself absent from
 * that config and cannot become primary, so a kept dbPath always gets its port back (`mongodPort`).
 * Returns null when it failed and `fallback` allows the stand-in; otherwise refuses loudly.
 */
async function tryMemoryServer(
  dataDir: string | undefined,
  fallback: boolean,
  startMongod: (instance: MongodInstance | undefined) => Promise<StartedMongod>,
): Promise<EmbeddedDatabase | null> {
  const dbPath = dataDir ? path.join(dataDir, "mongod") : undefined;
  try {
    const instance = dataDir && dbPath ? { dbPath, port: await mongodPort(dataDir) } : undefined;
    if (dbPath) await mkdir(dbPath, { recursive: true });
    const started = await startMongod(instance);
    return {
      uri: started.uri,
      kind: "memory-server",
      reason: "a real mongod (mongodb-memory-server, one-member replica set)",
      stop: () => started.stop(),
    };
  } catch (error) {
    const cause = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (!fallback && dataDir)
      throw new EmbeddedDataRefusedError(refusal(dataDir, "mongod_failed", cause), {
        cause: error,
      });
    // Nothing was kept: what the failed start left in the dbPath is no data, and would otherwise
    // count as a mongod's next time, beside the stand-in's.
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
    return null;
  }
}

/** mongodb-memory-server's one-member replica set (its files removed at stop unless kept). */
async function startMemoryServer(instance: MongodInstance | undefined): Promise<StartedMongod> {
  const { MongoMemoryReplSet } = await import("mongodb-memory-server-core");
  const replSet = await MongoMemoryReplSet.create({
    replSet: { count: 1, storageEngine: "wiredTiger" },
    instanceOpts: instance ? [instance] : [],
  });
  return {
    uri: replSet.getUri(),
    stop: async () => {
      await replSet.stop({ doCleanup: !instance });
    },
  };
}

const PORT_FILE = "mongod.port";

/**
 * The port this folder's mongod listens on: chosen once (a free one) and kept in
 * `dataDir/mongod.port`, since the replica-set config in its dbPath names it.
 */
export async function mongodPort(dataDir: string): Promise<number> {
  const file = path.join(dataDir, PORT_FILE);
  const kept = Number((await readFile(file, "utf8").catch(() => "")).trim());
  if (Number.isInteger(kept) && kept > 0 && kept < 65_536) return kept;
  const port = await freePort();
  await writeFile(file, `${port}\n`);
  return port;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
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
