import type { CategoryCode } from "@contracts/categories.js";
import type { QuestionDto, QuestionInput, QuestionType } from "@contracts/question-bank.js";

export type OptionKey = "A" | "B" | "C" | "D";
/** The four choices a choice question always has (a true/false question has none). */
export const KEYS: OptionKey[] = ["A", "B", "C", "D"];

/**
 * The question editor's fields: the contract's question in the shapes the form controls edit. The
 * key is kept twice, `single` for true/false and single choice and `multiple` for multiple choice,
 * because the controls that edit them hold a string and a list.
 */
export interface QuestionForm {
  ref: string;
  type: QuestionType;
  stem: string;
  options: Record<OptionKey, string>;
  single: string;
  multiple: string[];
  explanation: string;
  chapter: string;
  categories: CategoryCode[];
  difficulty: number;
  tags: string[];
  source: string;
}

/** An empty editor (a new single-choice question of middle difficulty). */
export function emptyQuestionForm(): QuestionForm {
  return {
    ref: "",
    type: "single",
    stem: "",
    options: { A: "", B: "", C: "", D: "" },
    single: "",
    multiple: [],
    explanation: "",
    chapter: "",
    categories: [],
    difficulty: 3,
    tags: [],
    source: "",
  };
}

/** The key as the contract has it: sorted for multiple choice, empty while none is chosen. */
export function answerOf(form: Pick<QuestionForm, "type" | "single" | "multiple">): string[] {
  return form.type === "multiple" ? [...form.multiple].sort() : form.single ? [form.single] : [];
}

/** The question the editor describes, its texts trimmed. */
export function toQuestionInput(form: QuestionForm): QuestionInput {
  return {
    ref: form.ref.trim(),
    type: form.type,
    stem: form.stem.trim(),
    options: form.type === "true_false" ? [] : KEYS.map((key) => ({ key, text: form.options[key].trim() })),
    answer: answerOf(form) as QuestionInput["answer"],
    explanation: form.explanation.trim(),
    chapter: form.chapter.trim(),
    categories: form.categories,
    difficulty: form.difficulty,
    tags: form.tags,
    source: form.source.trim(),
  };
}

/** Loads a saved version into the editor (in place: the page's form is one reactive object). */
export function fillQuestionForm(form: QuestionForm, q: QuestionDto): void {
  form.ref = q.ref;
  form.type = q.type;
  form.stem = q.stem;
  for (const key of KEYS) form.options[key] = q.options.find((o) => o.key === key)?.text ?? "";
  form.single = q.type === "multiple" ? "" : (q.answer[0] ?? "");
  form.multiple = q.type === "multiple" ? [...q.answer] : [];
  form.explanation = q.explanation;
  form.chapter = q.chapter;
  form.categories = [...q.categories];
  form.difficulty = q.difficulty;
  form.tags = [...q.tags];
  form.source = q.source;
}
