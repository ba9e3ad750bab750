import type { CandidateQuestion } from "../contracts/paper.js";
import { errors } from "../lib/errors.js";

const TRUE_FALSE: readonly string[] = ["T", "F"];

/** The keys `question` offers, in the order shown: T and F for true/false, its option letters otherwise. */
export function offeredKeys(question: Pick<CandidateQuestion, "type" | "options">): readonly string[] {
  return question.type === "true_false" ? TRUE_FALSE : question.options.map((o) => o.key);
}

/**
 * Refuses `invalid_choice` when a saved answer is not one the question offers: a key that is not
 * one of its options (T/F for true/false, the letters shown for the others), or more than one key
 * on a single-choice or true/false question. The contract lets any of A–D, T, F through (up to
 * four); such an answer was stored, shown back to the candidate as answered, and graded as wrong
 * with no word to the page. O(keys) on the question as cached: the save path reads nothing for it.
 */
export function assertChoiceFits(
  question: Pick<CandidateQuestion, "type" | "options">,
  choice: readonly string[],
): void {
  if (choice.length === 0) return;
  // A key sent twice is one key (the save stores each once): only different keys are several.
  if (question.type !== "multiple" && choice.some((key) => key !== choice[0]))
    throw errors.badRequest("invalid_choice", "本题只能选择一个答案");
  for (const key of choice)
    if (!offers(question, key)) throw errors.badRequest("invalid_choice", `选项 ${key} 不是本题的选项`);
}

/**
 * Whether `key` is one of `offeredKeys(question)`, read off the question's options as they are:
 * listing them made an array on every save (issue 17), and a question has a handful.
 */
function offers(question: Pick<CandidateQuestion, "type" | "options">, key: string): boolean {
  if (question.type === "true_false") return TRUE_FALSE.includes(key);
  const options = question.options;
  for (let i = 0; i < options.length; i++) if (options[i]?.key === key) return true;
  return false;
}
