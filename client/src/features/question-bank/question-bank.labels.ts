import { CATEGORIES, type CategoryCode } from "@contracts/categories.js";
import { QUESTION_TYPE_NAMES, type QuestionStatus } from "@contracts/question-bank.js";

/** The contract's names, the ones the server's refusals use too. */
export const TYPE_LABEL = QUESTION_TYPE_NAMES;

export const STATUS_LABEL: Record<QuestionStatus, string> = {
  draft: "草稿",
  in_review: "审核中",
  published: "已发布",
  retired: "已停用",
  superseded: "已被新版本取代",
};

/** Element Plus tag colour per status. */
export const STATUS_TAG: Record<QuestionStatus, "info" | "warning" | "success" | "danger" | "primary"> = {
  draft: "info",
  in_review: "warning",
  published: "success",
  retired: "danger",
  superseded: "info",
};

export const ACTION_LABEL: Record<string, string> = {
  created: "创建",
  edited: "修改",
  submitted: "提交审核",
  approved: "审核通过",
  returned: "退回修改",
  retired: "停用",
  imported: "导入",
  new_version: "生成新版本",
  quarantined: "暂停组卷",
  released: "恢复组卷",
};

export const FLAG_LABEL: Record<string, string> = {
  negative_discrimination: "区分度为负",
  low_discrimination: "区分度偏低",
  too_easy: "过易",
  too_hard: "过难",
  few_responses: "作答人数少",
};

/**
 * The categories for a picker, labelled by name as every other page names them; a picker shows the
 * code only as muted secondary text beside it (`<span class="rc-option-code">`), never as the label.
 */
export const CATEGORY_OPTIONS = (Object.entries(CATEGORIES) as [CategoryCode, string][]).map(
  ([code, name]) => ({ value: code, label: name }),
);

/** Chapters named in shared/DOMAIN.md, offered as suggestions (free text is allowed). */
export const CHAPTER_SUGGESTIONS = [
  "职业道德和法律法规",
  "安全行车",
  "应急处置和紧急救护",
  "汽车使用技术",
  "客运知识",
  "货运知识",
  "法规",
  "危险货物特性",
  "运输与装卸",
  "车辆与设备",
  "应急处置",
];
