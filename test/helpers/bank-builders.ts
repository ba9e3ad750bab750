import type {
  BankQuestionSnapshot,
  Blueprint,
  QuestionDto,
  QuestionInput,
  QuestionType,
} from "../../server/contracts/question-bank.js";
import type { CategoryCode } from "../../server/contracts/categories.js";

let counter = 0;

/**
 * A question as an examiner writes or imports it, with every field a parse would default written
 * out, so a format's round trip can be compared with it whole.
 */
export function aQuestionInput(overrides: Partial<QuestionInput> = {}): QuestionInput {
  counter++;
  return {
    ref: `IN-${counter}`,
    type: "single",
    stem: "连续驾驶 4 小时后至少应休息多久？",
    options: [
      { key: "A", text: "5 分钟" },
      { key: "B", text: "10 分钟" },
      { key: "C", text: "20 分钟" },
      { key: "D", text: "不必休息" },
    ],
    answer: ["C"],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001"],
    difficulty: 2,
    tags: [],
    source: "",
    ...overrides,
  };
}

/** A published version as the bank's API answers it (aQuestionInput's content); every field overridable. */
export function aQuestionDto(overrides: Partial<QuestionDto> = {}): QuestionDto {
  const { ref, type, stem, options, answer, explanation, chapter, categories, difficulty, tags, source } =
    aQuestionInput();
  return {
    id: `qd-${counter}`,
    version: 1,
    status: "published",
    ...{ ref, type, stem, options, answer, explanation, chapter, categories, difficulty, tags, source },
    authorId: "u-author",
    authorName: "出题人甲",
    contributorIds: ["u-author"],
    quarantined: false,
    history: [],
    createdAt: "2026-12-01T00:00:00.000Z",
    updatedAt: "2026-12-01T00:00:00.000Z",
    ...overrides,
  };
}

/** A published question version for assembly tests; every field overridable. */
export function aQuestion(overrides: Partial<BankQuestionSnapshot> = {}): BankQuestionSnapshot {
  counter++;
  const type: QuestionType = overrides.type ?? "single";
  const id = overrides.id ?? `q${String(counter).padStart(5, "0")}`;
  return {
    id,
    version: 1,
    type,
    stem: `题干 ${id}`,
    options:
      type === "true_false"
        ? []
        : (["A", "B", "C", "D"] as const).map((key) => ({ key, text: `${id} 选项 ${key}` })),
    answer: type === "true_false" ? ["T"] : type === "single" ? ["B"] : ["A", "C"],
    explanation: "",
    chapter: "安全行车",
    categories: ["01001"],
    difficulty: 3,
    ...overrides,
  };
}

/** `n` questions of one cell. */
export function questions(n: number, overrides: Partial<BankQuestionSnapshot> = {}): BankQuestionSnapshot[] {
  return Array.from({ length: n }, () => aQuestion(overrides));
}

/** A blueprint for one category with the given cells. */
export function aBlueprint(cells: Blueprint["cells"], overrides: Partial<Blueprint> = {}): Blueprint {
  return {
    id: "bp-01001",
    version: 1,
    categoryCode: "01001" as CategoryCode,
    title: "测试方案",
    minutes: 60,
    passMark: 80,
    points: { true_false: 1, single: 1, multiple: 2 },
    cells,
    multipleScoring: "all_or_nothing",
    retake: { freeRetakes: 1, waitDays: 30 },
    accommodations: {},
    ...overrides,
  };
}
