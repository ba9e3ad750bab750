import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
import { createRefusalBudget, type RefusalBudgetOptions } from "../lib/refusal-budget.js";
import { createRefusalSummaries } from "../lib/refusal-summary.js";
import { createAnswers } from "./answers.js";
import { createAttemptControls } from "./attempt-controls.js";
import { createCheckIn } from "./check-in.js";
import { createClosing } from "./closing.js";
import { createExamCore, type ExamServiceDeps } from "./exam-core.js";
import { SYSTEM, type Actor, type ExamDeliveryPort } from "./ports.js";
import { createPresence } from "./presence.js";
import { createQueries } from "./queries.js";
import { createRelease } from "./release.js";

export { DEFAULT_EXAM_OPTIONS, type ExamOptions, type ExamServiceDeps } from "./exam-core.js";

/**
 * A candidate's refusals of other attempts audited one by one: 1 a minute per candidate and 60 a
 * minute in all; the rest are counted and audited as one summary entry a minute (refusal-budget.ts,
 * as the proctor console's refusals are). Each was an audit transaction queued behind the node's
 * check-ins, releases and voids: kept per socket, one login opening hundreds of sockets wrote one
 * on each, every minute. Keyed by the candidate's sitting, whichever of their sockets asked (each
 * instance keeps its own budget, as the console's).
 */
const CANDIDATE_REFUSAL_BUDGET: RefusalBudgetOptions = {
  perSourcePerMinute: 1,
  totalPerMinute: 60,
  maxSources: 10_000,
};

/**
 * Exam delivery: check-in (paper frozen), release, saves with seq rules, submit, the deadline
 * sweep, grading with the result and `exam.passed` in one transaction, proctor controls, presence
 * and reads. A facade over the modules that do each part (see their files); it hands out DTOs and
 * plain data only, never a model or an attempt document.
 */
export function createExamService(ctx: FeatureContext, deps: ExamServiceDeps) {
  const core = createExamCore(ctx, deps);
  // Presence builds the candidate's view from the copy its connect write read (see markOnline).
  const presence = createPresence(core, (doc) => viewOf(doc));
  // `viewOf` takes an attempt document: it stays inside the feature (the service hands out DTOs).
  const { viewOf, ...queries } = createQueries(core, presence.liveInstances);
  const closing = createClosing(core);
  const checkIns = createCheckIn(core);
  const release = createRelease(core, queries.view);
  const answers = createAnswers(core, {
    view: queries.view,
    close: (attemptId, reason) => closing.closeAttempt(attemptId, reason, SYSTEM),
  });
  const controls = createAttemptControls(core, (attemptId, actor, uow) =>
    closing.closeAttempt(attemptId, "forced", actor, uow),
  );
  const refusals = createRefusalBudget(CANDIDATE_REFUSAL_BUDGET);
  const refusalSummaries = createRefusalSummaries({
    budget: refusals,
    logger: ctx.logger,
    write: (summary) =>
      deps.audit.record({
        action: "exam.cross_attempt_refused",
        actor: SYSTEM,
        target: null,
        details: { reason: "summary", refused: summary.count, candidates: summary.sources },
      }),
  });

  /**
   * Refuses (403, audited) an event a candidate aims at an attempt that is not theirs in the
   * session they signed in for: a login is issued for one sitting (准考证), so it does not reach the
   * same person's attempt in another room either. The refusal changes nothing else, so its entry is
   * an audit record of its own, within the candidate's budget (CANDIDATE_REFUSAL_BUDGET); past it the
   * refusal is only counted for the summary.
   */
  async function assertOwnAttempt(
    candidate: Actor & { candidateId: string; sessionId: string },
    attemptId: string,
    event: string,
  ): Promise<void> {
    const owner = await queries.ownerOf(attemptId);
    if (owner?.candidateId === candidate.candidateId && owner.sessionId === candidate.sessionId) return;
    if (!refusals.admit(`${candidate.sessionId}:${candidate.candidateId}`)) refusalSummaries.schedule();
    else
      await deps.audit.record({
        action: "exam.cross_attempt_refused",
        actor: { id: candidate.id, kind: candidate.kind, name: candidate.name },
        target: { type: "exam_attempt", id: attemptId },
        details: { event, candidateId: candidate.candidateId, sessionId: candidate.sessionId },
      });
    throw errors.forbidden("不能操作其他考生或其他场次的考试");
  }

  const service = {
    instanceId: core.instanceId,
    assertOwnAttempt,
    /** Audits the refusals still only counted (node shutdown). */
    closeRefusalSummaries: (): Promise<void> => refusalSummaries.close(),
    checkIn: checkIns.checkIn,
    retakeCheck: checkIns.retakeCheck,
    retakeBlockersOf: checkIns.retakeBlockersOf,
    passedCandidates: checkIns.passedCandidates,
    confirm: release.confirm,
    release: release.release,
    ...answers,
    closeAttempt: closing.closeAttempt,
    paperShowsImage: core.papers.paperShowsImage,
    sweepOnce: closing.sweepOnce,
    ...controls,
    ...presence,
    ...queries,
  };
  return service satisfies ExamDeliveryPort;
}
export type ExamService = ReturnType<typeof createExamService>;
