import type { CategoryCode } from "../contracts/categories.js";
import { QuestionInput, type BlueprintInput, type ImportFormat } from "../contracts/question-bank.js";

/**
 * What every import parser yields per item: a valid question, an item skipped because the format
 * construct has no roadcert equivalent, or an invalid item (which rejects the whole file unless the
 * caller asks for partial import).
 */
export interface ParsedItem {
  /** Human-readable place in the file: "第 12 行", "第 3 题「name」". */
  location: string;
  ref?: string;
  outcome: "ok" | "skipped" | "invalid";
  question?: QuestionInput;
  /** Why skipped/invalid, or what was dropped from an imported item. */
  notes: string[];
  /** An image the format embeds (Moodle XML base64 files); stored after the size/type check. */
  image?: { filename: string; data: Buffer };
}

export interface ParsedFile {
  format: ImportFormat;
  items: ParsedItem[];
  blueprints: BlueprintInput[];
  /** Problems with the file as a whole (not parseable at all). */
  fileErrors: string[];
}

/** What formats without categories or chapters (Moodle XML, GIFT, some CSVs) take from the import request. */
export interface ImportDefaults {
  categories?: CategoryCode[];
  chapter?: string;
  difficulty?: number;
}

/** Validates a candidate question with the contract; turns zod issues into readable notes. */
export function toItem(location: string, raw: Record<string, unknown>, notes: string[]): ParsedItem {
  const ref = typeof raw.ref === "string" ? raw.ref : undefined;
  const result = QuestionInput.safeParse(raw);
  if (result.success) return { location, ref, outcome: "ok", question: result.data, notes };
  const problems = result.error.issues.map(
    (i) => `${FIELD_LABEL[String(i.path[0])] ?? String(i.path[0] ?? "题目")}：${issueText(i)}`,
  );
  return { location, ref, outcome: "invalid", notes: [...notes, ...problems] };
}

const FIELD_LABEL: Record<string, string> = {
  ref: "编号（ref）",
  type: "题型（type）",
  stem: "题干（stem）",
  options: "选项（options）",
  answer: "答案（answer）",
  explanation: "解析（explanation）",
  chapter: "章节（chapter）",
  categories: "从业类别（categories）",
  difficulty: "难度（difficulty）",
  tags: "标签（tags）",
  source: "来源（source）",
};

/** zod's messages in the examiner's language; custom (contract) messages are already Chinese. */
function issueText(issue: { code: string; message: string; path: PropertyKey[]; input?: unknown }): string {
  if (issue.code === "custom") return issue.message;
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return issue.path[0] === "chapter" || issue.path[0] === "categories"
      ? "缺少此项（该格式不含此信息时，请在导入时指定默认值）"
      : "缺少此项";
  }
  if (issue.path[0] === "answer" && (issue.code === "invalid_union" || issue.code === "invalid_value"))
    return "答案须为 A–D（判断题为 T 或 F）";
  if (issue.code === "invalid_type") return "类型不正确";
  if (issue.code === "too_small") return "内容过短或过少";
  if (issue.code === "too_big") return "内容过长或过多";
  if (issue.code === "invalid_value") return "取值不在允许范围内";
  if (issue.code === "unrecognized_keys") return "含未知字段";
  return issue.message;
}

/** Strips HTML tags and decodes the common entities: roadcert stems are plain text. */
export function htmlToText(html: string): { text: string; hadMarkup: boolean; hadImage: boolean } {
  const hadImage = /<img\b/i.test(html);
  const hadMarkup = /<[a-z/][^>]*>/i.test(html);
  const text = html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+\n/g, "\n")
    .trim();
  return { text, hadMarkup, hadImage };
}

/** A short stable reference for formats that have none, derived from the question text. */
export function derivedRef(prefix: string, text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return `${prefix}-${(h >>> 0).toString(16).padStart(8, "0")}`;
}
