import { expect } from "chai";
import { applyInPlace, applyLocally, type AttemptLean } from "../../../server/exams/index.js";

describe("an instance's copy of an attempt after a save", () => {
  it("when a save's $set, $addToSet and $max are applied locally, then the copy matches what the database now holds and the original is untouched", () => {
    const before = {
      _id: "a",
      answers: [
        { choice: [], seq: 0 },
        { choice: ["A"], seq: 2 },
      ],
      seen: [1, 2],
      lastSeq: 2,
      chainN: 3,
      chainHash: "h3",
    } as unknown as AttemptLean;
    const after = applyLocally(
      before,
      { "answers.1.choice": ["C"], "answers.1.seq": 4, chainN: 4, chainHash: "h4" },
      { seen: 4 },
      { lastSeq: 4 },
    );
    expect(after.answers[1]).to.deep.equal({ choice: ["C"], seq: 4 });
    expect(after).to.deep.include({ seen: [1, 2, 4], lastSeq: 4, chainN: 4, chainHash: "h4" });
    expect(before.answers[1]).to.deep.equal({ choice: ["A"], seq: 2 });
    expect(before).to.deep.include({ seen: [1, 2], lastSeq: 2, chainN: 3 });
    expect(after.answers[0]).to.equal(before.answers[0]);
    expect(applyLocally(after, {}, { seen: 4 }, { lastSeq: 3 })).to.deep.include({
      seen: [1, 2, 4],
      lastSeq: 4,
    });
    // The seq that closes the gap moves the watermark and drops what it covers.
    expect(applyLocally(after, {}, undefined, { seenUpTo: 4 }, { seen: 4 })).to.deep.include({
      seen: [],
      seenUpTo: 4,
    });
  });
});

describe("the cached copy updated in place on the save path", () => {
  it("when a save's change is applied in place, then the copy holds exactly what a fresh copy with the change would", () => {
    const make = () =>
      ({
        _id: "a",
        answers: [
          { choice: [], seq: 0, flagged: false, flagSeq: 0 },
          { choice: ["A"], seq: 2, flagged: false, flagSeq: 0 },
        ],
        seen: [4, 6],
        seenUpTo: 2,
        lastSeq: 6,
        chainN: 3,
        chainHash: "h3",
      }) as unknown as AttemptLean;
    const set = {
      "answers.1.choice": ["C"],
      "answers.1.seq": 7,
      "answers.0.flagged": true,
      chainN: 4,
      chainHash: "h4",
    };
    const copied = applyLocally(make(), set, undefined, { lastSeq: 7, seenUpTo: 4 }, { seen: 4 });
    const doc = make();
    const answers = doc.answers;
    applyInPlace(doc, set, undefined, { lastSeq: 7, seenUpTo: 4 }, { seen: 4 });
    expect(doc).to.deep.equal(copied);
    expect(doc).to.deep.include({ seen: [6], seenUpTo: 4, lastSeq: 7, chainN: 4 });
    expect(doc.answers).to.equal(answers);
    applyInPlace(doc, {}, { seen: 9 });
    expect(doc.seen).to.deep.equal([6, 9]);
  });

  it("when a save lands on an answer slot shared with other attempts, then only this attempt's slot changes", () => {
    // As release starts attempts: every unreached slot is one frozen object.
    const unreached = Object.freeze({ choice: Object.freeze([]), seq: 0, flagged: false, flagSeq: 0 });
    const make = (id: string) =>
      ({ _id: id, answers: [unreached, unreached, unreached], lastSeq: 0 }) as unknown as AttemptLean;
    const mine = make("a");
    const theirs = make("b");
    applyInPlace(mine, { "answers.1.choice": ["B"], "answers.1.seq": 1 }, undefined, { lastSeq: 1 });
    applyInPlace(mine, { "answers.2.flagged": true, "answers.2.flagSeq": 2 }, undefined, { lastSeq: 2 });
    expect(mine.answers).to.deep.equal([
      { choice: [], seq: 0, flagged: false, flagSeq: 0 },
      { choice: ["B"], seq: 1, flagged: false, flagSeq: 0 },
      { choice: [], seq: 0, flagged: true, flagSeq: 2 },
    ]);
    expect(mine.answers[0]).to.equal(unreached);
    expect(theirs.answers).to.deep.equal([unreached, unreached, unreached]);
    expect(unreached).to.deep.equal({ choice: [], seq: 0, flagged: false, flagSeq: 0 });
    // The same change on a fresh copy (applyLocally) gives the same attempt.
    const fresh = applyLocally(make("a"), { "answers.1.choice": ["B"], "answers.1.seq": 1 }, undefined, {
      lastSeq: 1,
    });
    expect(fresh.answers[1]).to.deep.equal(mine.answers[1]);
  });
});
