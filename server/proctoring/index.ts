/**
 * Proctoring (监考): the live console of a session's room.
 *
 * Glossary
 * - seat state: not arrived, checked in, ready, in progress (answered/total, time left),
 *   disconnected since, submitted (score), voided.
 * - pause / resume: stops a candidate's clock; the paused time is added back on resume.
 * - extension: extra minutes with a reason, optionally waiting for a second approver.
 * - outage credit: what each seat lost when many seats of a room drop together, applied by the proctor.
 * - incident: environment / candidate / staff / technical report.
 *
 * Every action is authorised by the access layer (`session:proctor`, `session:watch`) against the
 * session's test centre and audited. Attempts change only through exam delivery's narrow port
 * (`ExamDeliveryPort`: commands and DTOs).
 */
export {
  createProctoringService,
  toActor,
  type ProctoringDeps,
  type ProctoringService,
} from "./proctoring.service.js";
export { registerProctorHandlers } from "./proctor.socket.js";
export {
  findOutage,
  proposeOutageCredit,
  DEFAULT_OUTAGE_RULE,
  type AwayInterval,
  type FoundOutage,
  type OutageRule,
} from "./outage.js";
export { createProctoringFeature, type ProctoringFeatureDeps } from "./proctoring.feature.js";
