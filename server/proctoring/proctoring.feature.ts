import type { Access } from "../access/index.js";
import type { AuditPort, ExamDeliveryPort, Notifier, SchedulingPort } from "../exams/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { registerProctorHandlers } from "./proctor.socket.js";
import { proctoringRouter } from "./proctoring.routes.js";
import type { ProctoringDeps } from "./proctor-desk.js";
import { createProctoringService, type ProctoringService } from "./proctoring.service.js";

export interface ProctoringFeatureDeps {
  /** Exam delivery's narrow port: commands and DTOs, never an attempt document. */
  exams: ExamDeliveryPort;
  scheduling: SchedulingPort;
  audit: AuditPort;
  access: Access;
  /** Exam delivery's notifier: the console pushes to the same socket rooms. */
  notifier: Notifier;
  /** Exam delivery's clock (the database's): pauses, credits and projected deadlines read it. */
  now?: () => Date;
  /** Candidate logins (auth): the proctor lifts a seated candidate's lockout. */
  logins?: ProctoringDeps["logins"];
}

/** The proctor console as a node feature: the room snapshot route and the `proctor:*` socket handlers. */
export function createProctoringFeature(
  ctx: FeatureContext,
  deps: ProctoringFeatureDeps,
): { feature: Feature; proctoring: ProctoringService } {
  const proctoring = createProctoringService(ctx, deps);
  const feature: Feature = {
    name: "proctoring",
    router: proctoringRouter(proctoring, deps.access),
    onConnection(socket) {
      registerProctorHandlers(socket, proctoring, ctx.logger);
    },
    stop: () => proctoring.stop(),
  };
  return { feature, proctoring };
}
