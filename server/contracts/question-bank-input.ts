/**
 * What comes into the question bank: questions and blueprints as written, imported and saved, and
 * their files. Split from question-bank.ts (what leaves it), which re-exports everything here.
 */
import { z } from "zod";
import { CATEGORIES, CategoryCode } from "./categories.js";
import { inHundredths } from "./points.js";
import { hasInvisible, INVISIBLE_REFUSED, typedCode } from "./validation.js";

/** 判断 / 单选 / 多选. */
export const QuestionType = z.enum(["true_false", "single", "multiple"]);
export type QuestionType = z.infer<typeof QuestionType>;

/** The question types as examiners, proctors and candidates read them. */
export const QUESTION_TYPE_NAMES: Record<QuestionType, string> = {
  true_false: "判断题",
  single: "单选题",
  multiple: "多选题",
};

export const OptionKey = z.enum(["A", "B", "C", "D"]);
/** True/false questions answer "T" (正确) or "F" (错误) and carry no options. */
export const TrueFalseKey = z.enum(["T", "F"]);

export const QuestionOption = z.strictObject({ key: OptionKey, text: z.string().min(1).max(500) });

/**
 * Unicode's bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069):
 * invisible, they reorder the text around them, so a stem or option can show a candidate one thing
 * while holding another (the "Trojan Source" trick, CVE-2021-42574). Question text has no use for
 * them (Chinese and Latin text lay themselves out), so a question carrying one is refused, never
 * stored with it.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;

/**
 * Private-use characters (U+E000–U+F8FF and the supplementary planes' private-use areas) mean what
 * a font or an input method makes of them: one machine shows a glyph, another a box or nothing, so
 * candidates would read different questions. The GIFT reader also used U+E000–U+E006 for its
 * escapes, so a literal one came out as ~ = # { } : \. Refused with their code point.
 */
const PRIVATE_USE = /\p{Co}/u;

/** Texts a text area may type several lines of: their tabs and line breaks are text. */
const MULTI_LINE = new Set(["stem", "options", "explanation", "source"]);

/** Why `text` (at `path`) is refused for a character a reader cannot see or cannot rely on; null if none. */
function hiddenCharacterProblem(path: (string | number)[], text: string): string | null {
  const bidi = BIDI_CONTROL.exec(text)?.[0];
  if (bidi)
    return `含双向文本控制字符 ${codePoint(bidi)}，考生看到的文字顺序会与实际内容不符，请删除后再导入`;
  // Zero-width spaces and joiners, word joiners, BOMs, soft hyphens, other controls: "20\u200B分钟"
  // beside "20分钟" showed candidates two identical options of which one scored, and a copy
  // differing by one passed the duplicate-question check (validation.ts names them all).
  if (hasInvisible(text, MULTI_LINE.has(String(path[0])))) return INVISIBLE_REFUSED;
  const pua = PRIVATE_USE.exec(text)?.[0];
  return pua ? privateUseRefused(pua) : null;
}

/** Why text holding the private-use character `ch` is refused (the GIFT reader says it too). */
export function privateUseRefused(ch: string): string {
  return `含私用区字符 ${codePoint(ch)}，不同设备显示不同（或不显示），请删除后再导入`;
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Every text of a question a person reads, with its path for the refusal. */
function questionTexts(q: {
  ref: string;
  stem: string;
  options: { text: string }[];
  explanation: string;
  chapter: string;
  tags: string[];
  source: string;
}): [(string | number)[], string][] {
  return [
    [["ref"], q.ref],
    [["stem"], q.stem],
    ...q.options.map((o, i): [(string | number)[], string] => [["options", i, "text"], o.text]),
    [["explanation"], q.explanation],
    [["chapter"], q.chapter],
    ...q.tags.map((t, i): [(string | number)[], string] => [["tags", i], t]),
    [["source"], q.source],
  ];
}

/**
 * One question as written in the roadcert exchange format (question-bank/*.json) and accepted by
 * the import API. The answer must fit the type: true_false one of T/F; single exactly one option
 * key; multiple two or more option keys.
 */
export const QuestionInput = z
  .object({
    /**
     * Stable reference within its file, e.g. "PF-SAFE-012"; used to report import problems. Read as
     * the bank matches it (typedCode: NFKC, trimmed), on every path: "PF-1 " or full-width "ＰＦ－１"
     * from the editor or a file is the question PF-1, never a second one beside it.
     */
    ref: typedCode().min(1, "编号不能为空（只有空格的编号不算）").max(64),
    type: QuestionType,
    stem: z.string().min(4).max(2000),
    options: z.array(QuestionOption).max(4).default([]),
    answer: z
      .array(z.union([OptionKey, TrueFalseKey]))
      .min(1)
      .max(4),
    explanation: z.string().max(2000).default(""),
    chapter: z.string().min(1).max(64),
    categories: z.array(CategoryCode).min(1).max(Object.keys(CATEGORIES).length),
    difficulty: z.number().int().min(1).max(5).default(3),
    // CSV and XLSX carry tags in one cell split on | ; ；: a tag holding one could not be exported.
    tags: z
      .array(
        z
          .string()
          .max(32)
          .refine((t) => !/[|;；]/.test(t), "标签不能含有 |、; 或 ；"),
      )
      .max(20)
      .default([]),
    source: z.string().max(200).default(""),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const [path, text] of questionTexts(q)) {
      const problem = hiddenCharacterProblem(path, text);
      if (problem) ctx.addIssue({ code: "custom", path, message: problem });
    }
    const keys = new Set(q.options.map((o) => o.key));
    const answer = new Set(q.answer);
    if (answer.size !== q.answer.length)
      ctx.addIssue({ code: "custom", path: ["answer"], message: "答案有重复选项" });
    if (q.type === "true_false") {
      if (q.options.length) ctx.addIssue({ code: "custom", path: ["options"], message: "判断题不设选项" });
      if (q.answer.length !== 1 || !TrueFalseKey.safeParse(q.answer[0]).success)
        ctx.addIssue({ code: "custom", path: ["answer"], message: "判断题答案须为 T 或 F" });
      return;
    }
    if (q.options.length !== 4 || keys.size !== 4)
      ctx.addIssue({ code: "custom", path: ["options"], message: "选择题须有 A、B、C、D 四个选项" });
    // Two choices reading the same (after width and spacing are evened out) show the candidate
    // identical options of which only one scores; a blank one shows nothing to choose.
    const seen = new Map<string, string>();
    q.options.forEach((o, i) => {
      const reads = o.text.normalize("NFKC").replace(/\s+/g, " ").trim();
      if (!reads)
        ctx.addIssue({ code: "custom", path: ["options", i, "text"], message: `选项 ${o.key} 内容为空` });
      else if (seen.has(reads))
        ctx.addIssue({
          code: "custom",
          path: ["options", i, "text"],
          message: `选项 ${o.key} 与选项 ${seen.get(reads)} 内容相同`,
        });
      else seen.set(reads, o.key);
    });
    for (const a of q.answer) {
      if (!keys.has(a as z.infer<typeof OptionKey>))
        ctx.addIssue({ code: "custom", path: ["answer"], message: `答案 ${a} 不是本题选项` });
    }
    if (q.type === "single" && q.answer.length !== 1)
      ctx.addIssue({ code: "custom", path: ["answer"], message: "单选题须恰有一个答案" });
    if (q.type === "multiple" && q.answer.length < 2)
      ctx.addIssue({ code: "custom", path: ["answer"], message: "多选题须有两个或以上答案" });
  });
export type QuestionInput = z.infer<typeof QuestionInput>;

/** A question file in question-bank/ (format "roadcert-questions/1"). */
export const QuestionFile = z
  .object({
    format: z.literal("roadcert-questions/1"),
    title: z.string().min(1).max(200),
    /** Authorship statement: roadcert's own text written from facts, never copied. */
    note: z.string().max(2000).default(""),
    questions: z.array(QuestionInput).min(1).max(20_000),
  })
  .strict();
export type QuestionFile = z.infer<typeof QuestionFile>;

/** Accommodations (照顾措施) one blueprint may approve. */
export const MAX_ACCOMMODATIONS = 20;
/** A blueprint has at most this many cells, each asking at most MAX_CELL_QUESTIONS questions. */
export const MAX_BLUEPRINT_CELLS = 200;
export const MAX_CELL_QUESTIONS = 200;
/** So a paper holds at most this many questions. */
export const MAX_PAPER_QUESTIONS = MAX_BLUEPRINT_CELLS * MAX_CELL_QUESTIONS;

/** One cell of a blueprint: how many questions of one type from one chapter. */
export const BlueprintCell = z
  .object({
    type: QuestionType,
    chapter: z.string().min(1).max(64),
    count: z.number().int().min(1).max(MAX_CELL_QUESTIONS),
  })
  .strict();

/**
 * Points with at most two decimals: grading sums them exactly in hundredths (a hundred 0.1-point
 * items summed as binary fractions make 9.99999999999998 and fail a pass mark of 10).
 */
const centPoints = (schema: z.ZodNumber) =>
  schema.max(10_000).refine((x) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6, "分值最多保留两位小数");

/**
 * A paper blueprint (组卷方案) for one category. Every figure is configuration: no authoritative
 * national values exist (shared/DOMAIN.md).
 */
export const BlueprintShape = z
  .object({
    categoryCode: CategoryCode,
    title: z.string().min(1).max(100),
    minutes: z.number().int().min(5).max(300),
    /** Pass mark on the paper's total score. */
    passMark: centPoints(z.number().min(0)),
    /** Points per question of each type. */
    points: z
      .object({
        true_false: centPoints(z.number().positive()),
        single: centPoints(z.number().positive()),
        multiple: centPoints(z.number().positive()),
      })
      .strict(),
    cells: z.array(BlueprintCell).min(1).max(MAX_BLUEPRINT_CELLS),
    /** Optional share of questions per difficulty level, e.g. {"1":0.2,"3":0.6,"5":0.2}; a preference, not a hard rule. */
    // Keys 1–5 only, so at most five entries.
    difficultyMix: z
      .record(z.string().regex(/^[1-5]$/), z.number().min(0).max(1))
      .meta({ maxProperties: 5 })
      .optional(),
    /** Multiple choice: all-or-nothing (default) or partial credit for a correct subset. */
    multipleScoring: z.enum(["all_or_nothing", "partial"]).default("all_or_nothing"),
    retake: z
      .object({
        freeRetakes: z.number().int().min(0).max(10).default(1),
        waitDays: z.number().int().min(0).max(365).default(30),
      })
      .strict()
      .default({ freeRetakes: 1, waitDays: 30 }),
    /** Extra minutes granted for approved accommodations (e.g. {"low_vision": 15}). */
    // A record has no size bound of its own: the refinement enforces one, the meta publishes it.
    accommodations: z
      .record(z.string().min(1).max(32), z.number().int().min(0).max(120))
      .refine((a) => Object.keys(a).length <= MAX_ACCOMMODATIONS, `照顾措施最多 ${MAX_ACCOMMODATIONS} 项`)
      .meta({ maxProperties: MAX_ACCOMMODATIONS })
      .default({}),
  })
  .strict();

/**
 * A blueprint as saved, imported or published. Grading passes score >= passMark: above the
 * paper's full marks nobody passes, at 0 a blank paper passes (and becomes a certificate).
 * Checked wherever a blueprint comes in, not only by bank:validate; a feasibility check (can the
 * bank fill these cells?) takes the bare shape.
 */
export const BlueprintInput = BlueprintShape.superRefine((b, ctx) => {
  // In hundredths, as grading compares: summed as binary fractions, 0.7 + 0.1 fell below a pass
  // mark of 0.8 and refused a blueprint whose pass mark is exactly full marks.
  const hundredths = b.cells.reduce((sum, c) => sum + c.count * inHundredths(b.points[c.type]), 0);
  const total = hundredths / 100;
  if (b.passMark <= 0 || inHundredths(b.passMark) > hundredths)
    ctx.addIssue({
      code: "custom",
      path: ["passMark"],
      message: `及格分须大于 0 且不高于满分 ${total}（现为 ${b.passMark}）`,
    });
});
export type BlueprintInput = z.infer<typeof BlueprintInput>;

/** A blueprint file in question-bank/ (format "roadcert-blueprint/1"). */
export const BlueprintFile = z
  .object({ format: z.literal("roadcert-blueprint/1"), blueprint: BlueprintInput })
  .strict();
export type BlueprintFile = z.infer<typeof BlueprintFile>;
export type BlueprintCell = z.infer<typeof BlueprintCell>;
