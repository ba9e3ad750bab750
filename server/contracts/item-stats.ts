import { z } from "zod";

/**
 * One candidate's response to one paper question in a finished attempt: the input to item
 * statistics. The exam feature provides these through the question bank's `responses` port.
 */
export const ItemResponse = z.object({
  attemptId: z.string().max(64),
  questionId: z.string().max(64),
  version: z.number().int().min(1),
  /** The paper question's `optionOrder`: the original key shown at each displayed position. */
  optionOrder: z.array(z.string().max(1)).max(4),
  /** Keys the candidate chose, in the displayed lettering (T/F for true_false); empty when unanswered. */
  chosen: z.array(z.string().max(1)).max(4),
  /** Whether the item was scored fully correct. */
  correct: z.boolean(),
  /** Points awarded for this item (so the rest score can exclude it). */
  awarded: z.number(),
  /** The candidate's total score on the whole paper. */
  totalScore: z.number(),
});
export type ItemResponse = z.infer<typeof ItemResponse>;

/** Why an item needs an examiner's look. */
export const ItemFlag = z.enum([
  "negative_discrimination",
  "low_discrimination",
  "too_easy",
  "too_hard",
  "few_responses",
]);
export type ItemFlag = z.infer<typeof ItemFlag>;

/** Classical test statistics of one question version (Moodle's quiz statistics are the anchor). */
export const ItemStat = z.object({
  questionId: z.string().max(64),
  version: z.number().int(),
  responses: z.number().int(),
  /** Proportion fully correct (0–1). */
  facility: z.number(),
  /** Corrected point-biserial: item (0/1) against the rest score; null when undefined (no variance). */
  discrimination: z.number().nullable(),
  /** Choices counted per ORIGINAL option key (or T/F), plus "blank" for unanswered. */
  // Keys are A–D, T/F and "blank".
  distractors: z.record(z.string().max(8), z.number().int()).meta({ maxProperties: 7 }),
  flags: z.array(ItemFlag).max(ItemFlag.options.length),
  quarantined: z.boolean(),
  /** The version's reference and stem, for the examiner's table (absent when the version is unknown here). */
  ref: z.string().max(64).optional(),
  stem: z.string().max(2000).optional(),
});
export type ItemStat = z.infer<typeof ItemStat>;
