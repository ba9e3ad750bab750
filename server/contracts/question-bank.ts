import { z } from "zod";
import { CATEGORIES, CategoryCode } from "./categories.js";
import {
  BlueprintShape,
  MAX_BLUEPRINT_CELLS,
  QuestionOption,
  QuestionType,
  type BlueprintInput,
} from "./question-bank-input.js";
import { wholeNumber } from "./validation.js";

// What comes in (question and blueprint inputs, files, bounds) lives in question-bank-input.ts,
// re-exported here so every importer keeps one path; this file holds what leaves the bank.
export * from "./question-bank-input.js";

/** Bounds of server-produced text: ids, people's names, ISO timestamps. */
const Id = z.string().max(64);
const PersonName = z.string().max(64);
const Timestamp = z.string().max(40);
/** An answer key in displayed lettering: A–D, or T/F. */
const AnswerKeys = z.array(z.string().max(1)).max(4);

/** Workflow of one question version: draft → in_review → published → retired; an older published version becomes superseded when its successor is published. */
export const QuestionStatus = z.enum(["draft", "in_review", "published", "retired", "superseded"]);
export type QuestionStatus = z.infer<typeof QuestionStatus>;

/**
 * One question version as paper assembly sees it: published content, frozen. Assembly copies it
 * into the paper, so later edits (which create new versions) never reach an existing paper.
 */
export const BankQuestionSnapshot = z.object({
  id: Id,
  version: z.number().int().min(1),
  type: QuestionType,
  stem: z.string().max(2000),
  options: z.array(QuestionOption).max(4),
  answer: AnswerKeys,
  explanation: z.string().max(2000),
  chapter: z.string().max(64),
  categories: z.array(CategoryCode).max(Object.keys(CATEGORIES).length),
  difficulty: z.number().int().min(1).max(5),
  imageId: Id.optional(),
});
export type BankQuestionSnapshot = z.infer<typeof BankQuestionSnapshot>;

/** A blueprint version as assembly and sessions use it: `id` + `version` are what a session pins. */
export type Blueprint = BlueprintInput & { id: string; version: number };

/** One short cell when the bank cannot satisfy a blueprint (details of AppError `bank_insufficient`). */
export const BankShortfall = z.object({
  categoryCode: CategoryCode,
  type: QuestionType,
  chapter: z.string().max(64),
  needed: z.number().int(),
  available: z.number().int(),
});
export type BankShortfall = z.infer<typeof BankShortfall>;

/** A question auto-quarantine left in new papers: without it a blueprint in use falls short (`bank_in_use`). */
export const QuarantineKept = z.object({
  questionId: Id,
  version: z.number().int().min(1),
  ref: z.string().max(64).optional(),
  /** The `bank_in_use` refusal's message: which blueprints and cells. */
  message: z.string().max(2000),
});
export type QuarantineKeptDto = z.infer<typeof QuarantineKept>;

/** A review comment or workflow step on a question version (history). */
export const QuestionEvent = z.object({
  at: Timestamp,
  actorId: Id,
  actorName: PersonName,
  action: z.enum([
    "created",
    "edited",
    "submitted",
    "approved",
    "returned",
    "retired",
    "imported",
    "new_version",
    "quarantined",
    "released",
  ]),
  /** A reviewer's comment (≤ 1000) or an import's file name and version note. */
  comment: z.string().max(1000).optional(),
});
export type QuestionEvent = z.infer<typeof QuestionEvent>;

/** How many history steps of a version the question DTO carries (the newest). */
export const MAX_QUESTION_HISTORY = 200;

/** What examiners and reviewers see of one question version. */
export const QuestionDto = z.object({
  id: Id,
  version: z.number().int(),
  status: QuestionStatus,
  ref: z.string().max(64),
  type: QuestionType,
  stem: z.string().max(2000),
  options: z.array(QuestionOption).max(4),
  answer: AnswerKeys,
  explanation: z.string().max(2000),
  chapter: z.string().max(64),
  categories: z.array(CategoryCode).max(Object.keys(CATEGORIES).length),
  difficulty: z.number().int(),
  tags: z.array(z.string().max(32)).max(20),
  source: z.string().max(200),
  imageId: Id.optional(),
  authorId: Id,
  authorName: PersonName,
  reviewerId: Id.optional(),
  /**
   * Everyone who wrote content of this version (author and editors, from its whole history, not
   * only the steps below): none of them may review it, and the pages say so before anyone tries.
   */
  contributorIds: z.array(Id).max(MAX_QUESTION_HISTORY),
  quarantined: z.boolean(),
  /** The version's latest MAX_QUESTION_HISTORY steps (the presenter keeps the newest). */
  history: z.array(QuestionEvent).max(MAX_QUESTION_HISTORY),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type QuestionDto = z.infer<typeof QuestionDto>;

/** How many questions the review queue answers at once (the oldest waiting first). */
export const REVIEW_QUEUE_LIMIT = 200;

/**
 * One question waiting for review, with the published version approving it would replace (null
 * for a question never published): the reviewer must see what changed, an answer key above all.
 */
export const ReviewQueueItem = QuestionDto.extend({ replaces: QuestionDto.nullable() });
export type ReviewQueueItem = z.infer<typeof ReviewQueueItem>;

export const ReviewQueueDto = z.object({
  items: z.array(ReviewQueueItem).max(REVIEW_QUEUE_LIMIT),
  /** All waiting in the filter, beyond the first REVIEW_QUEUE_LIMIT too. */
  total: z.number().int(),
});
export type ReviewQueueDto = z.infer<typeof ReviewQueueDto>;

/** What examiners see of a blueprint version, with whether the current bank can assemble it. */
export const BlueprintDto = BlueprintShape.extend({
  id: Id,
  version: z.number().int(),
  status: z.enum(["draft", "published", "retired"]),
  createdBy: Id,
  createdAt: Timestamp,
});
export type BlueprintDto = z.infer<typeof BlueprintDto>;

/** Result of checking a blueprint against the published bank. */
export const FeasibilityDto = z.object({
  feasible: z.boolean(),
  cells: z
    .array(
      z.object({
        type: QuestionType,
        chapter: z.string().max(64),
        needed: z.number().int(),
        available: z.number().int(),
      }),
    )
    .max(MAX_BLUEPRINT_CELLS),
  shortfalls: z.array(BankShortfall).max(MAX_BLUEPRINT_CELLS * 7),
  totalQuestions: z.number().int(),
  totalPoints: z.number(),
});
export type FeasibilityDto = z.infer<typeof FeasibilityDto>;


/** GET /api/question-bank/questions: the list filters (query strings, coerced on the server). */
export const QuestionListQuery = z
  .object({
    categoryCode: CategoryCode.optional(),
    status: QuestionStatus.optional(),
    type: QuestionType.optional(),
    chapter: z.string().max(64).optional(),
    q: z.string().max(100).optional(),
    quarantined: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    page: wholeNumber(1, 10_000).optional(),
    pageSize: wholeNumber(1, 500).optional(),
  })
  .strict();
