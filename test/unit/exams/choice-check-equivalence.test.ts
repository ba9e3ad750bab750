import { expect } from "chai";
import { assertChoiceFits, offeredKeys } from "../../../server/exams/choice-check.js";
import { AppError } from "../../../server/lib/errors.js";

/**
 * The save path checks a choice against the question without building its list of keys each time
 * (issue 17): held here to the rule as first written, for every question kind, option set and
 * choice of up to four keys.
 */

type Question = Parameters<typeof assertChoiceFits>[0];

/** The rule as first written: the question's keys listed, then each chosen key looked up in the list. */
function reference(question: Question, choice: readonly string[]): void {
  if (choice.length === 0) return;
  if (question.type !== "multiple" && choice.some((key) => key !== choice[0]))
    throw new AppError("invalid_choice", 400, "本题只能选择一个答案");
  const offered = question.type === "true_false" ? ["T", "F"] : question.options.map((o) => o.key);
  for (const key of choice)
    if (!offered.includes(key)) throw new AppError("invalid_choice", 400, `选项 ${key} 不是本题的选项`);
}

const outcome = (fn: () => void): string => {
  try {
    fn();
    return "accepted";
  } catch (err) {
    return err instanceof AppError ? `${err.code} ${err.status} ${err.message}` : `thrown ${String(err)}`;
  }
};

const KEYS = ["A", "B", "C", "D", "T", "F"];

/** Every choice of up to four keys from `KEYS`, repeats and orders included. */
function choices(): string[][] {
  const all: string[][] = [[]];
  for (let size = 0; size < 4; size++)
    for (const prefix of all.filter((c) => c.length === size)) for (const k of KEYS) all.push([...prefix, k]);
  return all;
}

describe("a choice checked against its question", () => {
  it("when any choice of up to four keys meets any kind of question and option set, then it is accepted or refused as the rule first written does", () => {
    const optionSets = [
      [],
      ["A"],
      ["A", "B"],
      ["A", "B", "C"],
      ["A", "B", "C", "D"],
      ["B", "D"],
      ["T", "F"],
      ["A", "B", "C", "D", "E"],
    ];
    const questions: Question[] = [];
    for (const type of ["single", "multiple", "true_false"] as const)
      for (const keys of optionSets)
        questions.push({ type, options: keys.map((key) => ({ key, text: `选项${key}` })) });
    let refused = 0;
    for (const question of questions)
      for (const choice of choices()) {
        const got = outcome(() => assertChoiceFits(question, choice));
        expect(
          got,
          `${question.type} ${question.options.map((o) => o.key).join("")} ${choice.join("")}`,
        ).to.equal(outcome(() => reference(question, choice)));
        if (got !== "accepted") refused += 1;
      }
    expect(refused).to.be.greaterThan(0);
  });

  it("when a question's offered keys are asked for, then they are T and F for true/false and its option keys in order otherwise", () => {
    expect(offeredKeys({ type: "true_false", options: [] })).to.deep.equal(["T", "F"]);
    expect(
      offeredKeys({
        type: "single",
        options: [
          { key: "B", text: "b" },
          { key: "A", text: "a" },
        ],
      }),
    ).to.deep.equal(["B", "A"]);
  });
});
