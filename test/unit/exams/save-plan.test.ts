import { expect } from "chai";
import { AppError } from "../../../server/lib/errors.js";
import {
  applyInPlace,
  MAX_SAVE_EVENTS,
  pathsOf,
  savePlan,
  sortedChoice,
  storedSaveFor,
  type AttemptLean,
} from "../../../server/exams/index.js";

/** An attempt as far as a save's plan reads it: the seqs it has received. */
const anAttempt = (seen: number[], seenUpTo: number) =>
  ({ _id: "a", seen, seenUpTo }) as unknown as AttemptLean;

describe("the update one save plans", () => {
  it("when an answer names options twice and out of order, then it is saved with each option once, in order", () => {
    expect(sortedChoice(["D", "B", "A", "B"])).to.deep.equal(["A", "B", "D"]);
    expect(sortedChoice(["B", "A"])).to.deep.equal(["A", "B"]);
    expect(sortedChoice(["C", "C"])).to.deep.equal(["C"]);
    const one = ["T"];
    const saved = sortedChoice(one);
    expect(saved).to.deep.equal(["T"]);
    // Its own array: the caller's may change after the save.
    expect(saved).to.not.equal(one);
    expect(sortedChoice([])).to.deep.equal([]);
  });

  it("when questions' paths are asked for, then each names its own slot, the same each time", () => {
    expect(pathsOf(7)).to.deep.equal({
      choice: "answers.7.choice",
      seq: "answers.7.seq",
      flagged: "answers.7.flagged",
      flagSeq: "answers.7.flagSeq",
    });
    expect(pathsOf(12).seq).to.equal("answers.12.seq");
    expect(pathsOf(7)).to.equal(pathsOf(7));
    expect(pathsOf(499).flagSeq).to.equal("answers.499.flagSeq");
  });

  it("when an answer is saved, then its update restates status, pause, deadline, the slot's seq and that its seq is not received yet, and sets the answer and its seq", () => {
    const at = new Date("2026-12-02T10:00:00.000Z");
    const plan = savePlan(anAttempt([], 4), { seq: 5, index: 3, choice: ["B", "A"] }, at, 30);
    expect(plan.filter).to.deep.equal({
      status: "in_progress",
      pausedAt: null,
      deadline: { $gte: new Date("2026-12-02T09:59:30.000Z") },
      "answers.3.seq": { $lt: 5 },
      // One seq names one save: a seq another instance took meanwhile leaves the chain head as it was.
      seen: { $ne: 5 },
      seenUpTo: { $not: { $gte: 5 } },
    });
    // The key order is the update's as sent: it is part of what the database is given.
    expect(Object.keys(plan.filter ?? {})).to.deep.equal([
      "status",
      "pausedAt",
      "deadline",
      "answers.3.seq",
      "seen",
      "seenUpTo",
    ]);
    expect(Object.entries(plan.set ?? {})).to.deep.equal([
      ["answers.3.choice", ["A", "B"]],
      ["answers.3.seq", 5],
    ]);
    expect(Object.entries(plan.max ?? {})).to.deep.equal([
      ["lastSeq", 5],
      ["seenUpTo", 5],
    ]);
    expect(plan.pullUpTo).to.deep.equal({ seen: 5 });
    expect(plan.addToSet).to.equal(undefined);
    expect(plan.event).to.deep.equal({ type: "answer", data: { choice: ["A", "B"], index: 3, seq: 5 } });
    expect(Object.keys(plan.event.data)).to.deep.equal(["choice", "index", "seq"]);
  });

  it("when a flag is saved out of order, then its update restates the flag's own seq and lists the seq as received", () => {
    const at = new Date("2026-12-02T10:00:00.000Z");
    const plan = savePlan(anAttempt([], 4), { seq: 9, index: 3, flagged: true }, at, 0);
    expect(plan.filter).to.deep.include({ "answers.3.flagSeq": { $lt: 9 }, seen: { $ne: 9 } });
    expect(Object.entries(plan.set ?? {})).to.deep.equal([
      ["answers.3.flagged", true],
      ["answers.3.flagSeq", 9],
    ]);
    expect(plan.max).to.deep.equal({ lastSeq: 9 });
    expect(plan.addToSet).to.deep.equal({ seen: 9 });
    expect(plan.pullUpTo).to.equal(undefined);
    expect(plan.event).to.deep.equal({ type: "flag", data: { index: 3, flagged: true, seq: 9 } });
  });

  it("when the received seqs are folded in place and none listed is covered, then the list reads the same and a missing list becomes empty", () => {
    const doc = anAttempt([7, 9], 4);
    applyInPlace(doc, {}, undefined, { seenUpTo: 5 }, { seen: 5 });
    expect(doc).to.deep.include({ seen: [7, 9], seenUpTo: 5 });
    const old = { _id: "b" } as unknown as AttemptLean;
    applyInPlace(old, {}, undefined, { seenUpTo: 1 }, { seen: 1 });
    expect(old).to.deep.include({ seen: [], seenUpTo: 1 });
  });

  it("when the received seqs are folded in place and some listed are covered, then exactly those leave the list", () => {
    const doc = anAttempt([6, 7, 9], 5);
    applyInPlace(doc, {}, undefined, { seenUpTo: 7 }, { seen: 7 });
    expect(doc).to.deep.include({ seen: [9], seenUpTo: 7 });
  });

  describe("a save meeting the one its question holds", () => {
    /** Question 0 holds answer A at seq 4 and the flag at seq 6; seq 9 is the highest received. */
    const holding = () =>
      ({
        _id: "a",
        lastSeq: 9,
        answers: [{ choice: ["A"], seq: 4, flagged: true, flagSeq: 6 }],
      }) as unknown as AttemptLean;
    const refusal = (run: () => unknown): AppError => {
      try {
        run();
      } catch (err) {
        if (err instanceof AppError) return err;
        throw err;
      }
      throw new Error("not refused");
    };

    it("when a save's seq is above the stored one, then it is new (applied)", () => {
      expect(storedSaveFor(holding(), { seq: 5, index: 0, choice: ["B"] })).to.equal(null);
      expect(storedSaveFor(holding(), { seq: 7, index: 0, flagged: false })).to.equal(null);
    });

    it("when a save repeats the stored seq with what is stored, then it is a repeat of that seq (acknowledged, not applied)", () => {
      expect(storedSaveFor(holding(), { seq: 4, index: 0, choice: ["A"] })).to.equal(4);
      expect(storedSaveFor(holding(), { seq: 6, index: 0, flagged: true })).to.equal(6);
    });

    it("when a save is older than the stored one, then it is acknowledged with the stored seq, whatever it holds", () => {
      expect(storedSaveFor(holding(), { seq: 3, index: 0, choice: ["C"] })).to.equal(4);
      expect(storedSaveFor(holding(), { seq: 5, index: 0, flagged: false })).to.equal(6);
    });

    it("when a save carries the stored seq with another answer or flag, then it is refused seq_conflict with the highest seq received", () => {
      for (const input of [
        { seq: 4, index: 0, choice: ["B"] },
        { seq: 4, index: 0, choice: [] },
        { seq: 4, index: 0, choice: ["A", "B"] },
        { seq: 6, index: 0, flagged: false },
      ]) {
        const err = refusal(() => storedSaveFor(holding(), input));
        expect(err.code, JSON.stringify(input)).to.equal("seq_conflict");
        expect(err.details).to.deep.equal({ lastSeq: 9 });
      }
      // The same options in another order are the same answer.
      const twice = { ...holding(), answers: [{ choice: ["A", "B"], seq: 4, flagged: false, flagSeq: 0 }] };
      expect(
        storedSaveFor(twice as unknown as AttemptLean, { seq: 4, index: 0, choice: ["B", "A"] }),
      ).to.equal(4);
    });

    it("when a save's seq is above the stored one but was received already, then it named another save and is refused seq_conflict", () => {
      // Seqs 1..9 received: seq 7 went to another question or to the flag.
      const received = { ...holding(), seen: [], seenUpTo: 9 } as unknown as AttemptLean;
      for (const input of [
        { seq: 7, index: 0, choice: ["B"] },
        { seq: 8, index: 0, flagged: false },
      ]) {
        const err = refusal(() => storedSaveFor(received, input));
        expect(err.code, JSON.stringify(input)).to.equal("seq_conflict");
        expect(err.details).to.deep.equal({ lastSeq: 9 });
      }
      // Listed out of order counts alike; a seq never received is new.
      const listed = { ...holding(), seen: [7], seenUpTo: 0 } as unknown as AttemptLean;
      expect(refusal(() => storedSaveFor(listed, { seq: 7, index: 0, choice: ["B"] })).code).to.equal(
        "seq_conflict",
      );
      expect(storedSaveFor(listed, { seq: 8, index: 0, choice: ["B"] })).to.equal(null);
    });
  });

  describe("the candidate's save budget", () => {
    /** An attempt whose chain holds `events` events, `controls` of them a proctor's changes. */
    const withChain = (events: number, controls: number) =>
      ({
        _id: "a",
        seen: [],
        seenUpTo: 0,
        chainN: events,
        controlEvents: controls,
      }) as unknown as AttemptLean;
    const input = { seq: 1, index: 0, choice: ["A"] };
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
        return null;
      } catch (err) {
        return err instanceof AppError ? err.code : "unknown";
      }
    };

    it("when a proctor's changes fill part of the chain, then the candidate's saves are counted apart from them", () => {
      expect(codeOf(() => savePlan(withChain(MAX_SAVE_EVENTS + 5, 10), input, new Date(), 30))).to.equal(
        null,
      );
    });

    it("when the candidate's own saves reach the budget, then a further save is refused saves_exhausted", () => {
      expect(codeOf(() => savePlan(withChain(MAX_SAVE_EVENTS + 10, 10), input, new Date(), 30))).to.equal(
        "saves_exhausted",
      );
    });
  });
});
