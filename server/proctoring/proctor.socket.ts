import {
  ApproveExtensionPayload,
  CheckInPayload,
  CreditOutagePayload,
  ExtendPayload,
  ForceSubmitPayload,
  IncidentPayload,
  PausePayload,
  ReleasePayload,
  ResumePayload,
  VoidPayload,
  WatchPayload,
} from "../contracts/exams.js";
import { rooms } from "../exams/index.js";
import type { Logger } from "../lib/logger.js";
import { withAck } from "../lib/socket-ack.js";
import type { AppSocket } from "../lib/socket-types.js";
import type { ProctoringService } from "./proctoring.service.js";

/** Registers the proctor console's `proctor:*` handlers for a staff socket (authorised per session). */
export function registerProctorHandlers(
  socket: AppSocket,
  proctoring: ProctoringService,
  logger: Logger,
): void {
  const user = socket.data.user;
  if (!user || user.kind !== "staff" || !user.roles.some((r) => r === "proctor" || r === "officer")) return;
  socket.on(
    "proctor:watch",
    withAck(
      WatchPayload,
      async (p) => {
        const room = await proctoring.room(user, p.sessionId);
        await socket.join(rooms.session(p.sessionId));
        return room;
      },
      logger,
    ),
  );
  socket.on(
    "proctor:unwatch",
    withAck(
      WatchPayload,
      async (p) => {
        await socket.leave(rooms.session(p.sessionId));
        return { sessionId: p.sessionId };
      },
      logger,
    ),
  );
  socket.on(
    "proctor:check_in",
    withAck(CheckInPayload, (p) => proctoring.checkIn(user, p), logger),
  );
  socket.on(
    "proctor:release",
    withAck(ReleasePayload, (p) => proctoring.release(user, p.sessionId, p.attemptIds), logger),
  );
  socket.on(
    "proctor:pause",
    withAck(PausePayload, (p) => proctoring.pause(user, p.sessionId, p.attemptIds, p.reason), logger),
  );
  socket.on(
    "proctor:resume",
    withAck(ResumePayload, (p) => proctoring.resume(user, p.sessionId, p.attemptIds), logger),
  );
  socket.on(
    "proctor:extend",
    withAck(ExtendPayload, (p) => proctoring.extend(user, p), logger),
  );
  socket.on(
    "proctor:approve_extension",
    withAck(
      ApproveExtensionPayload,
      (p) => proctoring.approveExtension(user, p.attemptId, p.requestId, p.approve),
      logger,
    ),
  );
  socket.on(
    "proctor:force_submit",
    withAck(ForceSubmitPayload, (p) => proctoring.forceSubmit(user, p.attemptId, p.reason), logger),
  );
  socket.on(
    "proctor:void",
    withAck(VoidPayload, (p) => proctoring.voidAttempt(user, p.attemptId, p.note), logger),
  );
  socket.on(
    "proctor:incident",
    withAck(IncidentPayload, (p) => proctoring.incident(user, p), logger),
  );
  socket.on(
    "proctor:credit_outage",
    withAck(CreditOutagePayload, (p) => proctoring.creditOutage(user, p), logger),
  );
}
