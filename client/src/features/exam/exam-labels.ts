import type { CloseReason } from "@contracts/exams.js";
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

/** True/false questions show two fixed answers. */
export const TRUE_FALSE_OPTIONS = [
  { key: "T", text: "正确" },
  { key: "F", text: "错误" },
];
