import type { Paper, PaperQuestion } from "../contracts/paper.js";
import { inHundredths, sumPoints } from "../contracts/points.js";

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
 * Points for one question as an exact fraction (numerator in hundredths of a point, denominator). Multiple choice is
 * all-or-nothing unless the blueprint says `partial`: then a correct subset (no wrong option) earns
 * points in proportion to the keys chosen, and any wrong option earns nothing (the usual 多选 rule:
 * 错选不得分, 少选按比例).
 */
function pointsEarned(
  q: Pick<PaperQuestion, "type" | "answer" | "points">,
  chosen: readonly string[],
  scoring: Paper["multipleScoring"],
): { correct: boolean; num: number; den: number } {
  const correct = chosen.length > 0 && sameSet(chosen, q.answer);
  if (correct) return { correct, num: inHundredths(q.points), den: 1 };
  if (q.type !== "multiple" || scoring !== "partial" || chosen.length === 0) return { correct, num: 0, den: 1 };
  const key = new Set(q.answer);
  if (chosen.some((c) => !key.has(c))) return { correct, num: 0, den: 1 };
  return { correct, num: inHundredths(q.points) * new Set(chosen).size, den: key.size };
}

const hundredths = (x: number) => Math.round(x * 100) / 100;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Points for one question, to the hundredth (what the candidate's item shows). */
export function gradeQuestion(
  q: Pick<PaperQuestion, "type" | "answer" | "points">,
  chosen: readonly string[],
  scoring: Paper["multipleScoring"],
): { correct: boolean; awarded: number } {
  const { correct, num, den } = pointsEarned(q, chosen, scoring);
  return { correct, awarded: hundredths(num / den / 100) };
}

/**
 * Grades a whole paper from the answers stored per question index (missing = unanswered). The
 * score is summed exactly (whole hundredths over the common denominator of the items' fractions)
 * and rounded once:
 * items rounded first made three one-third points 0.99, failing a paper exactly at its pass mark,
 * and three two-thirds 2.01, passing one just below it. Pass or fail compares the exact sum.
 */
export function gradePaper(
  paper: Pick<Paper, "questions" | "passMark" | "totalPoints" | "multipleScoring">,
  answers: readonly (readonly string[] | undefined)[],
): Grade {
  const earned = paper.questions.map((q, index) => ({
    index,
    ...pointsEarned(q, answers[index] ?? [], paper.multipleScoring),
  }));
  const common = earned.reduce((l, e) => (l / gcd(l, e.den)) * e.den, 1);
  const exact = earned.reduce((sum, e) => sum + e.num * (common / e.den), 0);
  const items = earned.map(({ index, correct, num, den }) => ({
    index,
    correct,
    awarded: hundredths(num / den / 100),
  }));
  return {
    score: hundredths(exact / common / 100),
    // Summed again exactly: a paper frozen before its total was summed in hundredths carries the
    // binary-fraction sum (100.0000000000001 for 40 × 0.5 + 50 × 1.2 + 10 × 2).
    totalPoints: sumPoints(paper.questions.map((q) => q.points)),
    passMark: paper.passMark,
    passed: exact >= inHundredths(paper.passMark) * common,
    items,
  };
}
