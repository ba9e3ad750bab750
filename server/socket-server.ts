import type { Server as HttpServer } from "node:http";
import type { Connection } from "mongoose";
import { Server } from "socket.io";
import type { Config } from "./config.js";
import type { Feature } from "./feature.js";
import { createLogger, type Logger } from "./lib/logger.js";
import { adapterKey, useRedisAdapter, type RedisLink } from "./lib/redis-adapter.js";
import { refuseUnhandledEvents } from "./lib/socket-ack.js";
import { originCheck } from "./lib/socket-origin.js";
import { ChunkedFrameServer } from "./lib/socket-frames.js";
import { SplicingAdapter, socketParser } from "./lib/socket-parser.js";
import { noteUpgradeResponse, releaseUpgradeRequest } from "./lib/socket-session.js";
import type { AppServer } from "./lib/socket-types.js";

/**
 * The node's socket.io server on `http`, wired the one way every node runs it: the node itself
 * (main.ts) and the exam benchmark's node (scripts/bench/exam-node.ts), so that what the benchmark
 * measures per candidate is the product's socket path, not a copy that drifts from it.
 * Order matters: the upgrade's response is noted before any engine middleware, the features'
 * handshake middlewares copy what they need into `socket.data`, and only then is the upgrade
 * request let go (socket-session.ts).
 */
export async function createSocketServer(
  http: HttpServer,
  o: {
    config: Config;
    conn: Connection;
    features: readonly Feature[];
    logger?: Logger;
    /** Whether new socket.io sessions are refused (the node is stopping); existing ones go on. */
    refusingNew?: () => boolean;
  },
): Promise<{ io: AppServer; closeRedis: (() => Promise<void>) | null; redis: RedisLink | null }> {
  const origins = originCheck(o.config.http.allowedOrigins, { trustProxy: o.config.http.trustProxy });
  const io: AppServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 256 * 1024,
    // engine.io asks this for handshakes only: a stopping node takes no new socket sessions (the
    // client reconnects to another instance), while those it has finish their requests.
    allowRequest: (req, callback) => {
      if (o.refusingNew?.()) callback("shutting down", false);
      else origins(req, callback);
    },
    // Papers go out with their JSON text made once at check-in, and a room's frame of a paper is
    // copied from its questions' UTF-8 bytes (socket-parser.ts).
    parser: socketParser,
    adapter: SplicingAdapter,
    // ws's server whose sockets write such a frame from its parts through a reused buffer, instead
    // of a new 24 KB buffer per paper (socket-frames.ts).
    wsEngine: ChunkedFrameServer,
  });
  const logger = o.logger ?? createLogger({ level: o.config.log.level, name: o.config.nodeName });
  const redis = o.config.redis.url
    ? await useRedisAdapter(io, o.config.redis.url, adapterKey(o.config.nodeName, o.conn.name), logger)
    : null;
  io.engine.use(noteUpgradeResponse);
  for (const f of o.features) for (const mw of f.engineMiddleware ?? []) io.engine.use(mw);
  for (const f of o.features) f.attachSockets?.(io);
  io.use((socket, next) => {
    releaseUpgradeRequest(socket);
    next();
  });
  io.on("connection", (socket) => {
    for (const f of o.features) f.onConnection?.(socket);
    refuseUnhandledEvents(socket);
  });
  return { io, closeRedis: redis ? () => redis.close() : null, redis };
}
