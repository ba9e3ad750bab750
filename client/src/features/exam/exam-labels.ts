import type { CandidateAttemptDto, CloseReason } from "@contracts/exams.js";
import type { QuestionType } from "@contracts/question-bank.js";

/** Chinese labels the candidate pages show. */
export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  true_false: "判断题",
  single: "单项选择题",
  multiple: "多项选择题",
};

export const CLOSE_REASON_LABELS: Record<CloseReason, string> = {
  candidate: "考生交卷",
  deadline: "考试时间到，系统自动交卷",
  forced: "监考员收卷",
  voided: "考试成绩作废",
};

/** How a multiple-choice question scores, as its paper's blueprint says: beside each question … */
export const MULTIPLE_SCORING_HINTS: Record<CandidateAttemptDto["multipleScoring"], string> = {
  all_or_nothing: "（可选多项，全部选对得分）",
  partial: "（可选多项，少选按比例得分，错选不得分）",
};

/** … and in the waiting room's rules. */
export const MULTIPLE_SCORING_RULES: Record<CandidateAttemptDto["multipleScoring"], string> = {
  all_or_nothing: "多项选择题须全部选对才得分。",
  partial: "多项选择题少选按所选正确项的比例得分，选错任何一项不得分。",
};

/** True/false questions show two fixed answers. */
export const TRUE_FALSE_OPTIONS = [
  { key: "T", text: "正确" },
  { key: "F", text: "错误" },
];
