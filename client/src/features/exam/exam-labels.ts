import type { CandidateAttemptDto, CloseReason } from "@contracts/exams.js";
import { QUESTION_TYPE_NAMES } from "@contracts/question-bank.js";

/**
 * The question types as the sheet names them: the names the editor and the bank use (判断题 /
 * 单选题 / 多选题), so a candidate and an examiner speak of the same 多选题.
 */
export const QUESTION_TYPE_LABELS = QUESTION_TYPE_NAMES;

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
  all_or_nothing: "多选题须全部选对才得分。",
  partial: "多选题少选按所选正确项的比例得分，选错任何一项不得分。",
};

/** True/false questions show two fixed answers. */
export const TRUE_FALSE_OPTIONS = [
  { key: "T", text: "正确" },
  { key: "F", text: "错误" },
];
