import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "../../server/app.js";
import { createAuditService, type AuditService } from "../../server/audit/index.js";
import { loadConfig } from "../../server/config.js";
import { AuthUser } from "../../server/contracts/auth.js";
import {
  createExamsFeature,
  type ExamOptions,
  type ExamService,
  type PaperPort,
  type ResultsService,
} from "../../server/exams/index.js";
import { createAccess } from "../../server/access/index.js";
import type { Feature, FeatureContext } from "../../server/feature.js";
import { createEventBus } from "../../server/lib/event-bus.js";
import { createLogger } from "../../server/lib/logger.js";
import { connectMongo } from "../../server/lib/mongo.js";
import type { AppServer } from "../../server/lib/socket-types.js";
import { createSocketServer } from "../../server/socket-server.js";
import { createProctoringFeature, type ProctoringService } from "../../server/proctoring/index.js";
import { fixtureScheduling, samplePapers, tinyPapers } from "./exam-fixtures.js";

export interface ExamNodeOptions {
  mongoUri: string;
  dbName: string;
  port?: number;
  redisUrl?: string;
  graceSeconds?: number;
  sweepIntervalMs?: number;
  paper?: "tiny" | "sample";
  tiny?: Parameters<typeof tinyPapers>[0];
  options?: Partial<ExamOptions>;
  logLevel?: string;
  /** Emits the driver's command events on `ctx.conn.getClient()` (tests count database commands). */
  monitorCommands?: boolean;
  /** Further configuration keys (e.g. EXAM_EARLY_RELEASE), as the environment would give them. */
  env?: Record<string, string>;
}

export interface ExamNode {
  url: string;
  ctx: FeatureContext;
  io: AppServer;
  http: HttpServer;
  delivery: { exams: ExamService; proctoring: ProctoringService; results: ResultsService };
  /** The audit service every feature of the node writes through (tests step into its transactions). */
  audit: AuditService;
  stop(): Promise<void>;
}

/**
 * A node running only exam delivery + proctoring, with the scheduling and question-bank ports
 * replaced by fixtures and a TEST-ONLY identity: sockets carry their AuthUser in
 * `handshake.auth.user` and requests in the `x-test-user` header (base64 JSON). Real login is
 * the identity feature's job and is tested there; here it would only hide what exam delivery does.
 */
export async function startExamNode(o: ExamNodeOptions): Promise<ExamNode> {
  const config = loadConfig({
    NODE_ENV: "test",
    ROLE: "province",
    PROVINCE_CODE: "320000",
    PORT: String(o.port ?? 0),
    LOG_LEVEL: o.logLevel ?? process.env.TEST_LOG_LEVEL ?? "silent",
    EXAM_GRACE_SECONDS: String(o.graceSeconds ?? 1),
    SHUTDOWN_TIMEOUT_MS: "1000",
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
    ...o.env,
  });
  const logger = createLogger({ level: config.log.level, name: "exam-node" });
  const conn = await connectMongo(o.mongoUri, { dbName: o.dbName, monitorCommands: o.monitorCommands });
  const ctx: FeatureContext = { config, logger, conn, events: createEventBus(logger) };
  const papers: PaperPort = o.paper === "sample" ? await samplePapers() : tinyPapers(o.tiny);
  const scheduling = fixtureScheduling(conn);
  const audit = createAuditService(conn);
  // The test identity below is the account: the policies still decide, against fixture sessions.
  const access = createAccess({
    currentAccount: async (actor) => actor,
    sessionScope: (id) => scheduling.getSession(id),
  });
  let proctoring: ProctoringService | null = null;
  const exams = createExamsFeature(ctx, {
    scheduling,
    papers,
    audit,
    access,
    options: { submitWaitMs: 2000, ...o.options },
    sweepIntervalMs: o.sweepIntervalMs ?? 200,
    outboxPollMs: 200,
    onSeatBack: (sessionId) => {
      void proctoring
        ?.checkOutage(sessionId)
        .catch((err: unknown) => logger.warn({ err }, "outage check failed"));
    },
  });
  const room = createProctoringFeature(ctx, {
    exams: exams.exams,
    scheduling,
    audit,
    access,
    notifier: exams.notifier,
    now: exams.now,
  });
  proctoring = room.proctoring;
  const delivery = { exams: exams.exams, proctoring: room.proctoring, results: exams.results };
  const testIdentity: Feature = {
    name: "test-identity",
    middleware: [
      (req, _res, next) => {
        const raw = req.headers["x-test-user"];
        if (typeof raw === "string")
          req.user = AuthUser.parse(JSON.parse(Buffer.from(raw, "base64").toString("utf8")));
        next();
      },
    ],
    // The bench's clients name their user in the handshake (the product's identity feature reads
    // the login session instead); registered first, as the identity feature is in the product.
    attachSockets(io) {
      io.use((socket, next) => {
        const parsed = AuthUser.safeParse((socket.handshake.auth as { user?: unknown }).user);
        socket.data.user = parsed.success ? parsed.data : null;
        next();
      });
    },
  };
  const features = [testIdentity, exams.feature, room.feature];
  const app = createApp({ config, logger, conn, features });
  const http = createServer(app);
  // The product's socket server (server/socket-server.ts): the bench's heap and CPU per candidate
  // are the product's.
  const { io, closeRedis } = await createSocketServer(http, { config, conn, features });
  for (const f of features) await f.start?.();
  await new Promise<void>((resolve) => http.listen(config.http.port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    ctx,
    io,
    http,
    delivery,
    audit,
    stop: () =>
      (stopping ??= (async () => {
        for (const f of features) await f.stop?.();
        await new Promise<void>((resolve) => {
          void io.close(() => resolve());
          http.closeAllConnections();
        });
        await closeRedis?.();
        await conn.close();
      })()),
  };
}

/** Header value for `x-test-user`. */
export function testUserHeader(user: AuthUser): string {
  return Buffer.from(JSON.stringify(user)).toString("base64");
}
