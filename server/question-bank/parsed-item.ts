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
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(题目)"}：${i.message}`);
  return { location, ref, outcome: "invalid", notes: [...notes, ...problems] };
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
