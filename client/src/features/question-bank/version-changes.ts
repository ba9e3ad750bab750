import { CATEGORIES } from "@contracts/categories.js";
import { ownEntry } from "@contracts/own-entry.js";
import type { QuestionDto } from "@contracts/question-bank.js";
import { TYPE_LABEL } from "./question-bank.labels.js";

/** One field a new version changes, worded as the reviewer reads it. */
export interface VersionChange {
  /** Stable per field ("stem", "option-A", "answer", …): tests and row keys. */
  field: string;
  label: string;
  before: string;
  after: string;
}

const EMPTY = "（空）";
const NONE = "（无）";
const KEYS = ["A", "B", "C", "D"] as const;

const text = (s: string) => (s.trim() ? s : EMPTY);
const list = (items: readonly string[]) => (items.length ? items.join("、") : NONE);
// From the contracts, as the shared categoryName does, so that this module stays pure to test.
const categoryName = (code: string) => ownEntry(CATEGORIES, code) ?? code;

/** 正确/错误 for a true/false key, the letters otherwise: how the editor and the paper say it. */
function answerText(q: QuestionDto): string {
  if (q.type === "true_false") return q.answer[0] === "T" ? "正确" : q.answer[0] === "F" ? "错误" : NONE;
  return list([...q.answer].sort());
}

function optionText(q: QuestionDto, key: string): string {
  return q.options.find((o) => o.key === key)?.text ?? NONE;
}

/** Only whether there is a picture and whether it was replaced: the ids mean nothing to people. */
function imageText(q: QuestionDto, other: QuestionDto, side: "before" | "after"): string {
  if (!q.imageId) return NONE;
  if (!other.imageId) return "有";
  return side === "before" ? "原图片" : "已更换为另一张图片";
}

/**
 * What `after` changes from `before`, field by field in the editor's order; an empty list when the
 * two say the same. Categories and tags compare as sets (their order means nothing); everything a
 * candidate sees or is marked by (type, stem, options, answer, picture) is compared exactly.
 */
export function versionChanges(before: QuestionDto, after: QuestionDto): VersionChange[] {
  const field = (key: string, label: string, b: string, a: string, differs = b !== a) =>
    differs ? [{ field: key, label, before: b, after: a }] : [];
  const names = (q: QuestionDto) => list([...q.categories].sort().map(categoryName));
  return [
    ...field("type", "题型", TYPE_LABEL[before.type], TYPE_LABEL[after.type]),
    ...field("stem", "题干", text(before.stem), text(after.stem)),
    ...field(
      "image",
      "试题图片",
      imageText(before, after, "before"),
      imageText(after, before, "after"),
      (before.imageId ?? null) !== (after.imageId ?? null),
    ),
    ...KEYS.flatMap((k) => field(`option-${k}`, `选项 ${k}`, optionText(before, k), optionText(after, k))),
    ...field("answer", "答案", answerText(before), answerText(after)),
    ...field("explanation", "解析", text(before.explanation), text(after.explanation)),
    ...field("chapter", "章节", text(before.chapter), text(after.chapter)),
    ...field("categories", "从业类别", names(before), names(after)),
    ...field("difficulty", "难度", String(before.difficulty), String(after.difficulty)),
    ...field("tags", "标签", list([...before.tags].sort()), list([...after.tags].sort())),
    ...field("source", "来源说明", text(before.source), text(after.source)),
  ];
}
