import type { FeatureContext } from "../feature.js";
import { createBankCore, type BankCore, type QuestionBankDeps } from "./bank-core.js";
import { createBankInUse, type BankInUse } from "./bank-in-use.js";
import { createBlueprints } from "./blueprints.js";
import type { PaperImagesPort, ResponsesPort } from "./ports.js";
import { createQuestionAuthoring } from "./question-authoring.js";
import { createQuestionQueries } from "./question-queries.js";
import { createQuestionReview } from "./question-review.js";

export { sameContent, STATUS_LABEL, type QuestionBankDeps } from "./bank-core.js";
export type { QuestionListQuery } from "./question-queries.js";

/** The bank's machinery: its core and the blueprints-in-use check, built once per node. */
export interface BankParts {
  core: BankCore;
  inUse: BankInUse;
}

/** Builds the bank's machinery; the service and the node's import share one (question-bank.feature.ts). */
export function createBankParts(ctx: FeatureContext, deps: QuestionBankDeps = {}): BankParts {
  const core = createBankCore(ctx, deps);
  // One guard for every change that can leave a blueprint in use short (bank-in-use.ts).
  return { core, inUse: createBankInUse(core) };
}

/**
 * The question bank service: questions and their review workflow, versions, blueprints, paper
 * assembly from published content, item statistics and quarantine. A facade over the modules that
 * do each part (authoring, review, queries, blueprints; see their files). `parts`: the machinery
 * when the caller shares it (built from the same `deps`); else the service builds its own.
 */
export function createQuestionBankService(
  ctx: FeatureContext,
  deps: QuestionBankDeps = {},
  parts: BankParts = createBankParts(ctx, deps),
) {
  const { core, inUse } = parts;
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
