/**
 * Scheduling (考试安排): exam sessions (场次) in a test-centre room for one category, seat
 * assignments (排座), and admission tickets (准考证, number = login secret with the ID number).
 *
 * For exam delivery: `getSession(sessionId)`, `listAssignments(sessionId)` on the service
 * (DTOs in server/contracts/scheduling.ts). Retake policy at scheduling time is an injected
 * `retakeCheck` port (one candidate being seated) and `retakeBlockersOf` (everyone seated in a
 * session that moves, in one ask).
 */
export {
  createSchedulingService,
  type RetakeBlockers,
  type RetakeCheck,
  type SchedulingOptions,
  type SchedulingService,
} from "./scheduling.service.js";
export { schedulingRouter } from "./scheduling.routes.js";
export { createPinnedBlueprints } from "./pinned-blueprints.js";
export { sessionReferences } from "./audit-names.js";

import type { Access } from "../access/index.js";
import type { Feature } from "../feature.js";
import { schedulingRouter as buildRouter } from "./scheduling.routes.js";
import type { SchedulingService as Service } from "./scheduling.service.js";

/** The scheduling feature's REST API. */
export function createSchedulingFeature(sched: Service, access: Access): Feature {
  return { name: "scheduling", router: buildRouter(sched, access) };
}
