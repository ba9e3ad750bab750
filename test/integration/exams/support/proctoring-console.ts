import { createAccess } from "../../../../server/access/index.js";
import { createAuditService } from "../../../../server/audit/index.js";
import {
  createProctoringService,
  type ProctoringDeps,
  type ProctoringService,
} from "../../../../server/proctoring/index.js";
import { fixtureScheduling } from "../../../../scripts/bench/exam-fixtures.js";
import type { ExamNode } from "../../../../scripts/bench/exam-node.js";

/**
 * The proctor console over `node`'s own exam delivery, fixture scheduling and audit log, with
 * `over` swapped in; access reads sessions through the scheduling in use. Shared because the
 * proctoring suites that swap one dependency (a failing audit log, an exam port that answers
 * otherwise, a lookup that takes another form of the id) each built this same console by hand.
 */
export function proctoringConsoleOver(node: ExamNode, over: Partial<ProctoringDeps> = {}): ProctoringService {
  const scheduling = over.scheduling ?? fixtureScheduling(node.ctx.conn);
  return createProctoringService(node.ctx, {
    exams: node.delivery.exams,
    scheduling,
    audit: createAuditService(node.ctx.conn),
    access: createAccess({
      currentAccount: async (a) => a,
      sessionScope: (id) => scheduling.getSession(id),
    }),
    notifier: { toRoom: () => undefined },
    ...over,
  });
}
