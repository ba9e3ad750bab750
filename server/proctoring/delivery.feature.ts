import type { Feature, FeatureContext } from "../feature.js";
import { createOutboxDispatcher } from "../lib/outbox.js";
import type { AppServer } from "../lib/socket-types.js";
import {
  createDeadlineSweeper,
  createPeriodicTask,
  createExamService,
  createIoNotifier,
  createResultsService,
  examRouter,
  registerCandidateHandlers,
  type AuditPort,
  type ExamOptions,
  type ExamService,
  type PaperPort,
  type ResultsService,
  type SchedulingPort,
} from "../exams/index.js";
import { registerProctorHandlers } from "./proctor.socket.js";
import { createProctoringService, type ProctoringService } from "./proctoring.service.js";

export interface ExamFeatureDeps {
  scheduling: SchedulingPort;
  papers: PaperPort;
  audit: AuditPort;
  options?: Partial<ExamOptions>;
  sweepIntervalMs?: number;
  outboxPollMs?: number;
}

/**
 * Builds exam delivery and proctoring as one node feature: REST routes, the candidate and proctor
 * socket handlers, the deadline sweeper and the outbox dispatcher (both safe on several instances).
 */
export function createExamDeliveryFeature(
  ctx: FeatureContext,
  deps: ExamFeatureDeps,
): { feature: Feature; exams: ExamService; proctoring: ProctoringService; results: ResultsService } {
  const notifier = createIoNotifier();
  let io: AppServer | null = null;
  const outbox = createOutboxDispatcher({
    conn: ctx.conn,
    events: ctx.events,
    logger: ctx.logger,
    pollMs: deps.outboxPollMs,
  });
  const exams = createExamService(ctx, {
    ...deps,
    notifier,
    onOutbox: () => outbox.kick(),
    options: deps.options,
  });
  const proctoring = createProctoringService(ctx, {
    exams,
    scheduling: deps.scheduling,
    audit: deps.audit,
    notifier,
  });
  const results = createResultsService(ctx, { exams, scheduling: deps.scheduling, audit: deps.audit });
  const sweeper = createDeadlineSweeper(() => exams.sweepOnce(), ctx.logger, deps.sweepIntervalMs);
  // Every 10 s this instance says it is alive; seats it holds go "disconnected" when it stops (see PRESENCE_STALE_MS).
  const heartbeat = createPeriodicTask(
    () => exams.heartbeat(),
    ctx.logger,
    10_000,
    "presence heartbeat failed",
  );
  const feature: Feature = {
    name: "exams",
    router: examRouter({ exams, results, proctoring, scheduling: deps.scheduling, timeZone: ctx.config.timeZone }),
    attachSockets(server) {
      io = server;
      notifier.bind(server);
    },
    onConnection(socket) {
      registerCandidateHandlers(socket, {
        exams,
        audit: deps.audit,
        logger: ctx.logger,
        io: () => io,
        onReconnect: (sessionId) => {
          void proctoring
            .checkOutage(sessionId)
            .catch((err: unknown) => ctx.logger.warn({ err }, "outage check failed"));
        },
      });
      registerProctorHandlers(socket, proctoring, ctx.logger);
    },
    async start() {
      sweeper.start();
      heartbeat.start();
      outbox.start();
    },
    async stop() {
      await sweeper.stop();
      await heartbeat.stop();
      await outbox.stop();
    },
  };
  return { feature, exams, proctoring, results };
}
