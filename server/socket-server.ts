import type { Server as HttpServer } from "node:http";
import type { Connection } from "mongoose";
import { Server } from "socket.io";
import type { Config } from "./config.js";
import type { Feature } from "./feature.js";
import { adapterKey, useRedisAdapter } from "./lib/redis-adapter.js";
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
  o: { config: Config; conn: Connection; features: readonly Feature[] },
): Promise<{ io: AppServer; closeRedis: (() => Promise<void>) | null }> {
  const io: AppServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 256 * 1024,
    allowRequest: originCheck(o.config.http.allowedOrigins),
    // Papers go out with their JSON text made once at check-in, and a room's frame of a paper is
    // copied from its questions' UTF-8 bytes (socket-parser.ts).
    parser: socketParser,
    adapter: SplicingAdapter,
    // ws's server whose sockets write such a frame from its parts through a reused buffer, instead
    // of a new 24 KB buffer per paper (socket-frames.ts).
    wsEngine: ChunkedFrameServer,
  });
  const closeRedis = o.config.redis.url
    ? await useRedisAdapter(io, o.config.redis.url, adapterKey(o.config.nodeName, o.conn.name))
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
  return { io, closeRedis };
}
