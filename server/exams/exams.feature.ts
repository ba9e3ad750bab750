import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { createDatabaseClock } from "../lib/database-clock.js";
import { createOutboxDispatcher } from "../lib/outbox.js";
import type { AppServer } from "../lib/socket-types.js";
import { ensureAttemptIndexes } from "./attempt-indexes.js";
import { createDeadlineSweeper, createPeriodicTask } from "./deadline-sweeper.js";
import { examRouter } from "./exam.routes.js";
import { createExamService, type ExamOptions, type ExamService } from "./exam.service.js";
import { createCandidateHandlers } from "./exam.socket.js";
import { createIoNotifier } from "./notifier.js";
import type { AuditPort, Notifier, PaperPort, SchedulingPort } from "./ports.js";
import { createResultsService, type ResultsService } from "./results.service.js";

export interface ExamsFeatureDeps {
  scheduling: SchedulingPort;
  papers: PaperPort;
  audit: AuditPort;
  access: Access;
  options?: Partial<ExamOptions>;
  sweepIntervalMs?: number;
  outboxPollMs?: number;
  /** Told when a candidate's seat came back online (the proctor console proposes outage credit). */
  onSeatBack?: (sessionId: string) => void;
}

export interface ExamsFeature {
  feature: Feature;
  exams: ExamService;
  results: ResultsService;
  /** Pushes to the node's socket rooms once sockets are attached (proctoring pushes through it too). */
  notifier: Notifier;
  /** The time exam delivery decides by (the database's clock): the proctor console uses it too. */
  now: () => Date;
}

/**
 * Exam delivery as a node feature: the REST routes (reports, results publication, event chains,
 * check-in photos), the candidate's `attempt:*` socket handlers, the deadline sweeper, the presence
 * heartbeat and the outbox dispatcher (each safe on several instances). The proctor console is a
 * feature of its own built on this one's service (server/proctoring).
 */
export function createExamsFeature(ctx: FeatureContext, deps: ExamsFeatureDeps): ExamsFeature {
  const notifier = createIoNotifier();
  let io: AppServer | null = null;
  // Deadlines are written by one instance and enforced by another: all of them read one clock.
  const clock = createDatabaseClock(ctx.conn, { logger: ctx.logger });
  const outbox = createOutboxDispatcher({
    conn: ctx.conn,
    events: ctx.events,
    logger: ctx.logger,
    pollMs: deps.outboxPollMs,
  });
  const exams = createExamService(ctx, {
    scheduling: deps.scheduling,
    papers: deps.papers,
    audit: deps.audit,
    notifier,
    onOutbox: () => outbox.kick(),
    options: deps.options,
    now: clock.now,
  });
  const candidateHandlers = createCandidateHandlers({
    exams,
    logger: ctx.logger,
    io: () => io,
    onReconnect: deps.onSeatBack,
  });
  const results = createResultsService(ctx, {
    exams,
    scheduling: deps.scheduling,
    audit: deps.audit,
    onOutbox: () => outbox.kick(),
    now: clock.now,
  });
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
    router: examRouter({ exams, results, access: deps.access, timeZone: ctx.config.timeZone }),
    attachSockets(server) {
      io = server;
      notifier.bind(server);
      candidateHandlers.attach(server);
    },
    onConnection(socket) {
      candidateHandlers.register(socket);
    },
    async start() {
      // Before any attempt is written: the index keeping one attempt per candidate and session
      // (the start is refused over duplicates an operator must clean).
      await ensureAttemptIndexes(ctx.conn, ctx.logger);
      await clock.start();
      sweeper.start();
      heartbeat.start();
      outbox.start();
    },
    async stop() {
      await sweeper.stop();
      await heartbeat.stop();
      // Refusals only counted so far (over their audit budget) are written as their summary.
      await exams.closeRefusalSummaries();
      await outbox.stop();
      clock.stop();
    },
  };
  return { feature, exams, results, notifier, now: clock.now };
}
