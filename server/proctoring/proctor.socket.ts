import {
  ApproveExtensionPayload,
  CheckInPayload,
  CreditOutagePayload,
  UnlockLoginPayload,
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
import { on } from "../lib/socket-ack.js";
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
  on(
    socket,
    "proctor:watch",
    WatchPayload,
    async (p) => {
      const session = await proctoring.authorizeWatch(user, p.sessionId);
      // Joined before the room is read: a seat pushed between a read and a later join was in
      // neither. A push between the join and the read is seen twice, which the console takes as
      // it takes any update. The room of the session found, as its updates are sent: not of the
      // id as sent.
      const joined = rooms.session(session.id);
      const watching = socket.rooms.has(joined);
      await socket.join(joined);
      try {
        return await proctoring.roomOf(session);
      } catch (err) {
        // A watch that failed leaves the console as it was.
        if (!watching) await socket.leave(joined);
        throw err;
      }
    },
    logger,
  );
  on(
    socket,
    "proctor:unwatch",
    WatchPayload,
    async (p) => {
      // The payload's id is canonical (RecordId lower-cases an ObjectId), the form `proctor:watch`
      // joined by: an id left as typed left a room the console was never in, and it went on receiving.
      await socket.leave(rooms.session(p.sessionId));
      return { sessionId: p.sessionId };
    },
    logger,
  );
  on(socket, "proctor:check_in", CheckInPayload, (p) => proctoring.checkIn(user, p), logger);
  on(
    socket,
    "proctor:release",
    ReleasePayload,
    (p) => proctoring.release(user, p.sessionId, p.attemptIds, p.earlyReason),
    logger,
  );
  on(
    socket,
    "proctor:pause",
    PausePayload,
    (p) => proctoring.pause(user, p.sessionId, p.attemptIds, p.reason),
    logger,
  );
  on(
    socket,
    "proctor:resume",
    ResumePayload,
    (p) => proctoring.resume(user, p.sessionId, p.attemptIds),
    logger,
  );
  on(socket, "proctor:extend", ExtendPayload, (p) => proctoring.extend(user, p), logger);
  on(
    socket,
    "proctor:approve_extension",
    ApproveExtensionPayload,
    (p) => proctoring.approveExtension(user, p.attemptId, p.requestId, p.approve),
    logger,
  );
  on(
    socket,
    "proctor:force_submit",
    ForceSubmitPayload,
    (p) => proctoring.forceSubmit(user, p.attemptId, p.reason),
    logger,
  );
  on(socket, "proctor:void", VoidPayload, (p) => proctoring.voidAttempt(user, p.attemptId, p.note), logger);
  on(socket, "proctor:incident", IncidentPayload, (p) => proctoring.incident(user, p), logger);
  on(socket, "proctor:credit_outage", CreditOutagePayload, (p) => proctoring.creditOutage(user, p), logger);
  on(socket, "proctor:unlock_login", UnlockLoginPayload, (p) => proctoring.unlockLogin(user, p), logger);
}
