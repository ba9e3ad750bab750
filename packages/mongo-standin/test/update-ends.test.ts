import { expect } from "chai";
import { EJSON, type Document } from "bson";
import { applyUpdate } from "../src/query.js";
import { type Doc } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * Equivalence tests for the value at an update path's end (issue 17): `$set`, `$min` and `$max`
 * put a new value there or keep the old one, whether or not the old one is copied first; no
 * version of a document changes after it was made, and no later change to an update's own
 * argument objects reaches a stored document. These pass before and after the change.
 */
describe("mongo-standin: the value at an update path's end", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's update code directly");
  });

  const update = (doc: Doc, u: Document): Doc => applyUpdate(doc, { update: u, filter: {} }, false);

  function original(): Doc {
    return {
      _id: "a1",
      list: [1, 2, { x: [3] }],
      sub: { x: 1, deep: { y: [1] } },
      low: { k: 5 },
      high: [2, 3],
      answers: [
        { choice: ["A"], seq: 1 },
        { choice: [], seq: 0 },
      ],
    };
  }

  it("when $set, $min and $max replace or keep objects and arrays, then every earlier version stays as it was", () => {
    const v0 = original();
    const shown0 = EJSON.stringify(v0);
    const v1 = update(v0, {
      $set: { list: [9], "sub.deep": { y: [2] }, "answers.1.choice": ["B", "C"] },
      $min: { low: { k: 4 }, high: [9] },
      $max: { "answers.0.choice": ["A"], "sub.x": 0 },
    });
    expect(EJSON.stringify(v0)).to.equal(shown0);
    expect(v1).to.deep.equal({
      _id: "a1",
      list: [9],
      sub: { x: 1, deep: { y: [2] } },
      low: { k: 4 },
      high: [2, 3],
      answers: [
        { choice: ["A"], seq: 1 },
        { choice: ["B", "C"], seq: 0 },
      ],
    });
    const shown1 = EJSON.stringify(v1);
    // Later updates of the kept and replaced values, in place where an operator may change one.
    const v2 = update(v1, {
      $push: { "answers.1.choice": "D", high: 4 },
      $addToSet: { list: 8 },
      $pull: { "sub.deep.y": 2 },
      $inc: { "low.k": 1 },
    });
    expect(EJSON.stringify(v0)).to.equal(shown0);
    expect(EJSON.stringify(v1)).to.equal(shown1);
    expect(v2.answers).to.deep.equal([
      { choice: ["A"], seq: 1 },
      { choice: ["B", "C", "D"], seq: 0 },
    ]);
    expect(v2.high).to.deep.equal([2, 3, 4]);
    expect(v2.list).to.deep.equal([9, 8]);
    expect(v2.sub).to.deep.equal({ x: 1, deep: { y: [] } });
    expect(v2.low).to.deep.equal({ k: 5 });
    const v3 = update(v2, { $max: { high: [2, 3, 5] }, $min: { list: [9, 8] }, $set: { "sub.deep.y": [7] } });
    expect(EJSON.stringify(v1)).to.equal(shown1);
    expect(v3.high).to.deep.equal([2, 3, 5]);
    expect(v3.list).to.deep.equal([9, 8]);
    expect(v3.sub).to.deep.equal({ x: 1, deep: { y: [7] } });
  });

  it("when the caller changes an update's argument objects afterwards, then the updated document does not change", () => {
    const v0 = original();
    const choice = ["B"];
    const event = { n: 2, data: { choice } };
    const bound = { k: 1 };
    const u = {
      $set: { "answers.1.choice": choice, sub: { x: 2, deep: { y: choice } } },
      $push: { list: event },
      $min: { low: bound },
    };
    const v1 = update(v0, u);
    const shown1 = EJSON.stringify(v1);
    choice.push("C");
    event.n = 99;
    bound.k = -1;
    (u.$set.sub.deep as { y: unknown }).y = null;
    expect(EJSON.stringify(v1)).to.equal(shown1);
    expect(v1.answers).to.deep.equal([
      { choice: ["A"], seq: 1 },
      { choice: ["B"], seq: 0 },
    ]);
    expect(v1.low).to.deep.equal({ k: 1 });
  });

  it("when $min or $max keep the stored value, then the result holds it unchanged and later updates leave it be", () => {
    const v0 = original();
    const v1 = update(v0, { $max: { low: { k: 1 }, high: [1] }, $min: { sub: { x: 5 } } });
    expect(v1.low).to.deep.equal({ k: 5 });
    expect(v1.high).to.deep.equal([2, 3]);
    expect(v1.sub).to.deep.equal({ x: 1, deep: { y: [1] } });
    const v2 = update(v1, { $set: { "low.k": 6, "high.0": 0 }, $push: { "sub.deep.y": 2 } });
    expect(v0.low).to.deep.equal({ k: 5 });
    expect(v1.low).to.deep.equal({ k: 5 });
    expect(v1.high).to.deep.equal([2, 3]);
    expect(v1.sub).to.deep.equal({ x: 1, deep: { y: [1] } });
    expect(v2.low).to.deep.equal({ k: 6 });
    expect(v2.high).to.deep.equal([0, 3]);
    expect(v2.sub).to.deep.equal({ x: 1, deep: { y: [1, 2] } });
  });
});
