import type { CategoryCode } from "@contracts/categories.js";
import type { BlueprintDto, BlueprintInput, QuestionType } from "@contracts/question-bank.js";

/** The blueprint editor's fields: the contract's blueprint in the shapes the form controls edit. */
export interface BlueprintForm {
  title: string;
  minutes: number;
  passMark: number;
  points: Record<QuestionType, number>;
  multipleScoring: "all_or_nothing" | "partial";
  freeRetakes: number;
  /** Percent of questions per difficulty level 1–5; all zero = no preference. */
  mix: number[];
  accommodations: { name: string; minutes: number }[];
  waitDays: number;
  cells: { type: QuestionType; chapter: string; count: number }[];
}

/** The editor's fields for a version, or the defaults for a category without one. */
export function blueprintForm(b: BlueprintDto | null): BlueprintForm {
  return {
    title: b?.title ?? "",
    minutes: b?.minutes ?? 60,
    passMark: b?.passMark ?? 80,
    points: { ...(b?.points ?? { true_false: 1, single: 1, multiple: 1 }) },
    multipleScoring: b?.multipleScoring ?? "all_or_nothing",
    freeRetakes: b?.retake.freeRetakes ?? 1,
    waitDays: b?.retake.waitDays ?? 30,
    cells: (b?.cells ?? []).map((c) => ({ ...c })),
    mix: [1, 2, 3, 4, 5].map((level) => Math.round((b?.difficultyMix?.[String(level)] ?? 0) * 100)),
    accommodations: Object.entries(b?.accommodations ?? {}).map(([name, minutes]) => ({ name, minutes })),
  };
}

/** Why the editor's fields cannot become a blueprint; the message is shown to the author as is. */
export class BlueprintFormRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlueprintFormRefusal";
  }
}

/** Accommodation names (trimmed) that more than one row uses, in the order they first appear. */
export function duplicateAccommodations(form: Pick<BlueprintForm, "accommodations">): string[] {
  const counts = new Map<string, number>();
  for (const a of form.accommodations) {
    const name = a.name.trim();
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([name]) => name);
}

/**
 * The blueprint the editor describes: rows with no questions and unnamed accommodations are left
 * out, and the difficulty mix is sent only when some level has a share. Two rows for the same
 * accommodation are refused: the blueprint keeps one number of minutes per case, and taking either
 * row silently would give candidates extra time the author did not choose. A row with questions but
 * no chapter is refused too: the page counts it in the paper's size and full marks, so dropping it
 * would save a smaller paper under the same pass mark.
 */
export function toBlueprintInput(categoryCode: CategoryCode, form: BlueprintForm): BlueprintInput {
  const unnamed = form.cells.findIndex((c) => c.count > 0 && !c.chapter.trim());
  if (unnamed >= 0)
    throw new BlueprintFormRefusal(`组卷规则第 ${unnamed + 1} 行填写了 ${form.cells[unnamed]?.count} 题但未选择章节`);
  const [duplicate] = duplicateAccommodations(form);
  if (duplicate !== undefined) {
    const times = form.accommodations.filter((a) => a.name.trim() === duplicate).length;
    throw new BlueprintFormRefusal(`特殊照顾情形「${duplicate}」重复填写了 ${times} 次，请合并为一行`);
  }
  return {
    categoryCode,
    title: form.title,
    minutes: form.minutes,
    passMark: form.passMark,
    points: { ...form.points },
    cells: form.cells.filter((c) => c.count > 0).map((c) => ({ ...c, chapter: c.chapter.trim() })),
    multipleScoring: form.multipleScoring,
    retake: { freeRetakes: form.freeRetakes, waitDays: form.waitDays },
    accommodations: Object.fromEntries(
      form.accommodations.filter((a) => a.name.trim()).map((a) => [a.name.trim(), a.minutes]),
    ),
    ...(form.mix.some((p) => p > 0)
      ? {
          difficultyMix: Object.fromEntries(
            form.mix
              .map((p, i): [string, number] => [String(i + 1), p / 100])
              .filter(([, share]) => share > 0),
          ),
        }
      : {}),
  };
}
