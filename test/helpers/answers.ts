import type { AnswerPayload, CandidateAttemptDto } from "../../server/contracts/exams.js";
import { anOfferedChoice, offeredChoices, type OfferedQuestion } from "../../scripts/bench/exam-choices.js";

/**
 * Answers taken from the paper a test's candidate received, so every save names keys its question
 * offers (the server refuses any other `invalid_choice`). Tests answer right or wrong on purpose
 * with the tiny paper's `tinyKey`; these are for saves whose content does not matter.
 */

type Choice = AnswerPayload["choice"];

/** Question `index` of the paper `attempt` shows; throws when the paper is not released to it. */
function questionOf(
  attempt: Pick<CandidateAttemptDto, "questions"> | null,
  index: number,
): OfferedQuestion {
  const question = attempt?.questions?.[index];
  if (!question) throw new Error(`fixture: the candidate's paper has no question ${index} (not released?)`);
  return question;
}

/** The `n`-th one-key answer question `index` offers (n = 0, 1, … cycle through its keys). */
export function answerOf(
  attempt: Pick<CandidateAttemptDto, "questions"> | null,
  index: number,
  n = 0,
): Choice {
  return anOfferedChoice(questionOf(attempt, index), n);
}

/** The answers of a few shapes question `index` offers (one key each; pairs and all on multiple choice). */
export function answersOf(attempt: Pick<CandidateAttemptDto, "questions"> | null, index: number): Choice[] {
  return offeredChoices(questionOf(attempt, index));
}
