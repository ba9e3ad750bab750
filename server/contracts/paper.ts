import { z } from "zod";
import { CategoryCode } from "./categories.js";
import { MAX_PAPER_QUESTIONS, QuestionType } from "./question-bank.js";

/** A question's options as the paper shows them (A–D, or none for true/false). */
const PaperOptions = z.array(z.object({ key: z.string().max(1), text: z.string().max(500) })).max(4);
/** Keys in displayed or original lettering: A–D, or T/F. */
const Keys = z.array(z.string().max(1)).max(4);

/**
 * One question as frozen into a candidate's paper at assembly. A paper never changes after it is
 * built: it holds the question version it used, so later edits cannot alter it. Options are shown
 * re-lettered A–D in shuffled order; `optionOrder[i]` is the original key shown at position i, so
 * statistics can count distractors on the original keys.
 */
export const PaperQuestion = z.object({
  questionId: z.string().max(64),
  version: z.number().int().min(1),
  type: QuestionType,
  chapter: z.string().max(64),
  difficulty: z.number().int(),
  stem: z.string().max(2000),
  options: PaperOptions,
  optionOrder: Keys,
  /** Answer in the displayed lettering (T/F for true_false). Never sent to a candidate before submit. */
  answer: Keys,
  explanation: z.string().max(2000),
  points: z.number(),
  imageId: z.string().max(64).optional(),
});
export type PaperQuestion = z.infer<typeof PaperQuestion>;

/** A whole paper: the blueprint version it follows and the seed that rebuilds it for audit. */
export const Paper = z.object({
  categoryCode: CategoryCode,
  blueprintId: z.string().max(64),
  blueprintVersion: z.number().int(),
  seed: z.string().max(64),
  minutes: z.number().int(),
  passMark: z.number(),
  totalPoints: z.number(),
  multipleScoring: z.enum(["all_or_nothing", "partial"]),
  questions: z.array(PaperQuestion).max(MAX_PAPER_QUESTIONS),
});
export type Paper = z.infer<typeof Paper>;

/** What a candidate may see of a paper question: never the key, never the explanation. */
export const CandidateQuestion = z.object({
  index: z.number().int(),
  type: QuestionType,
  stem: z.string().max(2000),
  options: PaperOptions,
  points: z.number(),
  imageId: z.string().max(64).optional(),
});
export type CandidateQuestion = z.infer<typeof CandidateQuestion>;
