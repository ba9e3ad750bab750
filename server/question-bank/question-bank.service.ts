import type { FeatureContext } from "../feature.js";
import { createBankCore, type QuestionBankDeps } from "./bank-core.js";
import { createBlueprints } from "./blueprints.js";
import type { ResponsesPort } from "./ports.js";
import { createQuestionAuthoring } from "./question-authoring.js";
import { createQuestionQueries } from "./question-queries.js";
import { createQuestionReview } from "./question-review.js";

export { sameContent, STATUS_LABEL, type QuestionBankDeps } from "./bank-core.js";
export type { QuestionListQuery } from "./question-queries.js";

/**
 * The question bank service: questions and their review workflow, versions, blueprints, paper
 * assembly from published content, item statistics and quarantine. A facade over the modules that
 * do each part (authoring, review, queries, blueprints; see their files).
 */
export function createQuestionBankService(ctx: FeatureContext, deps: QuestionBankDeps = {}) {
  const core = createBankCore(ctx, deps);
  return {
    models: { Questions: core.Questions, Blueprints: core.Blueprints },
    images: core.images,

    /** Lets the exam feature supply finished attempts' responses after both are built. */
    useResponses(port: ResponsesPort): void {
      core.responses.port = port;
    },

    ...createQuestionQueries(core),
    ...createQuestionAuthoring(core),
    ...createQuestionReview(core),
    ...createBlueprints(core),
  };
}

export type QuestionBankService = ReturnType<typeof createQuestionBankService>;
