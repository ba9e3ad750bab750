import { expect } from "chai";
import {
  applyInPlace,
  pathsOf,
  savePlan,
  sortedChoice,
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

  it("when an answer is saved, then its update restates status, pause, deadline and the slot's seq, and sets the answer and its seq", () => {
    const at = new Date("2026-12-02T10:00:00.000Z");
    const plan = savePlan(anAttempt([], 4), { seq: 5, index: 3, choice: ["B", "A"] }, at, 30);
    expect(plan.filter).to.deep.equal({
      status: "in_progress",
      pausedAt: null,
      deadline: { $gte: new Date("2026-12-02T09:59:30.000Z") },
      "answers.3.seq": { $lt: 5 },
    });
    // The key order is the update's as sent: it is part of what the database is given.
    expect(Object.keys(plan.filter ?? {})).to.deep.equal(["status", "pausedAt", "deadline", "answers.3.seq"]);
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
    expect(Object.entries(plan.filter ?? {}).at(-1)).to.deep.equal(["answers.3.flagSeq", { $lt: 9 }]);
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
});
