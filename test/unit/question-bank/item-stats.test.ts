import { expect } from "chai";
import type { ItemResponse } from "../../../server/contracts/item-stats.js";
import { computeItemStats, pointBiserial } from "../../../server/question-bank/index.js";

/**
 * Ten candidates with totals 10..100. Item "good" is answered correctly by the five best, item
 * "bad" by the five worst, so their discriminations have opposite signs.
 */
function attempts(): ItemResponse[] {
  const rows: ItemResponse[] = [];
  for (let c = 0; c < 10; c++) {
    const total = (c + 1) * 10;
    const strong = c >= 5;
    // Displayed order C, A, D, B: displayed "B" is original "A".
    rows.push({
      attemptId: `a${c}`,
      questionId: "good",
      version: 1,
      optionOrder: ["C", "A", "D", "B"],
      chosen: strong ? ["B"] : c === 0 ? [] : ["A"],
      correct: strong,
      awarded: strong ? 1 : 0,
      totalScore: total,
    });
    rows.push({
      attemptId: `a${c}`,
      questionId: "bad",
      version: 2,
      optionOrder: [],
      chosen: strong ? ["F"] : ["T"],
      correct: !strong,
      awarded: strong ? 0 : 1,
      totalScore: total,
    });
  }
  return rows;
}

describe("question bank: item statistics", () => {
  it("when attempts with known answers are given, then facility is the share fully correct", () => {
    const stats = computeItemStats(attempts(), { minResponses: 5 });
    expect(stats.map((s) => [s.questionId, s.version, s.responses, s.facility])).to.deep.equal([
      ["bad", 2, 10, 0.5],
      ["good", 1, 10, 0.5],
    ]);
  });

  it("when strong candidates get an item right and weak ones wrong, then discrimination is positive; the reverse is flagged negative", () => {
    const [bad, good] = computeItemStats(attempts(), { minResponses: 5 });
    expect(good?.discrimination).to.be.greaterThan(0.8);
    expect(good?.flags).to.deep.equal([]);
    expect(bad?.discrimination).to.be.lessThan(-0.8);
    expect(bad?.flags).to.include("negative_discrimination");
  });

  it("when choices are counted, then they are counted on the original keys with blanks apart", () => {
    const good = computeItemStats(attempts(), { minResponses: 5 }).find((s) => s.questionId === "good");
    // Strong candidates chose displayed B = original A (5); four weak chose displayed A = original C; one left it blank.
    expect(good?.distractors).to.deep.equal({ blank: 1, A: 5, C: 4 });
  });

  it("when there are fewer responses than the minimum, then only few_responses is flagged", () => {
    const stats = computeItemStats(attempts());
    for (const s of stats) expect(s.flags).to.deep.equal(["few_responses"]);
  });

  it("when the point-biserial is computed by hand, then it matches the formula", () => {
    // item 1,1,0,0 with scores 4,3,2,1: Σdi·ds = 2, Σdi² = 1, Σds² = 5, so r = 2/√5 ≈ 0.894
    expect(pointBiserial([1, 1, 0, 0], [4, 3, 2, 1])).to.be.closeTo(2 / Math.sqrt(5), 1e-9);
    expect(pointBiserial([1, 1, 1], [1, 2, 3])).to.equal(null);
  });
});
