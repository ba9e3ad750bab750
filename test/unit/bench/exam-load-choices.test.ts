import { expect } from "chai";
import type { AnswerPayload } from "../../../server/contracts/exams.js";
import { assertChoiceFits } from "../../../server/exams/choice-check.js";
import { offeredChoices, type OfferedQuestion } from "../../../scripts/bench/exam-choices.js";
import { drive, resaver, type Save } from "../../../scripts/bench/exam-load.js";

const options = (keys: string[]) => keys.map((key) => ({ key, text: `选项${key}` }));
/** A paper as a candidate receives it: true/false first, then single, then a three-option multiple. */
const paper: OfferedQuestion[] = [
  { type: "true_false", options: [] },
  { type: "true_false", options: [] },
  { type: "single", options: options(["A", "B", "C", "D"]) },
  { type: "multiple", options: options(["A", "B", "C"]) },
];

/** A save that records every payload and acknowledges it. */
function recordingSave(): { save: Save; sent: AnswerPayload[] } {
  const sent: AnswerPayload[] = [];
  const save: Save = (_i, payload) => {
    sent.push(payload);
    return Promise.resolve({ ok: true, data: null });
  };
  return { save, sent };
}

describe("bench:exam's load generator answers what the paper offers", () => {
  it("when the scheduled run answers its candidates' papers, then every save names keys its question offers, on every type", async () => {
    const { save, sent } = recordingSave();
    const load = await drive(save, 3, ["a0", "a1", "a2"], 6, 1, [paper, paper, paper]);
    expect(sent).to.have.length(18);
    for (const p of sent) {
      const question = paper[p.index];
      if (!question) throw new Error(`no question ${p.index}`);
      expect(() => assertChoiceFits(question, p.choice), `${p.index}: ${p.choice.join("")}`).to.not.throw();
    }
    expect(new Set(sent.map((p) => paper[p.index]?.type))).to.deep.equal(
      new Set(["true_false", "single", "multiple"]),
    );
    expect(load.saves).to.equal(18);
  });

  it("when the capacity mode saves again, then it re-sends only answers the scheduled run gave", async () => {
    const first = recordingSave();
    const load = await drive(first.save, 2, ["a0", "a1"], 3, 1, [paper, paper]);
    const again = recordingSave();
    const next = resaver(again.save, [4, 4], load.intended, ["a0", "a1"], 3);
    for (let round = 0; round < 6; round++) expect(await next(round % 2)).to.equal(true);
    for (const p of again.sent) {
      const i = p.attemptId === "a0" ? 0 : 1;
      expect(load.intended[i]?.get(p.index), `${p.attemptId} ${p.index}`).to.deep.equal(p.choice);
    }
  });

  it("when answers of several shapes are drawn for a question, then each fits it and multiple choice gets several keys", () => {
    for (const question of paper)
      for (const choice of offeredChoices(question))
        expect(() => assertChoiceFits(question, choice), choice.join("")).to.not.throw();
    expect(offeredChoices({ type: "multiple", options: options(["A", "B", "C"]) })).to.deep.equal([
      ["A"],
      ["B"],
      ["C"],
      ["A", "B"],
      ["B", "C"],
      ["A", "B", "C"],
    ]);
  });

  it("when a candidate's paper is missing, then the run is refused before any save is sent", async () => {
    const { save, sent } = recordingSave();
    let refused: unknown = null;
    await drive(save, 2, ["a0", "a1"], 2, 1, [paper]).catch((err: unknown) => (refused = err));
    expect(String(refused)).to.match(/no paper for 1 of 2 candidates/);
    expect(sent).to.deep.equal([]);
  });
});
