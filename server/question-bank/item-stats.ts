import type { ItemFlag, ItemResponse, ItemStat } from "../contracts/item-stats.js";

/** Thresholds for flags; classical-test-theory rules of thumb (Moodle's quiz statistics use the same ideas). */
export interface ItemStatsOptions {
  /** Below this many responses no flag but `few_responses` is raised: the figures are noise. */
  minResponses: number;
  /** Discrimination below this (but ≥ 0) is flagged low. */
  lowDiscrimination: number;
  /** Facility above this is flagged too easy, below `tooHard` too hard. */
  tooEasy: number;
  tooHard: number;
}

export const DEFAULT_ITEM_STATS_OPTIONS: ItemStatsOptions = {
  minResponses: 20,
  lowDiscrimination: 0.15,
  tooEasy: 0.95,
  tooHard: 0.2,
};

/**
 * Computes facility, corrected point-biserial discrimination and distractor counts per question
 * version. The point-biserial correlates the item score (0/1) with the candidate's rest score
 * (total minus this item's points), so an item does not correlate with itself.
 */
export function computeItemStats(
  responses: readonly ItemResponse[],
  options: Partial<ItemStatsOptions> = {},
): Omit<ItemStat, "quarantined" | "ref" | "stem">[] {
  const opts = { ...DEFAULT_ITEM_STATS_OPTIONS, ...options };
  const groups = new Map<string, ItemResponse[]>();
  for (const r of responses) {
    const key = `${r.questionId}\u0000${r.version}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const stats: Omit<ItemStat, "quarantined" | "ref" | "stem">[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const n = group.length;
    const scores = group.map((r) => (r.correct ? 1 : 0));
    const rest = group.map((r) => r.totalScore - r.awarded);
    const facility = scores.reduce<number>((s, x) => s + x, 0) / n;
    const discrimination = pointBiserial(scores, rest);
    const distractors: Record<string, number> = { blank: 0 };
    for (const r of group) {
      if (!r.chosen.length) distractors.blank = (distractors.blank ?? 0) + 1;
      for (const shown of r.chosen) {
        const original = originalKey(shown, r.optionOrder);
        distractors[original] = (distractors[original] ?? 0) + 1;
      }
    }
    const flags: ItemFlag[] = [];
    if (n < opts.minResponses) flags.push("few_responses");
    else {
      if (discrimination !== null && discrimination < 0) flags.push("negative_discrimination");
      else if (discrimination !== null && discrimination < opts.lowDiscrimination)
        flags.push("low_discrimination");
      if (facility > opts.tooEasy) flags.push("too_easy");
      if (facility < opts.tooHard) flags.push("too_hard");
    }
    stats.push({
      questionId: first.questionId,
      version: first.version,
      responses: n,
      facility,
      discrimination,
      distractors,
      flags,
    });
  }
  return stats.sort((a, b) =>
    a.questionId < b.questionId ? -1 : a.questionId > b.questionId ? 1 : a.version - b.version,
  );
}

/** Maps a displayed letter back to the question's original key (T/F and unknown letters pass through). */
function originalKey(shown: string, optionOrder: readonly string[]): string {
  const index = "ABCD".indexOf(shown);
  if (shown.length !== 1 || index < 0) return shown;
  return optionOrder[index] ?? shown;
}

/** Pearson correlation of a 0/1 variable with a continuous one; null when either has no variance. */
export function pointBiserial(item: readonly number[], score: readonly number[]): number | null {
  const n = item.length;
  if (n < 2 || score.length !== n) return null;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / n;
  const mi = mean(item);
  const ms = mean(score);
  let cov = 0;
  let vi = 0;
  let vs = 0;
  for (let k = 0; k < n; k++) {
    const di = (item[k] ?? 0) - mi;
    const ds = (score[k] ?? 0) - ms;
    cov += di * ds;
    vi += di * di;
    vs += ds * ds;
  }
  if (vi === 0 || vs === 0) return null;
  return cov / Math.sqrt(vi * vs);
}
