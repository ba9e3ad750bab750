import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createApp } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import type { Feature, FeatureContext } from "./feature.js";
import { createFeatures } from "./features.js";
import { createReadiness } from "./health/index.js";
import { createEventBus } from "./lib/event-bus.js";
import { answerClientErrors } from "./lib/http.js";
import { createLogger, type Logger } from "./lib/logger.js";
import { assertReplicaSet, buildIndexes, connectMongo, redactUri } from "./lib/mongo.js";
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
 * The node refuses to start on a database that cannot run transactions or whose indexes fail to
 * build; it starts without Redis (not ready until Redis answers).
 */
export async function startNode(
  config: Config,
  options: {
    mongoUri: string;
    dbName?: string;
    logger?: Logger;
    /** The node's features; tests add their own (default: createFeatures). */
    features?: (ctx: FeatureContext) => Feature[];
  },
): Promise<RunningNode> {
  const logger = options.logger ?? createLogger({ level: config.log.level, name: config.nodeName });
  for (const warning of config.warnings) logger.warn({ config: true }, `INSECURE CONFIGURATION: ${warning}`);
  for (const notice of config.notices) logger.warn({ config: true }, `CONFIGURATION IGNORED: ${notice}`);
  const conn = await connectMongo(options.mongoUri, { dbName: options.dbName });
  // What has been opened so far, closed again when the start fails: a half-started node must not
  // hold the process open with its connections.
  const undo: (() => Promise<unknown>)[] = [() => conn.close()];
  const started = await (async () => {
    await assertReplicaSet(conn);
    const ctx: FeatureContext = { config, logger, conn, events: createEventBus(logger) };
    const features = (options.features ?? createFeatures)(ctx);
    const readiness = createReadiness();
    const app = createApp({ config, logger, conn, features, readiness });
    const http = createServer(app);
    answerClientErrors(http);
    const shutdown = { draining: false };
    const { io, redis, closeRedis } = await createSocketServer(http, {
      config,
      conn,
      features,
      logger,
      refusingNew: () => shutdown.draining,
    });
    if (closeRedis) undo.unshift(closeRedis);
    if (redis)
      readiness.add(() =>
        redis.up()
          ? null
          : {
              code: "redis_unavailable",
              message: "Redis 不可用：其他实例上的考生与监考员暂时收不到本实例的消息",
            },
      );
    // Before any background work or request: a feature's duplicate-key guard relies on its index.
    await buildIndexes(conn);
    for (const f of features) {
      await f.start?.();
      if (f.stop) undo.unshift(() => f.stop?.() ?? Promise.resolve());
    }
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(config.http.port, config.http.host, resolve);
    });
    return { ctx, features, readiness, http, shutdown, io, closeRedis };
  })().catch(async (err: unknown) => {
    for (const step of undo) await step().catch(() => undefined);
    throw err;
  });
  const { ctx, features, readiness, http, shutdown, io, closeRedis } = started;
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
  http.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (shutdown.draining) res.shouldKeepAlive = false;
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

  /**
   * Stops the features in reverse order, each awaited until `deadline`; past it the rest are still
   * told to stop (their timers must end) but not waited for. Answers the names still stopping.
   */
  const stopFeatures = async (deadline: number): Promise<string[]> => {
    const late: string[] = [];
    for (const f of [...features].reverse()) {
      if (!f.stop) continue;
      const stopped = f.stop().then(
        () => true,
        (err: unknown) => {
          logger.error({ err, feature: f.name }, "feature failed to stop");
          return true;
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        stopped,
        new Promise<false>(
          (resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))),
        ),
      ]);
      clearTimeout(timer);
      if (!inTime) late.push(f.name);
    }
    return late;
  };

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      // One deadline for the whole stop, not one per phase: the orchestrator's kill comes after
      // SHUTDOWN_TIMEOUT_MS (plus its own grace), however the time was spent.
      const deadline = Date.now() + config.shutdownTimeoutMs;
      const left = () => Math.max(0, deadline - Date.now());
      // First out of rotation: /readyz answers 503 on connections still open, the listener closes
      // (new connections are refused, so the load balancer sends them elsewhere; idle keep-alive
      // connections are closed with it), and no new socket session is accepted.
      readiness.shuttingDown();
      shutdown.draining = true;
      http.close();
      for (const res of pending) if (!res.headersSent) res.shouldKeepAlive = false;
      const late = await stopFeatures(deadline);
      if (late.length > 0)
        logger.warn(
          { features: late, timeoutMs: config.shutdownTimeoutMs },
          "features still stopping at the shutdown deadline; closing without waiting for them",
        );
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          http.closeAllConnections();
        }, left());
        // io.close() closes the sockets and waits for the HTTP server's remaining connections.
        void io.close(() => {
          clearTimeout(cut);
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

/**
 * Logs every promise rejection nobody handled, loudly, and keeps the process running. Node 20's
 * default is to exit: one unawaited promise failing in a dependency (the Redis adapter's publish
 * in a Redis blip) took down every instance at once, and with them every candidate's exam socket.
 * A rejection nobody awaits has, by construction, nobody depending on its outcome, so running on
 * is the smaller risk; the log line is the bug report. Uncaught exceptions (thrown mid-operation,
 * state unknown) still end the process as Node decides.
 */
export function logUnhandledRejections(logger: Logger): void {
  const holder = process as NodeJS.Process & { __roadcertRejectionLogger?: boolean };
  if (holder.__roadcertRejectionLogger) return;
  holder.__roadcertRejectionLogger = true;
  process.on("unhandledRejection", (reason: unknown) => {
    logger.error(
      { err: reason },
      "unhandled promise rejection (a bug: a promise nobody awaits failed); the process keeps running",
    );
  });
}

// Production entry (`node dist/server/main.js`, the Docker image): a real MongoDB and
// NODE_ENV=production are required here. Anything else is refused rather than warned about:
// outside production the config defaults to trusting the demo keys (whose private halves are in
// the repository) and to a session secret kept in the database. The demo (`npm start`) and
// development (`npm run dev`) have their own entries.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const config = loadConfig();
  if (config.env !== "production") {
    console.error(
      `server/main is the production entry and runs only with NODE_ENV=production (it is ${config.env}); ` +
        "use `npm start` for the demo network or `npm run dev` for development.",
    );
    process.exit(1);
  }
  if (!config.mongo.uri) {
    console.error("MONGODB_URI is required for server/main; use `npm start` for the embedded database.");
    process.exit(1);
  }
  const logger = createLogger({ level: config.log.level, name: config.nodeName });
  logUnhandledRejections(logger);
  try {
    const node = await startNode(config, { mongoUri: config.mongo.uri, logger });
    stopOnSignals(node.stop, logger);
  } catch (err) {
    logger.fatal({ err }, "node failed to start");
    console.error(`node failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
