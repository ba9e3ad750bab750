import { SaxesParser } from "saxes";
import { lostTextProblems, SCRIPTS_NOTE } from "./html-text.js";
import { imageName } from "./gift.parser.js";
import {
  child,
  children,
  childText,
  type El,
  emptyEl,
  FORMAT_OF,
  nestedElements,
  richText,
  stemImage,
  textOf,
} from "./moodle-xml-text.js";
import type { ImportDefaults, ParsedFile, ParsedItem } from "./parsed-item.js";
import {
  categoryLeaf,
  derivedRef,
  FileRefusal,
  fitRef,
  toItem,
  weightsAddWrong,
  withImage,
} from "./parsed-item.js";
import { ownEntry } from "../contracts/own-entry.js";

/**
 * Moodle XML import (Moodle's own question export format), read as Moodle's qformat_xml reads it.
 * Supported: `category` (→ chapter, the last path segment), `multichoice` single or multiple with four
 * answers, `truefalse`, `idnumber` or `name` (→ ref), `generalfeedback` (→ explanation), `tags`, the
 * `format` of every text (`html`, `moodle_auto_format`, `plain_text`, `markdown`) and one image per
 * question (a base64 `<file>` or data: URI the question text shows). Reported and skipped: other
 * question types and choice questions without exactly four answers. Refused per question: images in
 * options or in the general feedback (roadcert keeps text there), images the file does not carry.
 *
 * The file is read by saxes, a streaming, strictly conforming XML parser: one pass, line numbers
 * from the parser, only the current <question> held in memory. It never resolves entities from a
 * DTD; a document type declaration is refused outright (Moodle never writes one), which closes
 * external and parameter entity attacks and entity expansion bombs before they start.
 */

const SUPPORTED_NOT: Record<string, string> = {
  shortanswer: "简答题（shortanswer）",
  numerical: "数值题（numerical）",
  essay: "论述题（essay）",
  matching: "配对题（matching）",
  match: "配对题（matching）",
  multianswer: "完形填空（cloze / multianswer）",
  calculated: "计算题（calculated）",
  calculatedsimple: "简单计算题（calculatedsimple）",
  calculatedmulti: "计算选择题（calculatedmulti）",
  description: "说明文字（description）",
  ddwtos: "拖放填词（ddwtos）",
  gapselect: "下拉选词（gapselect）",
  ddimageortext: "拖放到图片（ddimageortext）",
  ddmarker: "拖放标记（ddmarker）",
  randomsamatch: "随机配对（randomsamatch）",
};
const KEYS = ["A", "B", "C", "D"] as const;
const CHUNK = 64 * 1024;
/** How Moodle XML writes a literal `<` in an HTML-format text. */
const LITERAL_LT =
  "文字中的 < 在 Moodle XML 中须写作 &amp;lt;（在 CDATA 中写作 &lt;），或把该文字的 format 设为 plain_text";

/**
 * Work counters for the scale tests: `chars` per character handed to saxes (which counts the lines
 * itself as it reads, so line numbers cost nothing more), `text` per character of element text
 * this reader collects, so re-feeding or re-collecting what was read shows up.
 */
export const xmlWork = { questions: 0, chunks: 0, chars: 0, text: 0 };

/**
 * Reads Moodle XML question by question, from its decoded text or from decoded pieces of it (so a
 * large file is never held as one string); throws FileRefusal for file-level faults.
 */
export function* readMoodleXml(
  xml: string | Iterable<string>,
  defaults: ImportDefaults = {},
): Generator<ParsedItem> {
  const parser = new SaxesParser({ position: true });
  const ready: ParsedItem[] = [];
  let error: string | null = null;
  let depth = 0;
  let sawQuiz = false;
  let stack: El[] = [];
  let questionLine = 0;
  let index = 0;
  let chapter = defaults.chapter;
  const fail = (message: string) => {
    error ??= message;
  };

  parser.on("doctype", () =>
    fail(
      `第 ${parser.line} 行：文件含文档类型声明（DOCTYPE/实体定义），Moodle XML 题目文件不含此项，出于安全原因拒绝导入`,
    ),
  );
  parser.on("error", (e) => fail(`第 ${parser.line} 行：XML 格式错误（${xmlMessage(e.message)}）`));
  parser.on("opentag", (tag) => {
    depth++;
    const attrs = tag.attributes as Record<string, string>;
    if (depth === 1) {
      if (tag.name !== "quiz") fail(`缺少 <quiz> 根元素（根元素是 <${tag.name}>），不是 Moodle XML 题目文件`);
      sawQuiz = true;
      return;
    }
    if (depth === 2) {
      if (tag.name !== "question") return;
      questionLine = parser.line;
      stack = [{ name: "question", attrs, children: [], text: "" }];
      return;
    }
    if (!stack.length) return;
    const el: El = { name: tag.name, attrs, children: [], text: "" };
    stack[stack.length - 1]?.children.push(el);
    stack.push(el);
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    xmlWork.text += t.length;
    if (top) top.text += t;
  };
  parser.on("text", onText);
  parser.on("cdata", onText);
  parser.on("closetag", () => {
    depth--;
    if (!stack.length) return;
    const el = stack.pop();
    if (stack.length || !el) return;
    xmlWork.questions++;
    const type = el.attrs.type ?? "";
    if (type === "category") {
      chapter = categoryLeaf(childText(el, "category")) ?? chapter;
      return;
    }
    index++;
    ready.push(readQuestion(el, questionLine, index, chapter, defaults));
  });

  for (const chunk of typeof xml === "string" ? slices(xml) : xml) {
    if (error) break;
    xmlWork.chunks++;
    xmlWork.chars += chunk.length;
    parser.write(chunk);
    // Items flow on chunk by chunk; a fault found later throws FileRefusal, and the importer's checking
    // pass (which reads the whole file before writing anything) then rejects the file.
    yield* ready.splice(0);
  }
  if (!error) parser.close();
  if (error) throw new FileRefusal(error);
  if (!sawQuiz) throw new FileRefusal("缺少 <quiz> 根元素，不是 Moodle XML 题目文件");
  yield* ready.splice(0);
}

function* slices(text: string): Generator<string> {
  for (let pos = 0; pos < text.length; pos += CHUNK) yield text.slice(pos, pos + CHUNK);
}

/** Parses a whole Moodle XML file (see `readMoodleXml`). */
export function parseMoodleXml(xml: string, defaults: ImportDefaults = {}): ParsedFile {
  const empty: ParsedFile = { format: "moodle_xml", items: [], blueprints: [], fileErrors: [] };
  try {
    return { ...empty, items: [...readMoodleXml(xml, defaults)] };
  } catch (err) {
    if (err instanceof FileRefusal) return { ...empty, fileErrors: [err.message] };
    throw err;
  }
}

function xmlMessage(raw: string): string {
  const m = raw.replace(/^[^:]*:\d+:\d+:\s*/, "");
  const entity = /undefined entity[^&]*&?([A-Za-z0-9]+)?/i.exec(m);
  if (/undefined entity/i.test(m))
    return `未定义的实体${entity?.[1] ? ` &${entity[1]};` : ""}：HTML 实体须写在 CDATA 中或写作 &amp;…`;
  return m;
}

function readQuestion(
  q: El,
  line: number,
  index: number,
  chapter: string | undefined,
  defaults: ImportDefaults,
): ParsedItem {
  const type = q.attrs.type ?? "";
  const name = childText(q, "name").trim();
  const idnumber = child(q, "idnumber")?.text.trim() ?? "";
  const location = `第 ${line} 行（${name ? `「${name.slice(0, 40)}」` : `第 ${index} 个 <question>`}）`;
  const named = idnumber || name ? fitRef(idnumber || name) : null;
  const notes: string[] = [...(named?.notes ?? [])];
  if (type !== "multichoice" && type !== "truefalse") {
    return {
      location,
      ref: named?.ref,
      outcome: "skipped",
      // Moodle's description "question" is text shown between questions, not a question at all.
      code: type === "description" ? "not_a_question" : "unsupported_type",
      notes: [...notes, `${ownEntry(SUPPORTED_NOT, type) ?? `题型 ${type || "（未注明）"}`} roadcert 不支持`],
    };
  }
  const problems: string[] = [];
  nestedElements(child(q, "name"), "名称（name）", problems);
  nestedElements(child(q, "questiontext"), "题干", problems);
  nestedElements(child(q, "generalfeedback"), "解析（generalfeedback）", problems);
  children(q, "answer").forEach((a, i) => nestedElements(a, `选项 ${KEYS[i] ?? i + 1} `, problems));
  children(child(q, "tags"), "tag").forEach((t) => nestedElements(t, "标签（tag）", problems));
  const stemText = richText(child(q, "questiontext"), "html");
  const stemFormat = FORMAT_OF[child(q, "questiontext")?.attrs.format ?? ""] ?? "html";
  const feedback = richText(child(q, "generalfeedback"), stemFormat);
  const image = stemImage(stemText, problems, notes);
  for (const img of feedback.plain.images)
    problems.push(`解析（generalfeedback）含图片 ${imageName(img.src)}，roadcert 的解析只能是文字`);
  problems.push(...lostTextProblems(stemText.plain, "题干", LITERAL_LT));
  problems.push(...lostTextProblems(feedback.plain, "解析（generalfeedback）", LITERAL_LT));
  if (stemText.plain.hadMarkup || feedback.plain.hadMarkup) notes.push("HTML 格式已转为纯文本");
  if (stemText.plain.scripts || feedback.plain.scripts) notes.push(SCRIPTS_NOTE);
  const tags = children(child(q, "tags"), "tag")
    .map((t) => textOf(t).trim())
    .filter(Boolean);
  const answers = children(q, "answer").map((a, i) => {
    const text = richText(a, "html");
    for (const img of text.plain.images)
      problems.push(`选项 ${KEYS[i] ?? i + 1} 含图片 ${imageName(img.src)}，roadcert 的选项只能是文字`);
    for (const tag of text.plain.unkept)
      problems.push(`选项 ${KEYS[i] ?? i + 1} 含 <${tag}> 内容，roadcert 的选项只能是文字`);
    problems.push(...lostTextProblems(text.plain, `选项 ${KEYS[i] ?? i + 1} `, LITERAL_LT));
    if (text.plain.hadMarkup && !notes.includes("HTML 格式已转为纯文本")) notes.push("HTML 格式已转为纯文本");
    if (text.plain.scripts && !notes.includes(SCRIPTS_NOTE)) notes.push(SCRIPTS_NOTE);
    return {
      text: text.plain.text,
      fraction: fractionOf(a.attrs.fraction),
      hasFeedback: textOf(child(a, "feedback") ?? emptyEl).trim() !== "",
    };
  });
  if (answers.some((a) => a.hasFeedback)) notes.push("选项反馈（feedback）未导入");
  const penalty = child(q, "penalty");
  if (penalty && Number(penalty.text) > 0) notes.push("重答扣分（penalty）不适用于考试，未导入");
  const grade = child(q, "defaultgrade");
  if (grade && Number(grade.text) !== 1) notes.push("题目分值（defaultgrade）由组卷方案决定，未导入");
  // roadcert papers always shuffle options (assembly.ts). An item that keeps its order is told so;
  // one whose option points at the others' positions (以上都对, A和B) would read wrong shuffled.
  if (type === "multichoice" && keepsOrder(child(q, "shuffleanswers"))) {
    const pointing = answers.filter((a) => POSITIONAL.some((re) => re.test(a.text)));
    if (pointing.length)
      problems.push(
        `本题不打乱选项（<shuffleanswers>0</shuffleanswers>），且选项「${pointing.map((a) => a.text).join("」「")}」` +
          "依赖其他选项的位置；roadcert 组卷总是打乱选项，请改写该选项后再导入",
      );
    else notes.push("本题设为不打乱选项（shuffleanswers），roadcert 组卷总是打乱选项，此设置未导入");
  }
  const stem = stemText.plain.text;
  const ref = named?.ref ?? derivedRef("moodle", stem);
  const base = {
    ref,
    stem,
    explanation: feedback.plain.text,
    chapter,
    categories: defaults.categories,
    tags,
    source: "Moodle XML 导入",
    ...(defaults.difficulty ? { difficulty: defaults.difficulty } : {}),
  };
  const invalid = (): ParsedItem => ({
    location,
    ref,
    outcome: "invalid",
    code: "invalid_item",
    notes: [...notes, ...problems],
  });
  if (answers.some((a) => !Number.isFinite(a.fraction) || a.fraction > 100 || a.fraction < -100))
    problems.push(
      `答案分值（fraction）须为 -100～100 的十进制数（如 100、50、-33.33333），本题为 ${children(q, "answer")
        .map((a) => `「${a.attrs.fraction ?? "0"}」`)
        .join("、")}`,
    );

  let raw: Record<string, unknown>;
  if (type === "truefalse") {
    const right = answers.filter((a) => a.fraction === 100);
    const word = right.length === 1 ? (right[0]?.text.toLowerCase() ?? "") : "";
    if (word !== "true" && word !== "false")
      problems.push("判断题须恰有一个分值为 100 的答案，其文字为 true 或 false");
    raw = { ...base, type: "true_false", options: [], answer: word === "true" ? ["T"] : ["F"] };
  } else {
    if (answers.length !== 4 && !problems.length) {
      return {
        location,
        ref,
        outcome: "skipped",
        code: "unsupported_option_count",
        notes: [...notes, `选择题有 ${answers.length} 个选项；roadcert 选择题须恰有 A–D 四个选项`],
      };
    }
    // Absent means single (Moodle's default). Only true/false/1/0 are read: Moodle's versions read
    // other words differently (as PHP's truthiness or as (int)"yes" = 0), so `yes` says nothing certain.
    const singleEl = child(q, "single");
    const singleText = singleEl ? singleEl.text.trim().toLowerCase() : "true";
    const single = singleText === "true" || singleText === "1";
    if (!single && singleText !== "false" && singleText !== "0")
      problems.push(
        `<single>${singleEl?.text.trim() ?? ""}</single> 无法确定是单选还是多选：请写 true（单选）或 false（多选）`,
      );
    const options = answers.map((a, k) => ({ key: KEYS[k], text: a.text }));
    const list = answers.map((a) => `${round(a.fraction)}%`).join("、");
    if (single) {
      const full = answers.flatMap((a, k) => (a.fraction === 100 ? [KEYS[k]] : []));
      if (full.length !== 1)
        problems.push(
          `单选题（<single>true</single>）须恰有一个分值 100% 的答案，本题各选项分值为 ${list}` +
            (full.length === 0 ? "：没有完全正确的选项，roadcert 无法确定答案" : "：有多个完全正确的选项") +
            "（若为多选题，请设 <single>false</single>）",
        );
      else if (answers.some((a) => a.fraction > 0 && a.fraction < 100))
        notes.push("单选题中部分得分的选项按错误选项导入（roadcert 单选题只有一个正确答案）");
      raw = { ...base, type: "single", options, answer: full };
    } else {
      const right = answers.flatMap((a, k) => (a.fraction > 0 ? [KEYS[k]] : []));
      if (right.length < 2)
        problems.push(
          `多选题（<single>false</single>）须有两个或以上分值为正的答案，本题各选项分值为 ${list}` +
            "（只有一个正确答案时请设 <single>true</single>）",
        );
      const wrong = weightsAddWrong(answers.reduce((s, a) => s + (a.fraction > 0 ? a.fraction : 0), 0));
      if (right.length >= 2 && wrong) problems.push(`${wrong}；本题各选项分值为 ${list}`);
      if (answers.some((a) => a.fraction > 0 && a.fraction < 100))
        notes.push("按比例给分的多选题按全对得分导入（评分方式由组卷方案决定）");
      raw = { ...base, type: "multiple", options, answer: right };
    }
  }
  if (problems.length) return invalid();
  const item = toItem(location, raw, notes, named?.ref ? undefined : "moodle");
  // Only an ID number is meant to identify a question; a name ("Q1") repeats from quiz to quiz.
  return withImage(idnumber ? item : { ...item, weakRef: true }, image);
}

/**
 * An answer's fraction: absent is 0 (Moodle's default); otherwise a plain decimal only. `Number`
 * read "0x64" and "1e2" as 100 and " " as 0, which Moodle (PHP's float cast) reads otherwise;
 * NaN makes the item refused.
 */
function fractionOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const t = raw.trim();
  return /^[-+]?\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `<shuffleanswers>` saying the options keep their order (Moodle writes 0 or false; absent shuffles). */
function keepsOrder(el: El | undefined): boolean {
  const v = el?.text.trim().toLowerCase();
  return v === "0" || v === "false";
}

/**
 * Option texts that refer to the other options by position or as a group: true only in the order
 * written. "以上" alone is not one (60 公里以上 is a speed), only followed by all/none words.
 */
const POSITIONAL: readonly RegExp[] = [
  /(以上|上述|前述)(的)?(都|均|皆|全|各项|选项|说法|答案|[两三四]项)/,
  /(^|[^A-Za-z])[A-D]\s*(和|与|及|、|或|,|，)\s*[A-D]([^A-Za-z]|$)/,
  /\b(all|none|both|neither) of the above\b/i,
];
