import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Logger } from "./logger.js";
import { splicingFrames } from "./socket-parser.js";
import type { AppServer } from "./socket-types.js";

/**
 * The channel prefix of one deployment of one node: its instances share the node's name and its
 * database, so both are in the key. The name alone let two deployments of one province on one Redis
 * (two test runs, a bench beside a test, two environments) answer each other's room and
 * fetchSockets requests; the database name tells them apart without any setting to get wrong.
 */
export function adapterKey(nodeName: string, dbName: string): string {
  return `roadcert#${nodeName}#${dbName}`;
}

/** The node's link to Redis: whether rooms are shared right now, and the closer for shutdown. */
export interface RedisLink {
  /** Both clients connected: this instance publishes to and hears from the other instances. */
  up(): boolean;
  close(): Promise<void>;
}

/** While Redis stays down, its errors are logged at most once per this many ms (with a count). */
const LOG_EVERY_MS = 30_000;
/** How long a start waits for the first connection before going on without Redis (not ready). */
const FIRST_CONNECT_MS = 3_000;
/** Reconnect forever, at most 2 s apart: Redis coming back must bring the rooms back unattended. */
const retryStrategy = (times: number) => Math.min(times * 200, 2_000);

/**
 * An ioredis client none of whose command failures goes unhandled. The adapter publishes every
 * room emit (and its request/response traffic) without awaiting it (@socket.io/redis-adapter
 * dist/index.js `broadcast`), so one rejected publish during a Redis blip was an unhandled
 * rejection, which exits Node 20: every instance died at once. Callers that await a command still
 * see its rejection; the catch attached here only reports it.
 */
class GuardedRedis extends Redis {
  onCommandFailure: (err: unknown) => void = () => undefined;

  override sendCommand(...args: Parameters<Redis["sendCommand"]>): unknown {
    const result = super.sendCommand(...args);
    if (result instanceof Promise) result.catch((err: unknown) => this.onCommandFailure(err));
    return result;
  }
}

/** Logs the first problem of an outage at once, then at most once per LOG_EVERY_MS, and the recovery. */
function outageLog(logger: Logger) {
  let downSince: number | null = null;
  let lastLogged = 0;
  let unlogged = 0;
  return {
    problem(err: unknown, msg: string): void {
      const now = Date.now();
      downSince ??= now;
      if (now - lastLogged < LOG_EVERY_MS) {
        unlogged += 1;
        return;
      }
      logger.warn({ err, downForMs: now - downSince, alsoSinceLastLine: unlogged }, msg);
      lastLogged = now;
      unlogged = 0;
    },
    restored(): void {
      if (downSince === null) return;
      logger.info(
        { downForMs: Date.now() - downSince },
        "Redis is back: socket rooms are shared across instances again",
      );
      downSince = null;
      lastLogged = 0;
      unlogged = 0;
    },
  };
}

/** Resolves at the client's first connection, its first failure, or after `ms`, whichever comes first. */
function firstAttempt(client: Redis, ms: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("ready", done).off("error", done).off("end", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once("ready", done).once("error", done).once("end", done);
  });
}

/**
 * Lets several app instances behind a load balancer share socket.io rooms: a proctor connected to
 * one instance reaches candidates connected to another. `key` prefixes the pub/sub channels: the
 * instances of one deployment share it, anything else must not (see adapterKey).
 *
 * Redis is not needed to serve: while it is down this instance runs on its own (its sockets' own
 * rooms work, events to sockets on other instances are lost, at most once as socket.io promises
 * anyway), logs the outage, and reports `up() === false` so /readyz takes it out of rotation. It
 * starts the same way when Redis is down at boot, and reconnects and resubscribes by itself.
 */
export async function useRedisAdapter(
  io: AppServer,
  url: string,
  key: string,
  logger: Logger,
): Promise<RedisLink> {
  // Publishing: no offline queue, so an emit during an outage fails at once instead of piling up
  // in memory and arriving late, out of order with what the room was told since.
  const pub = new GuardedRedis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
  // Subscribing: queued until connected and never given up on (maxRetriesPerRequest null), so a
  // start while Redis is down still subscribes once it is there; ioredis resubscribes after a drop.
  const sub = new GuardedRedis(url, { maxRetriesPerRequest: null, retryStrategy });
  const log = outageLog(logger);
  let closing = false;
  const up = () => pub.status === "ready" && sub.status === "ready";
  for (const [role, client] of [
    ["publisher", pub],
    ["subscriber", sub],
  ] as const) {
    client.onCommandFailure = (err) => {
      if (!closing)
        log.problem(err, `Redis ${role} command failed: events to sockets on other instances are lost`);
    };
    // Without an `error` listener ioredis prints "[ioredis] Unhandled error event" for every retry.
    client.on("error", (err: unknown) => {
      if (!closing)
        log.problem(
          err,
          "Redis unreachable: socket rooms are not shared across instances; /readyz says not ready",
        );
    });
    client.on("ready", () => {
      if (up()) log.restored();
    });
    client.on("end", () => {
      if (!closing) logger.error({ role }, "Redis client ended and will not reconnect");
    });
  }
  await Promise.all([firstAttempt(pub, FIRST_CONNECT_MS), firstAttempt(sub, FIRST_CONNECT_MS)]);
  if (!up())
    logger.warn(
      { url: url.replace(/\/\/[^@/]*@/, "//***@") },
      "starting without Redis: not ready until it answers",
    );
  // Redis pub/sub channels are server-wide (not per database index), so nodes sharing one Redis
  // (the compose file's hub and provinces) need their own channel prefix to keep their rooms apart.
  // No default: socket.io's own ("socket.io") would join every process that also forgot one.
  const redis = createAdapter(pub, sub, { key });
  // A room's frames of spliced packets are built from UTF-8 parts here too (socket-parser.ts).
  io.adapter(function SplicingRedisAdapter(nsp: Parameters<typeof redis>[0]) {
    return splicingFrames(redis(nsp));
  } as unknown as typeof redis);
  return {
    up,
    async close() {
      closing = true;
      await Promise.allSettled(
        [pub, sub].map(async (client) => {
          // QUIT only when connected; either way disconnect, which also drops whatever is queued.
          if (client.status === "ready")
            await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000).unref())]);
          client.disconnect();
        }),
      );
    },
  };
}
