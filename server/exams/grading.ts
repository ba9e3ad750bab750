import type { Paper, PaperQuestion } from "../contracts/paper.js";

/** One graded question. */
export interface GradedItem {
  index: number;
  correct: boolean;
  awarded: number;
}

/** A graded paper. */
export interface Grade {
  score: number;
  totalPoints: number;
  passMark: number;
  passed: boolean;
  items: GradedItem[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
};

/**
 * Points for one question. Multiple choice is all-or-nothing unless the blueprint says `partial`:
 * then a correct subset (no wrong option) earns points in proportion to the keys chosen, and any
 * wrong option earns nothing (the usual 多选 rule: 错选不得分, 少选按比例).
 */
export function gradeQuestion(
  q: Pick<PaperQuestion, "type" | "answer" | "points">,
  chosen: readonly string[],
  scoring: Paper["multipleScoring"],
): { correct: boolean; awarded: number } {
  const correct = chosen.length > 0 && sameSet(chosen, q.answer);
  if (correct) return { correct, awarded: q.points };
  if (q.type !== "multiple" || scoring !== "partial" || chosen.length === 0) return { correct, awarded: 0 };
  const key = new Set(q.answer);
  if (chosen.some((c) => !key.has(c))) return { correct, awarded: 0 };
  const awarded = Math.round(((q.points * new Set(chosen).size) / key.size) * 100) / 100;
  return { correct, awarded };
}

/** Grades a whole paper from the answers stored per question index (missing = unanswered). */
export function gradePaper(
  paper: Pick<Paper, "questions" | "passMark" | "totalPoints" | "multipleScoring">,
  answers: readonly (readonly string[] | undefined)[],
): Grade {
  const items = paper.questions.map((q, index) => ({
    index,
    ...gradeQuestion(q, answers[index] ?? [], paper.multipleScoring),
  }));
  const score = Math.round(items.reduce((s, i) => s + i.awarded, 0) * 100) / 100;
  return {
    score,
    totalPoints: paper.totalPoints,
    passMark: paper.passMark,
    passed: score >= paper.passMark,
    items,
  };
}
