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
});
