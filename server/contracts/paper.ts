import { z } from "zod";
import { CategoryCode } from "./categories.js";
import { QuestionType } from "./question-bank.js";

/**
 * One question as frozen into a candidate's paper at assembly. A paper never changes after it is
 * built: it holds the question version it used, so later edits cannot alter it. Options are shown
 * re-lettered A–D in shuffled order; `optionOrder[i]` is the original key shown at position i, so
 * statistics can count distractors on the original keys.
 */
export const PaperQuestion = z.object({
  questionId: z.string(),
  version: z.number().int().min(1),
  type: QuestionType,
  chapter: z.string(),
  difficulty: z.number().int(),
  stem: z.string(),
  options: z.array(z.object({ key: z.string(), text: z.string() })),
  optionOrder: z.array(z.string()),
  /** Answer in the displayed lettering (T/F for true_false). Never sent to a candidate before submit. */
  answer: z.array(z.string()),
  explanation: z.string(),
  points: z.number(),
  imageId: z.string().optional(),
});
export type PaperQuestion = z.infer<typeof PaperQuestion>;

/** A whole paper: the blueprint version it follows and the seed that rebuilds it for audit. */
export const Paper = z.object({
  categoryCode: CategoryCode,
  blueprintId: z.string(),
  blueprintVersion: z.number().int(),
  seed: z.string(),
  minutes: z.number().int(),
  passMark: z.number(),
  totalPoints: z.number(),
  multipleScoring: z.enum(["all_or_nothing", "partial"]),
  questions: z.array(PaperQuestion),
});
export type Paper = z.infer<typeof Paper>;

/** What a candidate may see of a paper question: never the key, never the explanation. */
export const CandidateQuestion = z.object({
  index: z.number().int(),
  type: QuestionType,
  stem: z.string(),
  options: z.array(z.object({ key: z.string(), text: z.string() })),
  points: z.number(),
  imageId: z.string().optional(),
});
export type CandidateQuestion = z.infer<typeof CandidateQuestion>;
