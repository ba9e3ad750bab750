import { createHash } from "node:crypto";
import type { CategoryCode } from "../contracts/categories.js";
import { QuestionInput, type BlueprintInput } from "../contracts/question-bank.js";
import { type ImportFormat, type ImportItemCode } from "../contracts/question-import.js";

/** Whole-file faults: the shared reader type (server/lib), named here for the parsers. */
export { FileRefusal } from "../lib/file-refusal.js";
import { ownString } from "../lib/text-decode.js";
import { checkImage } from "./image.store.js";
import { questionContentHash } from "./content-hash.js";

/**
 * What every import parser yields per item: a valid question, an item skipped because the format
 * construct has no roadcert equivalent, or an invalid item (which rejects the whole file unless the
 * caller asks for partial import). A skipped or invalid item always says why with a stable code
 * (the report's ImportItemCode) besides its notes.
 */
export type ParsedItem = ParsedItemFields &
  ({ outcome: "ok"; code?: undefined } | { outcome: "skipped" | "invalid"; code: ImportItemCode });

interface ParsedItemFields {
  /** Human-readable place in the file: "第 12 行", "第 3 题「name」". */
  location: string;
  ref?: string;
  /**
   * The ref is no identifier the file's author chose for the bank: a digest of the content (the
   * file names no ref) or a GIFT/Moodle question's name ("Q1" repeats from quiz to quiz). It may
   * meet a different question of another category, so the writer does not overwrite on it alone
   * (import-match.ts).
   */
  weakRef?: boolean;
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

/**
 * Validates a candidate question with the contract; turns zod issues into readable notes.
 * `contentRefPrefix`: the file names no ref for this item, so a valid question's ref is derived
 * from its content (`contentRef`); `raw.ref` is then only a stand-in for the report.
 */
export function toItem(
  location: string,
  raw: Record<string, unknown>,
  notes: string[],
  contentRefPrefix?: string,
): ParsedItem {
  const plain = withPlainIdentity(raw);
  const ref = typeof plain.ref === "string" ? plain.ref : undefined;
  const result = QuestionInput.safeParse(plain);
  if (result.success && contentRefPrefix) {
    const question = { ...result.data, ref: contentRef(contentRefPrefix, result.data) };
    return { location, ref: question.ref, weakRef: true, outcome: "ok", question, notes };
  }
  if (result.success) return { location, ref, outcome: "ok", question: result.data, notes };
  const problems = result.error.issues.map(
    (i) => `${FIELD_LABEL[String(i.path[0])] ?? String(i.path[0] ?? "题目")}：${issueText(i)}`,
  );
  return { location, ref, outcome: "invalid", code: "invalid_item", notes: [...notes, ...problems] };
}

/**
 * A question's identity as the bank matches it: the ref trimmed and NFKC-normalised (full-width
 * letters and digits as plain ones), the chapter trimmed. "PF-1 " from a JSON file and "PF-1"
 * became two questions, and a ref of spaces only passed as a ref; now the first is the same ref
 * and the second is empty, which the contract refuses. The contract reads a ref so itself
 * (QuestionInput's `ref`); the import reads it so before the contract too, because an item the
 * contract refuses has no parsed ref, and its report and the repeated-ref check
 * (refuseRepeatedRefs) still name it by the ref the bank would match. The chapter is only trimmed:
 * NFKC would turn a chapter's full-width brackets into ASCII ones while the blueprint cells (the
 * contract's BlueprintCell) keep theirs, and the cell would no longer find its questions.
 */
export function withPlainIdentity<T>(raw: T): T {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const r = raw as Record<string, unknown>;
  return {
    ...raw,
    ...(typeof r.ref === "string" ? { ref: r.ref.normalize("NFKC").trim() } : {}),
    ...(typeof r.chapter === "string" ? { chapter: r.chapter.trim() } : {}),
  };
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
function issueText(issue: {
  code: string;
  message: string;
  path: PropertyKey[];
  input?: unknown;
  keys?: string[];
}): string {
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
  // Named, so the examiner knows which field would have been lost (an option's `image`, a typo).
  if (issue.code === "unrecognized_keys") return `含未知字段 ${(issue.keys ?? []).join("、")}`.trim();
  return issue.message;
}

/**
 * The ref of a question its file does not name: a digest of its type, stem and option texts. The
 * import matches questions by ref across the whole bank, so a ref must belong to one question:
 * one taken from the row number (`csv-row-2`) met row 2 of every other file and overwrote that
 * question, answer key included. The same text and options meet again (a corrected answer key or
 * explanation updates it); a changed stem or option is a new question. The categories are not part
 * of it: the same question imported for passenger and for freight drivers is one question serving
 * both (import-match.ts says when such a meeting is refused instead). 96 bits: no two questions
 * of a bank meet by chance.
 */
export function contentRef(
  prefix: string,
  q: { type: string; stem: string; options: readonly { key: string; text: string }[] },
): string {
  const content = JSON.stringify([q.type, q.stem, q.options.map((o) => [o.key, o.text])]);
  return `${prefix}-${createHash("sha256").update(content, "utf8").digest("hex").slice(0, 24)}`;
}

/**
 * Attaches the image a format embeds to a valid item, after the size/type check. Checked here, while
 * the file is read, so that an image the bank cannot keep makes its item invalid before anything is
 * written: checked only while writing, it skipped its item in the second pass and the rest of the
 * file was written and reported as imported, all-or-nothing notwithstanding (and a dry run showed
 * nothing wrong).
 */
export function withImage(item: ParsedItem, image: ParsedItem["image"]): ParsedItem {
  if (!image || item.outcome !== "ok") return item;
  try {
    checkImage(image.data);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      ...item,
      outcome: "invalid",
      code: "image_refused",
      question: undefined,
      notes: [...item.notes, `图片 ${image.filename} 不能导入：${why}`],
    };
  }
  return { ...item, image };
}

/**
 * The chapter a Moodle category path names: its last segment, after the `$course$/top/` context.
 * Moodle escapes a "/" inside a category name as "//" (question_category split_category_path),
 * so `安全//应急` is the one category 安全/应急, never the category 应急 under 安全.
 */
export function categoryLeaf(path: string): string | undefined {
  const segments = path
    .trim()
    .replace(/^\$(course|system|module|cat\d*)\$\/(top\/)?/, "")
    .replaceAll("//", "\u0000")
    .split("/")
    .map((s) => s.replaceAll("\u0000", "/").trim())
    .filter(Boolean);
  return segments.pop();
}

/** A chapter as one Moodle category path segment: "/" escaped as "//" (see categoryLeaf). */
export function categorySegment(chapter: string): string {
  return chapter.replaceAll("/", "//");
}

/** A short label for an item the report names before its content is known (a skipped GIFT essay). */
export function derivedRef(prefix: string, text: string): string {
  return `${prefix}-${hash32(text)}`;
}

function hash32(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * A question name as a ref (at most 64 characters). A longer name keeps its start and gets a hash
 * of the whole name, so two long names that share a start never collapse into one ref.
 */
export function fitRef(name: string): { ref: string; notes: string[] } {
  if (name.length <= 64) return { ref: name, notes: [] };
  const ref = `${name.slice(0, 55)}-${hash32(name)}`;
  return { ref, notes: [`名称超过 64 个字符，编号取为「${ref}」`] };
}

/** An earlier item the check refuses once a later one shows it to be wrong: its place in the file and why. */
export type EarlierRefusal = (index: number, note: string) => void;

/**
 * Refuses every later item that repeats an earlier item's ref in the same file: importing both
 * under one ref would store one and overwrite it with the other (and do so again on every re-import).
 * Runs as items stream past, keeping only the refs seen.
 *
 * The same question (type, stem and options as a candidate reads them: questionContentHash) under
 * two refs is caught too: it became two questions of the bank, and with two answer keys one of
 * them is wrong. Same
 * answer: the later one is refused as a repeat of the first, as a repeated ref is. Different
 * answers: both are refused, each naming the other, since the file cannot say which is right; the
 * earlier item has been handed on already, so it is refused through `refuseEarlier` (its index in
 * the file), which the reader's consumer applies to what it kept of it.
 *
 * Every item leaves with its location, ref and notes as copies of their own (ownString, notes
 * shared when equal): the map and the import's report keep them for the whole file, and a slice of
 * a decoded piece or a template's tree of parts would keep far more (100,000 locations were 43 MB).
 */
export function refuseRepeatedRefs(refuseEarlier?: EarlierRefusal): (item: ParsedItem) => ParsedItem {
  const seen = new Map<string, string>();
  const contents = new Map<string, { index: number; location: string; answer: string; refused: boolean }>();
  let index = -1;
  const notes = new Map<string, string>();
  const note = (text: string) => {
    let kept = notes.get(text);
    if (kept === undefined) notes.set(text, (kept = ownString(text)));
    return kept;
  };
  const refused = (item: ParsedItem, code: ImportItemCode, why: string): ParsedItem => ({
    ...item,
    outcome: "invalid",
    code,
    question: undefined,
    image: undefined,
    notes: [...item.notes, why],
  });
  return (parsed) => {
    index++;
    const location = ownString(parsed.location);
    const item: ParsedItem = {
      ...parsed,
      location,
      ...(parsed.ref === undefined ? {} : { ref: ownString(parsed.ref) }),
      notes: parsed.notes.map(note),
    };
    if (!item.ref) return item;
    const first = seen.get(item.ref);
    if (first !== undefined) {
      return refused(
        item,
        "repeated_ref",
        `编号「${item.ref}」与 ${first} 重复：同一文件中的题目名称/编号须唯一（同名会覆盖前一题），请改名后再导入`,
      );
    }
    seen.set(item.ref, location);
    if (item.outcome !== "ok" || !item.question) return item;
    // As the bank compares (content-hash.ts): spacing and width do not make another question.
    const key = questionContentHash(item.question);
    const answer = [...item.question.answer].sort().join("");
    const twin = contents.get(key);
    if (!twin) {
      contents.set(key, { index, location, answer, refused: false });
      return item;
    }
    if (twin.answer === answer) {
      return refused(
        item,
        "repeated_question",
        `与 ${twin.location} 是同一道题（题干和选项相同）、编号不同：同一题导入两次会成为题库中的两道题；请删去其中一题后再导入`,
      );
    }
    if (!twin.refused) {
      twin.refused = true;
      refuseEarlier?.(
        twin.index,
        `与 ${location} 是同一道题（题干和选项相同），但答案不同（本题 ${twin.answer}，该题 ${answer}）：请核对后只保留正确的一题`,
      );
    }
    return refused(
      item,
      "repeated_question",
      `与 ${twin.location} 是同一道题（题干和选项相同），但答案不同（本题 ${answer}，该题 ${twin.answer}）：请核对后只保留正确的一题`,
    );
  };
}

/** Applies an `EarlierRefusal` to an item the consumer kept. */
export function refuseEarlierItem(item: ParsedItem, why: string): ParsedItem {
  return {
    ...item,
    outcome: "invalid",
    code: "repeated_question",
    question: undefined,
    image: undefined,
    notes: [...item.notes, why],
  };
}

/**
 * Moodle's fractionsaddwrong (qtype_multichoice::save_question_options): a multiple-answer
 * question's positive weights, rounded to whole percent, must make 100%. Moodle refuses the
 * question otherwise, so a file that says 100% + 100% (or 100% + 50%) is a file Moodle cannot hold,
 * and which options the author meant as right is not certain: refused, never guessed.
 */
export function weightsAddWrong(total: number): string | null {
  if (Math.round(total) === 100) return null;
  return (
    `多选题正确选项的分值合计 ${Math.round(total * 100) / 100}%，须为 100%（Moodle 同样拒绝导入）：` +
    "请核对哪些选项正确，并使其分值之和为 100%（如两个各 50%）"
  );
}
