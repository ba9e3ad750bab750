import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createApp } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import type { FeatureContext } from "./feature.js";
import { createFeatures } from "./features.js";
import { createEventBus } from "./lib/event-bus.js";
import { answerClientErrors } from "./lib/http.js";
import { createLogger, type Logger } from "./lib/logger.js";
import { connectMongo, redactUri } from "./lib/mongo.js";
import { createSocketServer } from "./socket-server.js";
import type { AppServer } from "./lib/socket-types.js";

export interface RunningNode {
  url: string;
  port: number;
  ctx: FeatureContext;
  io: AppServer;
  http: HttpServer;
  /** Graceful stop: refuse new work, finish in-flight requests, close sockets and the database. */
  stop: () => Promise<void>;
}

/**
 * Composition root: config → mongo → features → app → socket.io → listen. The database URI is
 * given, never discovered here: `scripts/node.ts` supplies the embedded default when none is set.
 */
export async function startNode(
  config: Config,
  options: { mongoUri: string; dbName?: string; logger?: Logger },
): Promise<RunningNode> {
  const logger = options.logger ?? createLogger({ level: config.log.level, name: config.nodeName });
  for (const warning of config.warnings) logger.warn({ config: true }, `INSECURE CONFIGURATION: ${warning}`);
  const conn = await connectMongo(options.mongoUri, { dbName: options.dbName });
  const ctx: FeatureContext = { config, logger, conn, events: createEventBus(logger) };
  const features = createFeatures(ctx);
  const app = createApp({ config, logger, conn, features });

  const http = createServer(app);
  answerClientErrors(http);
  const { io, closeRedis } = await createSocketServer(http, { config, conn, features });
  for (const f of features) await f.start?.();

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.http.port, config.http.host, resolve);
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host}:${port}`;
  logger.info({ url, role: config.role, provinceCode: config.provinceCode, db: redactUri(options.mongoUri) }, "node listening");

  // Responses still to be written. When the node drains, each is sent with `Connection: close` so its
  // keep-alive socket ends with it; otherwise an answered client would hold the server open until
  // the shutdown timeout.
  const pending = new Set<ServerResponse>();
  // Requests whose handler has not answered yet, whether or not their client is still there. A
  // client that goes away (a province node stopping aborts its inbox long poll) ends the response
  // and its socket, so the HTTP server closes without it, but the handler runs on: it logs the
  // message, writes its audit entry, then answers the dead response. Closing the database under it
  // was the shutdown's "unhandled error: Server is closed"; stop() waits for these instead.
  const handling = new Set<ServerResponse>();
  let handled: () => void = () => undefined;
  let draining = false;
  http.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    pending.add(res);
    handling.add(res);
    const settle = () => {
      if (handling.delete(res) && handling.size === 0) handled();
    };
    res.once("close", () => {
      pending.delete(res);
      // A handler that never answers its gone client is forgotten after the shutdown timeout, so
      // the set cannot grow while the node runs.
      if (handling.has(res)) setTimeout(settle, config.shutdownTimeoutMs).unref();
    });
    const end = res.end.bind(res);
    res.end = ((...args: Parameters<typeof end>) => {
      settle();
      return end(...args);
    }) as typeof res.end;
  });
  /** Resolves once every handler has answered, or at `deadline` (epoch ms) with those still running. */
  const handlersDone = (deadline: number) =>
    new Promise<number>((resolve) => {
      if (handling.size === 0) return resolve(0);
      const timer = setTimeout(() => resolve(handling.size), Math.max(0, deadline - Date.now()));
      handled = () => {
        clearTimeout(timer);
        resolve(0);
      };
    });

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      draining = true;
      for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
      for (const f of [...features].reverse()) await f.stop?.();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          http.closeAllConnections();
        }, config.shutdownTimeoutMs);
        // io.close() also closes the HTTP server and waits for in-flight requests.
        void io.close(() => {
          clearTimeout(timer);
          resolve();
        });
        http.closeIdleConnections();
      });
      const abandoned = await handlersDone(deadline);
      if (abandoned > 0)
        logger.warn({ requests: abandoned }, "requests still running at the shutdown timeout are abandoned");
      await closeRedis?.();
      await conn.close();
      logger.info("node stopped");
    })());

  return { url, port, ctx, io, http, stop };
}

/** Stops the node on SIGTERM/SIGINT, once; a second signal forces exit. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, "shutting down");
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

// Production entry (`node dist/server/main.js`): a real MongoDB is required here.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const config = loadConfig();
  if (!config.mongo.uri) {
    console.error("MONGODB_URI is required for server/main; use `npm start` for the embedded database.");
    process.exit(1);
  }
  const node = await startNode(config, { mongoUri: config.mongo.uri });
  stopOnSignals(node.stop, node.ctx.logger);
}
