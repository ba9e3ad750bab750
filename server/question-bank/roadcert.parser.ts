import { BlueprintFile, type BlueprintInput } from "../contracts/question-bank.js";
import type { ParsedItem } from "./parsed-item.js";
import { FileRefusal, toItem } from "./parsed-item.js";

/**
 * Work counters for the scale tests: `chars` per character the scanning loops visit (strings,
 * brackets, spaces, the element split), `questions` per question parsed; a scan that restarts
 * from an earlier place shows up as more than one visit per character and pass.
 */
export const jsonWork = { chars: 0, questions: 0 };

/** A roadcert JSON file opened for import: the file's own faults, or its blueprint, or its questions. */
export interface RoadcertJson {
  fileErrors: string[];
  blueprints: BlueprintInput[];
  /** The questions, each parsed and checked as it is reached; throws FileRefusal for bad JSON in one. */
  items(): Generator<ParsedItem>;
}

/**
 * roadcert JSON: a question file (`"format": "roadcert-questions/1"`) or a blueprint file
 * (`"format": "roadcert-blueprint/1"`), as described by question-bank/schema/*.schema.json.
 * Each question is validated on its own so a bad item is reported by index and ref.
 *
 * A question file is never parsed whole: parsing 100,000 questions at once held them all as objects
 * (with their checked copies) through both of the importer's passes, 763 MB. Instead the top-level
 * `questions` array is located and split into its elements by one scan that only tracks strings and
 * brackets, JSON.parse checks the rest of the file with that array left empty, and each element is
 * handed to JSON.parse on its own when the importer reaches it. So every byte is still checked by
 * JSON.parse, and only one question's objects are alive at a time.
 */
export function openRoadcertJson(source: string): RoadcertJson {
  const text = source.replace(/^\uFEFF/, "");
  const refused = (fileErrors: string[]): RoadcertJson => ({ fileErrors, blueprints: [], items: empty });
  const found = findQuestionsArray(text);
  if ("error" in found) return refused([found.error]);
  let data: unknown;
  try {
    data = JSON.parse(
      found.span ? `${text.slice(0, found.span.open)}[]${text.slice(found.span.close + 1)}` : text,
    );
  } catch (err) {
    return refused([`不是合法的 JSON：${err instanceof Error ? err.message : String(err)}`]);
  }
  const obj =
    data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  if (!obj) return refused(["顶层须为对象"]);
  if (obj.format === "roadcert-blueprint/1") {
    // A blueprint file is small and checked whole (a questions key in it is an unknown field).
    const bp = BlueprintFile.safeParse(found.span ? JSON.parse(text) : obj);
    if (!bp.success) return refused(bp.error.issues.map((i) => `${i.path.join(".")}：${i.message}`));
    return { fileErrors: [], blueprints: [bp.data.blueprint], items: empty };
  }
  if (obj.format !== "roadcert-questions/1")
    return refused(['format 须为 "roadcert-questions/1" 或 "roadcert-blueprint/1"']);
  const fileErrors: string[] = [];
  const allowed = new Set(["format", "title", "note", "questions"]);
  for (const key of Object.keys(obj)) if (!allowed.has(key)) fileErrors.push(`未知字段：${key}`);
  if (typeof obj.title !== "string" || !obj.title) fileErrors.push("title：须为非空字符串");
  const span = found.span;
  if (!span || text.slice(span.open + 1, span.close).trim() === "")
    fileErrors.push("questions：须为非空数组");
  if (fileErrors.length || !span) return refused(fileErrors);
  // Repeated refs are refused by the importer for every format alike (refuseRepeatedRefs).
  return { fileErrors: [], blueprints: [], items: () => questionItems(text, span) };
}

function* empty(): Generator<ParsedItem> {}

function* questionItems(text: string, span: { open: number; close: number }): Generator<ParsedItem> {
  let i = 0;
  for (const [from, to, repeated] of arrayElements(text, span.open, span.close)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text.slice(from, to));
    } catch (err) {
      throw new FileRefusal(
        `不是合法的 JSON：questions[${i}]：${err instanceof Error ? err.message : String(err)}`,
      );
    }
    jsonWork.questions++;
    const q = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const ref = typeof q.ref === "string" ? q.ref : "";
    const location = `questions[${i}]${ref ? `（${ref}）` : ""}`;
    if (repeated !== null) {
      // JSON.parse keeps the last of two: {"answer":["A"],…,"answer":["C"]} imported C while the
      // examiner may have read A. As for `questions` twice in the file, a repeat is refused.
      yield {
        location,
        ...(ref ? { ref } : {}),
        outcome: "invalid",
        code: "malformed_item",
        notes: [`${location}：字段「${repeated}」出现了两次（JSON 只取最后一个），请删去多余的一个后再导入`],
      };
    } else yield toItem(location, q, []);
    i++;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]
const SPACE = /\s/;

/** Index of the quote that closes the string opened at `at`, or -1. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    jsonWork.chars++;
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

/** Index of the bracket closing the one at `open`, or -1 (strings skipped, brackets only counted). */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    jsonWork.chars++;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (OPENERS.has(c)) depth++;
    else if (CLOSERS.has(c) && --depth === 0) return i;
  }
  return -1;
}

/**
 * Where the top-level object's `questions` array is (its brackets), if it has one. Only a shape
 * that could be valid is looked into; anything else is left to JSON.parse to refuse with its reason.
 */
function findQuestionsArray(
  text: string,
): { span: { open: number; close: number } | null } | { error: string } {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return { span: null };
  let span: { open: number; close: number } | null = null;
  i = skipSpace(text, i + 1);
  while (i < text.length && text.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return { span };
    let key: unknown;
    try {
      key = JSON.parse(text.slice(i, keyEnd + 1));
    } catch {
      return { span };
    }
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 0x3a) return { span }; // :
    i = skipSpace(text, i + 1);
    const valueStart = i;
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (OPENERS.has(c)) i = closingBracket(text, i);
    else
      while (i + 1 < text.length && !/[,}\s]/.test(text.charAt(i + 1))) {
        jsonWork.chars++;
        i++;
      }
    if (i < 0) return { span };
    if (key === "questions" && c === 0x5b) {
      // JSON.parse would keep the last of two; two question lists in one file is a mistake to refuse.
      if (span) return { error: "不是合法的题目文件：questions 出现了两次" };
      span = { open: valueStart, close: i };
    }
    i = skipSpace(text, i + 1);
    if (text.charCodeAt(i) !== 0x2c) break; // ,
    i = skipSpace(text, i + 1);
  }
  return { span };
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && SPACE.test(text.charAt(i))) {
    jsonWork.chars++;
    i++;
  }
  return i;
}

/**
 * The [from, to) of each element of the array whose brackets are at `open` and `close`, and the
 * first key an object in it repeats (null if none), found in the same scan: JSON.parse keeps the
 * last of two equal keys without a word. Keys are compared as JSON.parse reads them (escapes
 * undone). The element's JSON itself is checked by JSON.parse.
 */
function* arrayElements(
  text: string,
  open: number,
  close: number,
): Generator<[number, number, string | null]> {
  // Per open bracket: the keys its object has named so far, or null for an array.
  const nesting: (Set<string> | null)[] = [];
  let keyNext = false;
  let repeated: string | null = null;
  let from = open + 1;
  for (let i = open + 1; i < close; i++) {
    jsonWork.chars++;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const keys = nesting.at(-1);
      if (keyNext && keys && end > i && repeated === null) {
        let key: unknown = null;
        try {
          key = JSON.parse(text.slice(i, end + 1));
        } catch {
          // Left to JSON.parse of the element to refuse with its reason.
        }
        if (typeof key === "string" && keys.has(key)) repeated = key;
        else if (typeof key === "string") keys.add(key);
      }
      keyNext = false;
      if (end < 0) break;
      i = end;
    } else if (c === 0x7b) {
      nesting.push(new Set());
      keyNext = true;
    } else if (c === 0x5b) {
      nesting.push(null);
      keyNext = false;
    } else if (CLOSERS.has(c)) {
      nesting.pop();
      keyNext = false;
    } else if (c === 0x2c && nesting.length === 0) {
      yield [from, i, repeated];
      from = i + 1;
      repeated = null;
    } else if (c === 0x2c) keyNext = nesting.at(-1) !== null;
  }
  yield [from, close, repeated];
}
