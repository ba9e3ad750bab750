import type { CategoryCode } from "../contracts/categories.js";
import type { Paper, PaperQuestion } from "../contracts/paper.js";
import { sumPoints } from "../contracts/points.js";
import {
  QUESTION_TYPE_NAMES,
  type BankQuestionSnapshot,
  type BankShortfall,
  type Blueprint,
  type QuestionType,
} from "../contracts/question-bank.js";
import { AppError } from "../lib/errors.js";
import { createRng, shuffle, type Rng } from "./prng.js";

/** Input of `assemblePaper`: everything it needs, nothing it must fetch. */
export interface AssemblyInput {
  /** Published, non-quarantined question versions (any order; assembly sorts them itself). */
  questions: BankQuestionSnapshot[];
  blueprint: Blueprint;
  /** Stored with the paper: the same seed and inputs rebuild the same paper (audit). */
  seed: string;
  /** Questions this candidate saw in earlier attempts: avoided where the bank allows. */
  avoidQuestionIds?: string[];
  /** How often each question was already given in this session: the least-exposed are preferred. */
  exposure?: Map<string, number>;
}

/** Papers list questions grouped by type, as the national exams do: 判断, then 单选, then 多选. */
const TYPE_ORDER: QuestionType[] = ["true_false", "single", "multiple"];
const DISPLAY_KEYS = ["A", "B", "C", "D"] as const;

interface Cell {
  type: QuestionType;
  chapter: string;
  count: number;
}

/** Merges blueprint cells naming the same type × chapter, so they draw from one pool without double counting. */
export function mergeCells(blueprint: Pick<Blueprint, "cells">): Cell[] {
  const byKey = new Map<string, Cell>();
  for (const c of blueprint.cells) {
    const key = `${c.type}\u0000${c.chapter}`;
    const prev = byKey.get(key);
    if (prev) prev.count += c.count;
    else byKey.set(key, { type: c.type, chapter: c.chapter, count: c.count });
  }
  return [...byKey.values()];
}

/** Questions of one category in one cell. */
function inCell(
  q: BankQuestionSnapshot,
  categoryCode: CategoryCode,
  cell: Pick<Cell, "type" | "chapter">,
): boolean {
  return q.type === cell.type && q.chapter === cell.chapter && q.categories.includes(categoryCode);
}

/**
 * Checks whether the questions can fill every cell; returns the short cells (empty when feasible)
 * with the pool size of each cell.
 */
export function checkFeasibility(
  questions: readonly BankQuestionSnapshot[],
  blueprint: Pick<Blueprint, "categoryCode" | "cells">,
): {
  cells: { type: QuestionType; chapter: string; needed: number; available: number }[];
  shortfalls: BankShortfall[];
} {
  const cells = mergeCells(blueprint).map((cell) => ({
    type: cell.type,
    chapter: cell.chapter,
    needed: cell.count,
    available: uniqueIds(questions.filter((q) => inCell(q, blueprint.categoryCode, cell))).length,
  }));
  const shortfalls = cells
    .filter((c) => c.available < c.needed)
    .map((c) => ({ categoryCode: blueprint.categoryCode, ...c }));
  return { cells, shortfalls };
}

/** One version per question id (the highest), so a question can never appear twice in a paper. */
function uniqueIds(questions: readonly BankQuestionSnapshot[]): BankQuestionSnapshot[] {
  const byId = new Map<string, BankQuestionSnapshot>();
  for (const q of questions) {
    const prev = byId.get(q.id);
    if (!prev || prev.version < q.version) byId.set(q.id, q);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Splits `total` over difficulty levels by the blueprint's difficulty mix (largest remainder), so a
 * cell of 7 with mix {1:0.2,3:0.6,5:0.2} aims at 1/4/1 + one more by remainder.
 */
function difficultyTargets(
  total: number,
  mix: Record<string, number> | undefined,
): Map<number, number> | null {
  if (!mix) return null;
  const entries = Object.entries(mix).filter(([, share]) => share > 0);
  const sum = entries.reduce((s, [, share]) => s + share, 0);
  if (!entries.length || sum <= 0) return null;
  const raw = entries.map(([level, share]) => ({ level: Number(level), exact: (total * share) / sum }));
  const targets = new Map(raw.map((r) => [r.level, Math.floor(r.exact)]));
  let left = total - [...targets.values()].reduce((s, n) => s + n, 0);
  const byRemainder = [...raw].sort(
    (a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.level - b.level,
  );
  for (const r of byRemainder) {
    if (left <= 0) break;
    targets.set(r.level, (targets.get(r.level) ?? 0) + 1);
    left--;
  }
  return targets;
}

/**
 * Picks `count` questions from a cell's pool. Preference order: not seen by this candidate before
 * (avoidance), a difficulty level the mix still wants, least exposed in this session, then a seeded
 * random draw. Greedy, one pick at a time, so difficulty targets track what was already taken.
 */
function pickFromCell(
  pool: BankQuestionSnapshot[],
  count: number,
  rng: Rng,
  avoid: Set<string>,
  exposure: Map<string, number>,
  mix: Record<string, number> | undefined,
): BankQuestionSnapshot[] {
  const draws = new Map(pool.map((q) => [q.id, rng.next()]));
  const targets = difficultyTargets(count, mix);
  const remaining = [...pool];
  const picked: BankQuestionSnapshot[] = [];
  while (picked.length < count) {
    let bestIndex = -1;
    let bestKey: number[] = [];
    remaining.forEach((q, i) => {
      const wanted = targets ? ((targets.get(q.difficulty) ?? 0) > 0 ? 0 : 1) : 0;
      const key = [avoid.has(q.id) ? 1 : 0, wanted, exposure.get(q.id) ?? 0, draws.get(q.id) ?? 0];
      if (bestIndex < 0 || lexLess(key, bestKey)) {
        bestIndex = i;
        bestKey = key;
      }
    });
    const [q] = remaining.splice(bestIndex, 1);
    if (!q) break;
    picked.push(q);
    if (targets) targets.set(q.difficulty, (targets.get(q.difficulty) ?? 0) - 1);
  }
  return picked;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** Shuffles a choice question's options and re-letters them A–D; maps the key to the new letters. */
function freezeQuestion(q: BankQuestionSnapshot, points: number, rng: Rng): PaperQuestion {
  const base = {
    questionId: q.id,
    version: q.version,
    type: q.type,
    chapter: q.chapter,
    difficulty: q.difficulty,
    stem: q.stem,
    explanation: q.explanation,
    points,
    ...(q.imageId ? { imageId: q.imageId } : {}),
  };
  if (q.type === "true_false") return { ...base, options: [], optionOrder: [], answer: [...q.answer] };
  const order = shuffle(q.options, rng);
  const options = order.map((o, i) => ({ key: DISPLAY_KEYS[i] ?? String(i), text: o.text }));
  const optionOrder = order.map((o) => o.key as string);
  const answer = q.answer
    .map((original) => DISPLAY_KEYS[optionOrder.indexOf(original)])
    .filter((k): k is (typeof DISPLAY_KEYS)[number] => k !== undefined)
    .sort();
  return { ...base, options, optionOrder, answer };
}

/** The short cells as examiners and proctors read them: 安全行车/单选题 需 20 题，仅有 14 题；… */
export function shortfallText(shortfalls: readonly BankShortfall[]): string {
  return shortfalls
    .map((s) => `${s.chapter}/${QUESTION_TYPE_NAMES[s.type]} 需 ${s.needed} 题，仅有 ${s.available} 题`)
    .join("；");
}

/**
 * Builds one candidate's paper from published questions and a blueprint. Pure and deterministic:
 * the same inputs and seed always give the same paper, so the stored seed rebuilds it for audit.
 * Exact counts per type × chapter cell; questions grouped by type and shuffled within each group;
 * options shuffled and re-lettered. Throws `bank_insufficient` naming every short cell.
 */
export function assemblePaper(input: AssemblyInput): Paper {
  const { blueprint, seed } = input;
  const questions = uniqueIds(input.questions);
  const { shortfalls } = checkFeasibility(questions, blueprint);
  if (shortfalls.length) {
    throw new AppError(
      "bank_insufficient",
      422,
      `题库不足以按组卷方案组卷：${shortfallText(shortfalls)}`,
      { shortfalls },
    );
  }
  const rng = createRng(`roadcert-paper/1|${seed}`);
  const avoid = new Set(input.avoidQuestionIds ?? []);
  const exposure = input.exposure ?? new Map<string, number>();
  const used = new Set<string>();
  const byType = new Map<QuestionType, BankQuestionSnapshot[]>();
  // Cells are visited in a canonical order so the blueprint's cell order cannot change the paper.
  const cells = mergeCells(blueprint).sort(
    (a, b) =>
      TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) ||
      (a.chapter < b.chapter ? -1 : a.chapter > b.chapter ? 1 : 0),
  );
  for (const cell of cells) {
    const pool = questions.filter((q) => inCell(q, blueprint.categoryCode, cell) && !used.has(q.id));
    const picked = pickFromCell(pool, cell.count, rng, avoid, exposure, blueprint.difficultyMix);
    for (const q of picked) used.add(q.id);
    byType.set(cell.type, [...(byType.get(cell.type) ?? []), ...picked]);
  }
  const frozen: PaperQuestion[] = [];
  for (const type of TYPE_ORDER) {
    for (const q of shuffle(byType.get(type) ?? [], rng))
      frozen.push(freezeQuestion(q, blueprint.points[type], rng));
  }
  return {
    categoryCode: blueprint.categoryCode,
    blueprintId: blueprint.id,
    blueprintVersion: blueprint.version,
    seed,
    minutes: blueprint.minutes,
    passMark: blueprint.passMark,
    totalPoints: sumPoints(frozen.map((q) => q.points)),
    multipleScoring: blueprint.multipleScoring,
    questions: frozen,
  };
}
