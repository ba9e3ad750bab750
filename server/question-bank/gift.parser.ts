import {
  formatToText,
  lostTextProblems,
  SCRIPTS_NOTE,
  type PlainText,
  type TextFormat,
} from "./html-text.js";
import { privateUseRefused } from "../contracts/question-bank.js";
import type { ImportItemCode } from "../contracts/question-import.js";
import { imageName, stemImage } from "./gift-images.js";
import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import { categoryLeaf, fitRef, derivedRef, toItem, weightsAddWrong, withImage } from "./parsed-item.js";
import { textLines } from "../lib/text-decode.js";

/**
 * GIFT (Moodle's plain-text question format), read the way Moodle's own importer
 * (qformat_gift) reads it, so a file means here what it means there:
 * - questions are separated by blank lines; lines starting with `//` are comments;
 * - `\~ \= \# \{ \} \: \\` are escapes and `\n` is a line break;
 * - `$CATEGORY:` sets the category (→ chapter, its last path segment); `::title::` names a question (→ ref);
 * - the first `{` … `}` is the answer block; text after it makes a missing-word question (blank （　　）);
 * - `####` starts the general feedback (→ explanation), the last one counts;
 * - answer type: empty → essay, `#` → numerical, any `~` → multiple choice, `=` with `->` → matching,
 *   exactly `T`/`TRUE`/`F`/`FALSE` (upper case) → true/false, anything else → short answer;
 * - multiple choice: ANY `=` makes it single choice, the `=` answer being the key (`~%25%` answers are
 *   then partial credit for wrong answers); with no `=` it is multiple answer, positive weights right;
 * - `[html]`, `[moodle]` (default), `[plain]`, `[markdown]` set the text format of the question, and
 *   each answer and feedback may carry its own marker (the question's format is their default).
 * roadcert keeps true/false and four-option choice questions; other types are skipped with the reason,
 * and what roadcert cannot express exactly (partial credit, answer feedback) is noted per question.
 */

// Escaped characters are swapped for private-use code points while the structure is parsed.
const ESCAPES: Record<string, string> = {
  "~": "\uE000",
  "=": "\uE001",
  "#": "\uE002",
  "{": "\uE003",
  "}": "\uE004",
  ":": "\uE005",
  "\\": "\uE006",
  n: "\n",
};
const UNESCAPE = new Map(
  Object.entries(ESCAPES)
    .filter(([ch]) => ch !== "n")
    .map(([ch, pua]) => [pua, ch]),
);
const FORMATS = new Set<TextFormat>(["html", "moodle", "plain", "markdown"]);
const KEYS = ["A", "B", "C", "D"] as const;
/** How GIFT writes a literal `<` in its default (HTML) format. */
const LITERAL_LT = "文字中的 < 请写作 &lt;，或在文字前加 [plain] 按纯文本读取";

/**
 * Work counters for the scale tests, kept where the work is done: `lines` per line the block loop
 * visits, `chars` per character a block's lines are joined into and per character the escape pass
 * reads, so re-joining a block per line or re-reading what was read shows up.
 */
export const giftWork = { lines: 0, blocks: 0, chars: 0 };

// The escapes' code points written literally: `restore` would read them as ~ = # { } : \ (refused).
const LITERAL_ESCAPE = /[\uE000-\uE006]/u;

function protect(text: string): string {
  giftWork.chars += text.length;
  return text.replace(/\\([~=#{}:\\n])/g, (_m, ch: string) => ESCAPES[ch] ?? ch);
}
function restore(text: string): string {
  return text.replace(/[\uE000-\uE006]/g, (ch) => UNESCAPE.get(ch) ?? ch);
}

/** Moodle's parse_text_with_format: an optional `[format]` prefix, then the text with escapes restored. */
function withFormat(raw: string, fallback: TextFormat): { format: TextFormat; text: string } {
  const text = raw.trim();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    const name = end > 0 ? text.slice(1, end) : "";
    if (FORMATS.has(name as TextFormat))
      return { format: name as TextFormat, text: restore(text.slice(end + 1)).trim() };
  }
  return { format: fallback, text: restore(text).trim() };
}

/** One question block: its first line number and its text (comment lines removed). */
interface Block {
  line: number;
  text: string;
}

/** Groups lines into question blocks in one pass (line numbers counted as it goes). */
function* blocks(lines: Iterable<string>): Generator<Block> {
  let current: string[] = [];
  let start = 0;
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    giftWork.lines++;
    const line = raw.trim();
    if (line === "") {
      if (current.length) yield { line: start, text: joined(current) };
      current = [];
    } else if (!line.startsWith("//")) {
      if (!current.length) start = lineNo;
      current.push(line);
    }
  }
  if (current.length) yield { line: start, text: joined(current) };
}

function joined(lines: string[]): string {
  const text = lines.join("\n");
  giftWork.chars += text.length;
  return text;
}

/**
 * Parses GIFT into items, one at a time: from whole text, or from its lines as they are decoded
 * (textLines), so a large file is never held as one string. Escapes are read within a block,
 * after its lines are joined, so a piece boundary inside `\{` changes nothing.
 */
export function* readGift(
  source: string | Iterable<string>,
  defaults: ImportDefaults = {},
): Generator<ParsedItem> {
  let chapter = defaults.chapter;
  let index = 0;
  for (const block of blocks(typeof source === "string" ? textLines([source]) : source)) {
    giftWork.blocks++;
    const literal = LITERAL_ESCAPE.exec(block.text)?.[0];
    let src = protect(block.text);
    if (src.startsWith("$CATEGORY:")) {
      const nl = src.indexOf("\n");
      const category = nl < 0 ? src.slice(10) : src.slice(10, nl);
      // Holding an escape's code point as written, it stays so: the contract refuses the chapter.
      const literalHere = LITERAL_ESCAPE.test(block.text.split("\n", 1)[0] ?? "");
      chapter = categoryLeaf(literalHere ? category : restore(category)) ?? chapter;
      // Moodle wants the category alone in its block; a question right below it is still read.
      src = nl < 0 ? "" : src.slice(nl + 1).trim();
      if (!src) continue;
    }
    index++;
    yield parseQuestion(src, block.line, index, chapter, defaults, literal);
  }
}

/** Parses a whole GIFT file (see `readGift`). */
export function parseGift(text: string, defaults: ImportDefaults = {}): ParsedFile {
  return { format: "gift", items: [...readGift(text, defaults)], blueprints: [], fileErrors: [] };
}

function parseQuestion(
  src: string,
  line: number,
  index: number,
  chapter: string | undefined,
  defaults: ImportDefaults,
  literalEscape?: string,
): ParsedItem {
  let title = "";
  if (src.startsWith("::")) {
    const end = src.indexOf("::", 2);
    if (end >= 0) {
      title = restore(src.slice(2, end)).trim();
      src = src.slice(end + 2).trim();
    } else src = src.slice(2);
  }
  const location = `第 ${line} 行（第 ${index} 题${title ? `「${title.slice(0, 40)}」` : ""}）`;
  const named = title ? fitRef(title) : null;
  const early = (outcome: "skipped" | "invalid", code: ImportItemCode, why: string): ParsedItem => ({
    location,
    ref: named?.ref,
    outcome,
    code,
    notes: [...(named?.notes ?? []), why],
  });

  if (literalEscape) return early("invalid", "invalid_item", privateUseRefused(literalEscape));
  const open = src.indexOf("{");
  const close = src.indexOf("}");
  if (open < 0 && close < 0)
    return early("skipped", "not_a_question", "说明文字（description）不是题目，未导入");
  if (open < 0 || close < open)
    return early("invalid", "malformed_item", "花括号不成对：答案区须以 { 开始、以 } 结束");
  if (src.indexOf("{", open + 1) >= 0 && src.indexOf("{", open + 1) < close)
    return early("invalid", "malformed_item", "答案区内有未转义的 {（文字中的花括号须写作 \\{）");
  const after = src.slice(close + 1).trim();
  if (after.includes("{") || after.includes("}"))
    return early(
      "invalid",
      "malformed_item",
      "一道题只能有一个答案区 {…}（文字中的花括号须写作 \\{ 或 \\}）",
    );

  let answerText = src.slice(open + 1, close).trim();
  let generalFeedback = "";
  const gf = answerText.lastIndexOf("####");
  if (gf >= 0) {
    generalFeedback = answerText.slice(gf + 4);
    answerText = answerText.slice(0, gf).trim();
  }
  const before = src.slice(0, open).trim();
  const stemSource = withFormat(after ? `${before}\u0001${after}` : before, "moodle");
  const stemText = convert(stemSource.text, stemSource.format);
  const stem = stemText.text.replace("\u0001", "（\u3000\u3000）");
  const notes: string[] = [...(named?.notes ?? [])];
  const problems: string[] = [];
  const ref = named?.ref ?? derivedRef("gift", stem);
  const skip = (code: ImportItemCode, why: string): ParsedItem => ({
    location,
    ref,
    outcome: "skipped",
    code,
    notes: [...notes, why],
  });
  const invalid = (): ParsedItem => ({
    location,
    ref,
    outcome: "invalid",
    code: "invalid_item",
    notes: [...notes, ...problems],
  });

  if (answerText === "") return skip("unsupported_type", "简答/论述题（essay）无法自动评分，roadcert 不支持");
  if (answerText.startsWith("#")) return skip("unsupported_type", "数值题（numerical）roadcert 不支持");
  if (!answerText.includes("~") && answerText.includes("=") && answerText.includes("->"))
    return skip("unsupported_type", "配对题（matching）roadcert 不支持");

  const feedbackSource = withFormat(generalFeedback, stemSource.format);
  const explanation = convert(feedbackSource.text, feedbackSource.format);
  const image = stemImage(stemText, "题干", problems);
  for (const img of explanation.images)
    problems.push(`解析（####）含图片 ${imageName(img.src)}，roadcert 的解析只能是文字`);
  problems.push(...lostTextProblems(stemText, "题干", LITERAL_LT));
  problems.push(...lostTextProblems(explanation, "解析（####）", LITERAL_LT));
  if (stemText.hadMarkup || explanation.hadMarkup) notes.push("HTML 格式已转为纯文本");
  if (stemText.scripts || explanation.scripts) notes.push(SCRIPTS_NOTE);
  if (after) notes.push("填空选择题（missing word）的空位以（\u3000\u3000）表示");

  let type: "true_false" | "single" | "multiple";
  let options: { key: string; text: string }[] = [];
  let answer: string[];
  if (!answerText.includes("~")) {
    const hash = answerText.indexOf("#");
    const word = (hash > 0 ? answerText.slice(0, hash) : answerText).trim();
    if (!["T", "TRUE", "F", "FALSE"].includes(word)) {
      if (["T", "TRUE", "F", "FALSE"].includes(word.toUpperCase()))
        return skip(
          "unsupported_type",
          `答案「${word}」不是判断题写法：Moodle 只认大写 T/TRUE/F/FALSE，小写按简答题读取；roadcert 不支持简答题`,
        );
      return skip("unsupported_type", "填空/简答题（short answer）roadcert 不支持");
    }
    if (hash > 0) notes.push("判断题的答题反馈（#…）未导入");
    type = "true_false";
    answer = [word.startsWith("T") ? "T" : "F"];
  } else {
    const choice = readChoice(answerText, stemSource.format, problems, notes);
    if (!choice) return invalid();
    if (choice.options.length !== 4)
      return skip(
        "unsupported_option_count",
        `选择题有 ${choice.options.length} 个选项；roadcert 选择题须恰有 A–D 四个选项`,
      );
    ({ type, options, answer } = choice);
  }
  if (problems.length) return invalid();
  const item = toItem(
    location,
    {
      ref,
      type,
      stem,
      options,
      answer,
      explanation: explanation.text,
      chapter,
      categories: defaults.categories,
      ...(defaults.difficulty ? { difficulty: defaults.difficulty } : {}),
      source: "GIFT 导入",
    },
    notes,
    named?.ref ? undefined : "gift",
  );
  // A GIFT title is the question's name in its quiz, not a bank-wide identifier: a weak ref.
  return withImage({ ...item, weakRef: true }, image);
}

function convert(text: string, format: TextFormat): PlainText {
  return formatToText(text, format);
}

// Moved to gift-images.ts; still exported from here, where the Moodle XML reader imports it.
export { imageName };

/** Moodle's weight prefix `%50%`, `%-100%`, `%33.33333%`. */
const WEIGHT = /^%(-?\d{1,3}(?:\.\d+)?)%/;

function readChoice(
  answerText: string,
  questionFormat: TextFormat,
  problems: string[],
  notes: string[],
): { type: "single" | "multiple"; options: { key: string; text: string }[]; answer: string[] } | null {
  const single = answerText.includes("=");
  const parts = answerText.replace(/=/g, "~=").split("~");
  if (parts[0]?.trim() === "") parts.shift();
  if (parts.length < 2) {
    problems.push("选择题至少要有两个选项");
    return null;
  }
  const read = parts.map((part, i) => {
    let text = part.trim();
    let weight = 0;
    if (text.startsWith("=")) {
      weight = 100;
      text = text.slice(1);
      if (/^\s*%/.test(text) && WEIGHT.test(text.trimStart()))
        problems.push(`第 ${i + 1} 个选项：“=” 已表示满分，其后不能再写权重（部分得分请写作 ~%50%…）`);
    } else if (text.startsWith("%")) {
      const w = WEIGHT.exec(text);
      if (!w) problems.push(`第 ${i + 1} 个选项：权重写法不正确（应为 %50%、%-100% 这样的百分数）`);
      else {
        weight = Number(w[1]);
        text = text.slice(w[0].length);
        if (weight > 100 || weight < -100)
          problems.push(`第 ${i + 1} 个选项：权重 ${weight}% 超出 -100%～100%`);
      }
    }
    const hash = text.indexOf("#");
    const body = withFormat(hash >= 0 ? text.slice(0, hash) : text, questionFormat);
    const feedback = hash >= 0 ? text.slice(hash + 1).trim() : "";
    const plain = formatToText(body.text, body.format);
    for (const img of plain.images)
      problems.push(`选项 ${KEYS[i] ?? i + 1} 含图片 ${imageName(img.src)}，roadcert 的选项只能是文字`);
    for (const tag of plain.unkept)
      problems.push(`选项 ${KEYS[i] ?? i + 1} 含 <${tag}> 内容，roadcert 的选项只能是文字`);
    problems.push(...lostTextProblems(plain, `选项 ${KEYS[i] ?? i + 1} `, LITERAL_LT));
    if (plain.hadMarkup && !notes.includes("HTML 格式已转为纯文本")) notes.push("HTML 格式已转为纯文本");
    if (plain.scripts && !notes.includes(SCRIPTS_NOTE)) notes.push(SCRIPTS_NOTE);
    return { text: plain.text, weight, feedback };
  });
  if (read.some((a) => a.feedback)) notes.push("选项反馈（#…）未导入");
  if (problems.length) return null;
  const options = read.map((a, i) => ({ key: KEYS[i] ?? String(i + 1), text: a.text }));
  if (single) {
    const full = read.flatMap((a, i) => (a.weight === 100 ? [KEYS[i] ?? ""] : []));
    if (full.length !== 1) {
      problems.push(
        `答案区含 =，Moodle 按单选题读取，须恰有一个满分（= 或 %100%）答案，本题有 ${full.length} 个` +
          "（多选题请只用 ~%权重%，不要用 =）",
      );
      return null;
    }
    if (read.some((a) => a.weight > 0 && a.weight < 100))
      notes.push("单选题中 ~%n% 的部分得分选项按错误选项导入（roadcert 单选题只有一个正确答案）");
    return { type: "single", options, answer: full };
  }
  const right = read.flatMap((a, i) => (a.weight > 0 ? [KEYS[i] ?? ""] : []));
  if (right.length < 2) {
    problems.push(
      right.length === 0
        ? "答案区没有 = 也没有正权重（~%50%…）的选项，无法确定正确答案"
        : "答案区没有 =，Moodle 按多选题读取，但只有一个正权重选项：单选题请用 = 标出正确答案，多选题至少两个正确答案",
    );
    return null;
  }
  const total = read.reduce((s, a) => s + (a.weight > 0 ? a.weight : 0), 0);
  const wrong = weightsAddWrong(total);
  if (wrong) {
    problems.push(wrong);
    return null;
  }
  notes.push("按比例给分的多选题按全对得分导入（评分方式由组卷方案决定）");
  return { type: "multiple", options, answer: right };
}
