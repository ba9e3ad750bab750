import { expect } from "chai";
import { assertChoiceFits } from "../../../server/exams/choice-check.js";
import { AppError } from "../../../server/lib/errors.js";

const options = (keys: string[]) => keys.map((key) => ({ key, text: `选项${key}` }));
const single = { type: "single" as const, options: options(["A", "B", "C", "D"]) };
const threeOptions = { type: "multiple" as const, options: options(["A", "B", "C"]) };
const trueFalse = { type: "true_false" as const, options: [] };

const codeOf = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : "not an AppError";
  }
};

describe("answer keys are checked against the question", () => {
  it("when a key is not one of the question's options, then the save is refused invalid_choice", () => {
    expect(codeOf(() => assertChoiceFits(trueFalse, ["A"]))).to.equal("invalid_choice");
    expect(codeOf(() => assertChoiceFits(single, ["T"]))).to.equal("invalid_choice");
    expect(codeOf(() => assertChoiceFits(threeOptions, ["A", "D"]))).to.equal("invalid_choice");
  });

  it("when several keys are chosen on a single-choice or true/false question, then the save is refused", () => {
    expect(codeOf(() => assertChoiceFits(single, ["A", "B"]))).to.equal("invalid_choice");
    expect(codeOf(() => assertChoiceFits(trueFalse, ["T", "F"]))).to.equal("invalid_choice");
  });

  it("when the keys are the question's own (or none, clearing it), then the save goes ahead", () => {
    expect(codeOf(() => assertChoiceFits(single, ["C"]))).to.equal(null);
    expect(codeOf(() => assertChoiceFits(trueFalse, ["F"]))).to.equal(null);
    expect(codeOf(() => assertChoiceFits(threeOptions, ["A", "B", "C"]))).to.equal(null);
    expect(codeOf(() => assertChoiceFits(single, []))).to.equal(null);
    expect(codeOf(() => assertChoiceFits(single, ["B", "B"]))).to.equal(null);
  });
});
