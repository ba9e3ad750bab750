import { z } from "zod";
import { CategoryCode } from "./categories.js";

/** 判断 / 单选 / 多选. */
export const QuestionType = z.enum(["true_false", "single", "multiple"]);
export type QuestionType = z.infer<typeof QuestionType>;

export const OptionKey = z.enum(["A", "B", "C", "D"]);
/** True/false questions answer "T" (正确) or "F" (错误) and carry no options. */
export const TrueFalseKey = z.enum(["T", "F"]);

export const QuestionOption = z.object({ key: OptionKey, text: z.string().min(1).max(500) });

/**
 * One question as written in the roadcert exchange format (question-bank/*.json) and accepted by
 * the import API. The answer must fit the type: true_false one of T/F; single exactly one option
 * key; multiple two or more option keys.
 */
export const QuestionInput = z
  .object({
    /** Stable reference within its file, e.g. "PF-SAFE-012"; used to report import problems. */
    ref: z.string().min(1).max(64),
    type: QuestionType,
    stem: z.string().min(4).max(2000),
    options: z.array(QuestionOption).max(4).default([]),
    answer: z.array(z.union([OptionKey, TrueFalseKey])).min(1).max(4),
    explanation: z.string().max(2000).default(""),
    chapter: z.string().min(1).max(64),
    categories: z.array(CategoryCode).min(1),
    difficulty: z.number().int().min(1).max(5).default(3),
    tags: z.array(z.string().max(32)).max(20).default([]),
    source: z.string().max(200).default(""),
  })
  .strict()
  .superRefine((q, ctx) => {
    const keys = new Set(q.options.map((o) => o.key));
    const answer = new Set(q.answer);
    if (answer.size !== q.answer.length) ctx.addIssue({ code: "custom", path: ["answer"], message: "答案有重复选项" });
    if (q.type === "true_false") {
      if (q.options.length) ctx.addIssue({ code: "custom", path: ["options"], message: "判断题不设选项" });
      if (q.answer.length !== 1 || !TrueFalseKey.safeParse(q.answer[0]).success)
        ctx.addIssue({ code: "custom", path: ["answer"], message: "判断题答案须为 T 或 F" });
      return;
    }
    if (q.options.length !== 4 || keys.size !== 4)
      ctx.addIssue({ code: "custom", path: ["options"], message: "选择题须有 A、B、C、D 四个选项" });
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
    title: z.string().min(1),
    /** Authorship statement: roadcert's own text written from facts, never copied. */
    note: z.string().default(""),
    questions: z.array(QuestionInput).min(1),
  })
  .strict();
export type QuestionFile = z.infer<typeof QuestionFile>;

/** One cell of a blueprint: how many questions of one type from one chapter. */
export const BlueprintCell = z
  .object({
    type: QuestionType,
    chapter: z.string().min(1),
    count: z.number().int().min(1).max(200),
  })
  .strict();

/**
 * A paper blueprint (组卷方案) for one category. Every figure is configuration: no authoritative
 * national values exist (shared/DOMAIN.md).
 */
export const BlueprintInput = z
  .object({
    categoryCode: CategoryCode,
    title: z.string().min(1).max(100),
    minutes: z.number().int().min(5).max(300),
    /** Pass mark on the paper's total score. */
    passMark: z.number().min(0),
    /** Points per question of each type. */
    points: z.object({ true_false: z.number().positive(), single: z.number().positive(), multiple: z.number().positive() }).strict(),
    cells: z.array(BlueprintCell).min(1),
    /** Optional share of questions per difficulty level, e.g. {"1":0.2,"3":0.6,"5":0.2}; a preference, not a hard rule. */
    difficultyMix: z.record(z.string().regex(/^[1-5]$/), z.number().min(0).max(1)).optional(),
    /** Multiple choice: all-or-nothing (default) or partial credit for a correct subset. */
    multipleScoring: z.enum(["all_or_nothing", "partial"]).default("all_or_nothing"),
    retake: z
      .object({ freeRetakes: z.number().int().min(0).max(10).default(1), waitDays: z.number().int().min(0).max(365).default(30) })
      .strict()
      .default({ freeRetakes: 1, waitDays: 30 }),
    /** Extra minutes granted for approved accommodations (e.g. {"low_vision": 15}). */
    accommodations: z.record(z.string(), z.number().int().min(0).max(120)).default({}),
  })
  .strict();
export type BlueprintInput = z.infer<typeof BlueprintInput>;

/** A blueprint file in question-bank/ (format "roadcert-blueprint/1"). */
export const BlueprintFile = z.object({ format: z.literal("roadcert-blueprint/1"), blueprint: BlueprintInput }).strict();
