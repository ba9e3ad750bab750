import net from "node:net";
import type { Logger } from "pino";
import { acquireDataLock, type DataLock } from "./data-lock.js";
import { Journal } from "./journal.js";
import { createServerState, serveConnection } from "./server.js";
import { Store } from "./storage/store.js";

/**
 * mongo-standin: a MongoDB wire-protocol server for tests and the offline demo where no real
 * MongoDB can be had. Glossary: *store* — all databases in memory; *journal* — the append-only
 * file that makes the store durable in `dataDir`; *access* — a command's direct or transactional
 * view of the store. See README.md for what it supports and what it refuses.
 */
interface StandinOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Directory for the journal; without it data lives in memory only. */
  dataDir?: string;
  logger?: Logger;
  /**
   * A document neither written nor read by id for this long is kept as its BSON bytes, off the
   * V8 heap (storage/encoded.ts); default 30 s. Infinity keeps every document an object.
   */
  coldAfterMs?: number;
  /**
   * How often TTL indexes expire documents (the server's TTL monitor sleeps 60 s, its default
   * `ttlMonitorSleepSecs`); Infinity never expires any.
   */
  ttlMonitorIntervalMs?: number;
}

/**
 * The cold-document pass runs in slices of at most 5 ms every 50 ms until it has visited every
 * document, then rests a sixth of `coldAfterMs` (5 s by default), so a document is kept as bytes
 * between `coldAfterMs` and 7/6 of it after its last use. A pass walks every document, hot or
 * not: at 5,000 candidates (some 10^4 documents) a walk a second was about 12 ms of the stand-in's
 * CPU each second, 4 % of its busy time while it served 1,500 saves/s (issue 17, CPU profile).
 */
const COLD_SLICE_EVERY_MS = 50;
const COLD_SLICE_BUDGET_MS = 5;
const COLD_PASS_REST_SHARE = 1 / 6;
/**
 * While the loop was busy at least half of the last interval (a room's release, a burst of saves),
 * a slice runs at most once a second: encoding a paper costs about 0.4 ms, and the pass encoding
 * the papers of the last 30 s of check-in during the release took CPU from the release's writes.
 * It still goes on, slowly, under a load that never lets up.
 */
const BUSY_UTILIZATION = 0.5;
const BUSY_SLICE_EVERY_MS = 1_000;

/** Whether the cold pass may run a slice now, given the loop's utilization since the last tick. */
export function coldSliceDue(utilization: number, now: number, lastSliceAt: number): boolean {
  return utilization < BUSY_UTILIZATION || now - lastSliceAt >= BUSY_SLICE_EVERY_MS;
}

/** A running stand-in. */
export interface Standin {
  /** `mongodb://127.0.0.1:<port>/?directConnection=true` */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a stand-in server; one server holds any number of databases. */
export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const logger = options.logger;
  const store = new Store(logger);
  // Before the journal is read: a second process on it would append its own history and could
  // compact it away under the first (data-lock.ts).
  const lock: DataLock | null = options.dataDir
    ? acquireDataLock(options.dataDir, {
        file: "mongo-standin.lock",
        owner: "mongo-standin",
        onTakeover: (stale, file) =>
          logger?.warn(
            { stalePid: stale?.pid ?? null, lockFile: file },
            "mongo-standin: took over the lock of a process that is gone",
          ),
      })
    : null;
  try {
    return await serve(options, store, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function serve(options: StandinOptions, store: Store, lock: DataLock | null): Promise<Standin> {
  const logger = options.logger;
  let journal: Journal | null = null;
  if (options.dataDir) {
    const opened = Journal.open(options.dataDir);
    journal = opened.journal;
    if (opened.replay.tornBytes > 0) {
      logger?.warn(
        { tornBytes: opened.replay.tornBytes },
        "mongo-standin: skipped a torn record at the end of the journal",
      );
    }
    store.attachJournal(journal, opened.replay.records);
  }
  const state = createServerState(store, logger, options.dataDir !== undefined);
  const coldAfterMs = options.coldAfterMs ?? 30_000;
  let restUntil = 0;
  let lastSliceAt = 0;
  let loop = performance.eventLoopUtilization();
  // Unref'd, so it keeps no process alive.
  const coldPass = Number.isFinite(coldAfterMs)
    ? setInterval(() => {
        const now = Date.now();
        const sinceLastTick = performance.eventLoopUtilization(loop);
        loop = performance.eventLoopUtilization();
        if (now < restUntil || !coldSliceDue(sinceLastTick.utilization, now, lastSliceAt)) return;
        lastSliceAt = now;
        const done = store.encodeCold(now - coldAfterMs, performance.now() + COLD_SLICE_BUDGET_MS);
        if (done) restUntil = now + coldAfterMs * COLD_PASS_REST_SHARE;
      }, COLD_SLICE_EVERY_MS).unref()
    : null;
  const ttlEveryMs = options.ttlMonitorIntervalMs ?? 60_000;
  const ttlPass = Number.isFinite(ttlEveryMs)
    ? setInterval(() => {
        const removed = store.expireTtl(Date.now());
        if (removed === 0) return;
        logger?.debug({ removed }, "mongo-standin: TTL pass deleted expired documents");
        // Durable as a command's writes are; the next command's flush would also write them.
        store
          .flush()
          ?.catch((error: unknown) => logger?.error({ err: error }, "mongo-standin: journal sync failed"));
      }, ttlEveryMs).unref()
    : null;
  const sockets = new Set<net.Socket>();
  let stopped = false;
  const server = net.createServer((socket) => {
    // A connection accepted while stopping would keep `server.close` waiting forever (drivers
    // hold idle connections open), so it is refused at once.
    if (stopped) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(socket, state);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  state.address = `127.0.0.1:${port}`;
  logger?.info({ port, dataDir: options.dataDir ?? null }, "mongo-standin listening");
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (coldPass) clearInterval(coldPass);
      if (ttlPass) clearInterval(ttlPass);
      state.sessions.abortAll();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.flush();
      await journal?.close();
      lock?.release();
    },
  };
}
