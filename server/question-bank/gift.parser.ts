import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import { derivedRef, htmlToText, toItem } from "./parsed-item.js";

/**
 * GIFT (Moodle's plain-text question format) import. Supported: `$CATEGORY:` (→ chapter), `::title::`
 * (→ ref), true/false `{T}`/`{FALSE}`, multiple choice `{=right ~wrong …}`, multiple answers with
 * weights `{~%50%a ~%50%b ~%-100%c …}`, missing-word choice (blank shown as an ideographic-space blank in parentheses), general
 * feedback `####` (→ explanation), `//` comments, `[html]`/`[plain]`/`[moodle]`/`[markdown]` markers and
 * `\` escapes. Reported and skipped: short answer, matching, numerical, essay, description, and
 * choice questions without exactly four options. Per-answer feedback is dropped with a note.
 */

// Escaped special characters are swapped for private-use code points while parsing.
const ESCAPES: Record<string, string> = {
  "~": "\uE000",
  "=": "\uE001",
  "#": "\uE002",
  "{": "\uE003",
  "}": "\uE004",
  ":": "\uE005",
  "\\": "\uE006",
};
const UNESCAPE = new Map(Object.entries(ESCAPES).map(([ch, pua]) => [pua, ch]));

function protect(text: string): string {
  return text.replace(/\\([~=#{}:\\])/g, (_m, ch: string) => ESCAPES[ch] ?? ch).replace(/\\n/g, "\n");
}
function restore(text: string): string {
  return text.replace(/[\uE000-\uE006]/g, (ch) => UNESCAPE.get(ch) ?? ch);
}

interface GiftAnswer {
  correct: boolean;
  weight: number | null;
  text: string;
  feedback: string;
}

/** Splits `=a#fb ~%50%b` into answers. */
function splitAnswers(body: string): GiftAnswer[] {
  const answers: GiftAnswer[] = [];
  const re = /([=~])([^=~]*)/g;
  for (const m of body.matchAll(re)) {
    const marker = m[1];
    let text = m[2] ?? "";
    let weight: number | null = null;
    const w = /^%(-?\d+(?:\.\d+)?)%/.exec(text);
    if (w) {
      weight = Number(w[1]);
      text = text.slice(w[0].length);
    }
    const [answerText = "", ...feedback] = text.split("#");
    answers.push({
      correct: marker === "=",
      weight,
      text: answerText.trim(),
      feedback: feedback.join("#").trim(),
    });
  }
  return answers;
}

/** Splits a GIFT file into blocks separated by blank lines, dropping `//` comment lines. */
function blocks(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: string[] = [];
  let start = 0;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (/^\s*\/\//.test(raw)) return;
    if (raw.trim() === "") {
      if (current.length) out.push({ line: start, text: current.join("\n") });
      current = [];
      return;
    }
    if (!current.length) start = i + 1;
    current.push(raw);
  });
  if (current.length) out.push({ line: start, text: current.join("\n") });
  return out;
}

/** Parses GIFT text into items; `defaults.categories` supplies the practitioner categories. */
export function parseGift(text: string, defaults: ImportDefaults = {}): ParsedFile {
  const items: ParsedItem[] = [];
  let chapter = defaults.chapter;
  let index = 0;
  for (const block of blocks(text)) {
    let src = protect(block.text);
    const cat = /^\s*\$CATEGORY:\s*(.+)$/m.exec(src);
    if (cat && src.trimStart().startsWith("$CATEGORY")) {
      const path = restore(cat[1] ?? "")
        .trim()
        .replace(/^\$(course|system|module|cat\d*)\$\/(top\/)?/, "");
      chapter = path.split("/").filter(Boolean).pop() ?? chapter;
      src = src.replace(cat[0], "").trim();
      if (!src) continue;
    }
    index++;
    const notes: string[] = [];
    const titleMatch = /^\s*::([\s\S]*?)::/.exec(src);
    const title = titleMatch ? restore(titleMatch[1] ?? "").trim() : "";
    if (titleMatch) src = src.slice(titleMatch[0].length);
    const location = `第 ${block.line} 行（第 ${index} 题${title ? `「${title}」` : ""}）`;
    const fmt = /^\s*\[(html|plain|moodle|markdown)\]/.exec(src);
    if (fmt) src = src.slice(fmt[0].length);
    const open = src.indexOf("{");
    const close = src.indexOf("}", open + 1);
    if (open < 0) {
      items.push({
        location,
        ref: title || undefined,
        outcome: "skipped",
        notes: ["说明文字（description）不是题目，未导入"],
      });
      continue;
    }
    if (close < 0) {
      items.push({ location, ref: title || undefined, outcome: "invalid", notes: ["答案区缺少右花括号 }"] });
      continue;
    }
    const before = src.slice(0, open).trim();
    const after = src.slice(close + 1).trim();
    let body = src.slice(open + 1, close);
    let explanation = "";
    const general = body.indexOf("####");
    if (general >= 0) {
      explanation = restore(body.slice(general + 4)).trim();
      body = body.slice(0, general);
    }
    const trimmed = body.trim();
    let stemRaw = after ? `${before}（\u3000\u3000）${after}` : before;
    if (fmt?.[1] === "html") {
      const h = htmlToText(restore(stemRaw));
      stemRaw = h.text;
      if (h.hadImage) notes.push("题干中的图片未导入（GIFT 不携带图片文件），请在编辑器中补传");
      if (h.hadMarkup) notes.push("HTML 格式已转为纯文本");
    } else {
      stemRaw = restore(stemRaw);
      if (fmt?.[1] === "markdown") notes.push("Markdown 格式按纯文本导入");
    }
    const stem = stemRaw.trim();
    const ref = title ? title.slice(0, 64) : derivedRef("gift", stem);
    const skip = (why: string) => items.push({ location, ref, outcome: "skipped", notes: [why] });

    if (trimmed === "") {
      skip("简答/论述题（essay）无法自动评分，roadcert 不支持");
      continue;
    }
    if (trimmed.startsWith("#")) {
      skip("数值题（numerical）roadcert 不支持");
      continue;
    }
    const tf = /^(T|TRUE|F|FALSE)\s*(#[\s\S]*)?$/i.exec(trimmed);
    if (tf) {
      if (tf[2]) notes.push("判断题的答题反馈（#…）未导入");
      const answer = (tf[1] ?? "").toUpperCase().startsWith("T") ? "T" : "F";
      items.push(
        toItem(
          location,
          baseRaw(ref, "true_false", stem, [], [answer], explanation, chapter, defaults),
          notes,
        ),
      );
      continue;
    }
    const answers = splitAnswers(trimmed);
    if (!answers.length) {
      items.push({ location, ref, outcome: "invalid", notes: ["无法识别答案区"] });
      continue;
    }
    if (answers.some((a) => a.text.includes("->"))) {
      skip("配对题（matching）roadcert 不支持");
      continue;
    }
    if (!answers.some((a) => !a.correct)) {
      skip("填空/简答题（short answer）roadcert 不支持");
      continue;
    }
    if (after) notes.push("填空选择题（missing word）的空位以（\u3000\u3000）表示");
    if (answers.some((a) => a.feedback)) notes.push("选项反馈（#…）未导入");
    if (answers.length !== 4) {
      skip(`选择题有 ${answers.length} 个选项；roadcert 选择题须恰有 A–D 四个选项`);
      continue;
    }
    const weighted = answers.some((a) => a.weight !== null);
    const keys = ["A", "B", "C", "D"] as const;
    const options = answers.map((a, i) => ({ key: keys[i], text: restore(a.text) }));
    const correct = answers
      .map((a, i) => ((weighted ? (a.weight ?? (a.correct ? 100 : 0)) > 0 : a.correct) ? keys[i] : null))
      .filter((k): k is (typeof keys)[number] => k !== null);
    if (weighted && answers.some((a) => a.weight !== null && a.weight > 0 && a.weight < 100)) {
      notes.push("按比例给分的多选题按全对得分导入（评分方式由组卷方案决定）");
    }
    const type = correct.length > 1 ? "multiple" : "single";
    items.push(
      toItem(location, baseRaw(ref, type, stem, options, correct, explanation, chapter, defaults), notes),
    );
  }
  return { format: "gift", items, blueprints: [], fileErrors: [] };
}

function baseRaw(
  ref: string,
  type: string,
  stem: string,
  options: { key: string | undefined; text: string }[],
  answer: string[],
  explanation: string,
  chapter: string | undefined,
  defaults: ImportDefaults,
): Record<string, unknown> {
  return {
    ref,
    type,
    stem,
    options,
    answer,
    explanation,
    chapter,
    categories: defaults.categories,
    ...(defaults.difficulty ? { difficulty: defaults.difficulty } : {}),
    source: "GIFT 导入",
  };
}
