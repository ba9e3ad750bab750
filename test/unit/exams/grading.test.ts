import { expect } from "chai";
import type { PaperQuestion } from "../../../server/contracts/paper.js";
import { gradePaper, gradeQuestion } from "../../../server/exams/index.js";

const q = (type: PaperQuestion["type"], answer: string[], points = 1) => ({ type, answer, points });

describe("grading", () => {
  it("when a multiple-choice answer is exactly the key in any order, then it earns full points", () => {
    expect(gradeQuestion(q("multiple", ["A", "C", "D"], 2), ["D", "A", "C"], "all_or_nothing")).to.deep.equal(
      { correct: true, awarded: 2 },
    );
  });

  it("when a multiple-choice answer misses one key under all-or-nothing, then it earns nothing", () => {
    expect(gradeQuestion(q("multiple", ["A", "C"]), ["A"], "all_or_nothing")).to.deep.equal({
      correct: false,
      awarded: 0,
    });
  });

  it("when the blueprint says partial and a correct subset is chosen, then points are proportional", () => {
    expect(gradeQuestion(q("multiple", ["A", "B", "C", "D"], 2), ["A", "B"], "partial")).to.deep.equal({
      correct: false,
      awarded: 1,
    });
  });

  it("when the blueprint says partial but a wrong option is chosen, then it earns nothing", () => {
    expect(gradeQuestion(q("multiple", ["A", "B"], 2), ["A", "D"], "partial").awarded).to.equal(0);
  });

  it("when a question is unanswered, then it is wrong even under partial scoring", () => {
    expect(gradeQuestion(q("multiple", ["A", "B"]), [], "partial")).to.deep.equal({
      correct: false,
      awarded: 0,
    });
    expect(gradeQuestion(q("true_false", ["T"]), [], "all_or_nothing").correct).to.equal(false);
  });

  it("when a paper is graded, then the score sums the items and pass means score ≥ pass mark", () => {
    const questions = [q("true_false", ["T"]), q("single", ["B"]), q("multiple", ["A", "C"])].map(
      (x) => ({ ...x }) as PaperQuestion,
    );
    const paper = { questions, passMark: 2, totalPoints: 3, multipleScoring: "all_or_nothing" as const };
    const pass = gradePaper(paper, [["T"], ["B"], ["A"]]);
    expect(pass).to.include({ score: 2, passed: true });
    expect(pass.items.map((i) => i.correct)).to.deep.equal([true, true, false]);
    expect(gradePaper(paper, [["F"], undefined, ["A", "C"]])).to.include({ score: 1, passed: false });
  });

  it("when partial credits add up exactly to the pass mark, then the paper passes; just below it, it fails", () => {
    const third = q("multiple", ["A", "B", "C"], 1) as PaperQuestion;
    const twoPoint = q("multiple", ["A", "B", "C"], 2) as PaperQuestion;
    const one = q("single", ["B"], 1) as PaperQuestion;
    // 1 + three one-third credits = 2 exactly (items rounded first made it 1.99, a fail).
    const exact = {
      questions: [one, third, third, third],
      passMark: 2,
      totalPoints: 4,
      multipleScoring: "partial" as const,
    };
    expect(gradePaper(exact, [["B"], ["A"], ["B"], ["C"]])).to.include({ score: 2, passed: true });
    // Three two-thirds credits are 2 exactly (items rounded first said 2.01).
    const below = {
      questions: [twoPoint, twoPoint, twoPoint],
      passMark: 3,
      totalPoints: 6,
      multipleScoring: "partial" as const,
    };
    const graded = gradePaper(below, [["A"], ["B"], ["C"]]);
    expect(graded).to.include({ score: 2, passed: false });
    expect(graded.items.map((i) => i.awarded)).to.deep.equal([0.67, 0.67, 0.67]);
  });

  it("when a hundred 0.1-point questions are all right and the pass mark is 10, then the paper passes with 10", () => {
    const tenth = q("single", ["B"], 0.1) as PaperQuestion;
    const paper = {
      questions: Array.from({ length: 100 }, () => tenth),
      passMark: 10,
      totalPoints: 10,
      multipleScoring: "all_or_nothing" as const,
    };
    expect(gradePaper(paper, paper.questions.map(() => ["B"]))).to.include({ score: 10, passed: true });
    expect(gradePaper(paper, paper.questions.map((_, i) => (i === 0 ? ["A"] : ["B"])))).to.include({
      score: 9.9,
      passed: false,
    });
  });

  it("when a paper was frozen with its full marks summed as binary fractions, then the result carries the exact full marks", () => {
    const questions = [
      ...Array.from({ length: 40 }, () => q("true_false", ["T"], 0.5)),
      ...Array.from({ length: 50 }, () => q("single", ["B"], 1.2)),
      ...Array.from({ length: 10 }, () => q("multiple", ["A", "B"], 2)),
    ] as PaperQuestion[];
    const frozenTotal = questions.reduce((sum, x) => sum + x.points, 0);
    expect(frozenTotal).to.not.equal(100);
    const paper = { questions, passMark: 80, totalPoints: frozenTotal, multipleScoring: "all_or_nothing" as const };
    expect(gradePaper(paper, [])).to.include({ score: 0, totalPoints: 100, passed: false });
  });
});
