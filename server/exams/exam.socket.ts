import {
  AnswerPayload,
  ConfirmPayload,
  FlagPayload,
  SubmitPayload,
  SyncPayload,
} from "../contracts/exams.js";
import { errors } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { on } from "../lib/socket-ack.js";
import type { AppServer, AppSocket } from "../lib/socket-types.js";
import type { ExamService } from "./exam.service.js";
import { rooms } from "./ports.js";

export interface CandidateSocketDeps {
  exams: ExamService;
  logger: Logger;
  io: () => AppServer | null;
  /** Called after a seat came back (outage proposals). */
  onReconnect?: (sessionId: string) => void;
}

/**
 * Registers the candidate's `attempt:*` handlers on one socket. Every payload is validated with
 * zod (`on`); an event naming another candidate's attempt is refused with `forbidden` and audited
 * (by the service: handlers never write audit entries).
 */
export function registerCandidateHandlers(socket: AppSocket, deps: CandidateSocketDeps): void {
  const user = socket.data.user;
  if (!user || user.kind !== "candidate" || !user.candidate) return;
  const { candidateId, sessionId } = user.candidate;
  const me = { id: user.id, name: user.displayName, kind: "candidate" as const, candidateId };
  let ownAttempt: string | null = null;
  void socket.join(rooms.candidate(candidateId));

  async function own(attemptId: string, event: string): Promise<string> {
    if (attemptId === ownAttempt) return attemptId;
    await deps.exams.assertOwnAttempt(me, attemptId, event);
    await adopt(attemptId);
    return attemptId;
  }

  /**
   * Binds this socket to its attempt and marks the seat online; null when it already was. Only a
   * seat that had been away can end a room-wide outage, so only its return asks for a proposal.
   */
  async function adopt(attemptId: string) {
    if (ownAttempt === attemptId) return null;
    ownAttempt = attemptId;
    await socket.join(rooms.attempt(attemptId));
    const online = await deps.exams.markOnline(attemptId);
    if (online?.cameBack) deps.onReconnect?.(sessionId);
    return online;
  }

  const log = deps.logger;
  on(
    socket,
    "attempt:sync",
    SyncPayload,
    async (p) => {
      const id = p.attemptId ?? (await deps.exams.candidateAttemptId(sessionId, candidateId));
      if (!id) throw errors.notFound("考试记录（请等待监考员核验身份）", "attempt_not_found");
      if (p.attemptId && id !== ownAttempt) await deps.exams.assertOwnAttempt(me, id, "attempt:sync");
      // The connect write read the attempt: the view is built from that copy (no second read).
      const online = await adopt(id);
      return online ? online.view() : deps.exams.view(id);
    },
    log,
  );
  on(
    socket,
    "attempt:confirm",
    ConfirmPayload,
    async (p) => deps.exams.confirm(await own(p.attemptId, "attempt:confirm")),
    log,
  );
  on(
    socket,
    "attempt:answer",
    AnswerPayload,
    async (p) =>
      deps.exams.saveAnswer(await own(p.attemptId, "attempt:answer"), {
        seq: p.seq,
        index: p.index,
        choice: p.choice,
      }),
    log,
  );
  on(
    socket,
    "attempt:flag",
    FlagPayload,
    async (p) =>
      deps.exams.saveFlag(await own(p.attemptId, "attempt:flag"), {
        seq: p.seq,
        index: p.index,
        flagged: p.flagged,
      }),
    log,
  );
  on(
    socket,
    "attempt:submit",
    SubmitPayload,
    async (p) => deps.exams.submitByCandidate(await own(p.attemptId, "attempt:submit"), p.lastSeq),
    log,
  );

  socket.on("disconnect", () => {
    const attemptId = ownAttempt;
    if (!attemptId) return;
    // Offline only when no other socket of this candidate remains on any instance.
    const othersRemain = async (): Promise<boolean> => {
      const io = deps.io();
      const others = io
        ? await io
            .in(rooms.attempt(attemptId))
            .fetchSockets()
            .catch(() => [])
        : [];
      return others.length > 0;
    };
    deps.exams
      .markOffline(attemptId, othersRemain)
      .catch((err: unknown) => log.warn({ err, attemptId }, "marking a seat offline failed"));
  });
}
