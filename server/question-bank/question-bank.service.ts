import type { FeatureContext } from "../feature.js";
import { createBankCore, type QuestionBankDeps } from "./bank-core.js";
import { createBankInUse } from "./bank-in-use.js";
import { createBlueprints } from "./blueprints.js";
import type { PaperImagesPort, ResponsesPort } from "./ports.js";
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
  // One guard for every change that can leave a blueprint in use short (bank-in-use.ts).
  const inUse = createBankInUse(core);
  let paperImages: PaperImagesPort | undefined;
  return {
    models: { Questions: core.Questions, Blueprints: core.Blueprints },
    images: core.images,

    /** Lets the exam feature supply finished attempts' responses after both are built. */
    useResponses(port: ResponsesPort): void {
      core.responses.port = port;
    },

    /** Lets the exam feature say which images a candidate's own paper shows. */
    usePaperImages(port: PaperImagesPort): void {
      paperImages = port;
    },

    /**
     * Whether a candidate may see an image: only one their own paper shows. Image ids come from a
     * clock and a counter, so any signed-in candidate could otherwise fetch draft questions' images.
     */
    async candidateSeesImage(candidate: { candidateId: string; sessionId: string }, imageId: string) {
      return (await paperImages?.(candidate.candidateId, candidate.sessionId, imageId)) ?? false;
    },

    ...createQuestionQueries(core),
    ...createQuestionAuthoring(core),
    ...createQuestionReview(core, inUse),
    ...createBlueprints(core, inUse),
  };
}

export type QuestionBankService = ReturnType<typeof createQuestionBankService>;
