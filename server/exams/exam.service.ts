import type { FeatureContext } from "../feature.js";
import { errors } from "../lib/errors.js";
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

  /**
   * Refuses (403, audited) an event a candidate aims at an attempt that is not theirs in the
   * session they signed in for: a login is issued for one sitting (准考证), so it does not reach the
   * same person's attempt in another room either. The refusal changes nothing else, so its entry is
   * an audit record of its own (`audit: false`: the caller audited this source's refusals lately).
   */
  async function assertOwnAttempt(
    candidate: Actor & { candidateId: string; sessionId: string },
    attemptId: string,
    event: string,
    options: { audit: boolean } = { audit: true },
  ): Promise<void> {
    const owner = await queries.ownerOf(attemptId);
    if (owner?.candidateId === candidate.candidateId && owner.sessionId === candidate.sessionId) return;
    if (options.audit)
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
