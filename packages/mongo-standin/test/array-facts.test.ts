import { expect } from "chai";
import type { Document } from "bson";
import { applyUpdate, compileFilter, compileWithEngine } from "../src/query.js";
import { deepClone, type Doc } from "../src/storage/values.js";
import { random } from "./seeded-random.js";
import { skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/** What a filter answers for a document: match, no match, or the error it is refused with. */
function outcome(filter: Document, doc: Doc, compile = compileFilter): string {
  try {
    return compile(filter)(doc) ? "match" : "no match";
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/**
 * The walks of `answers.31.seq` skip the elements of an array known to hold no field named by
 * digits (array-facts.ts), and an update's copy of an array carries what its original was known
 * to hold. These check the shortcut against the walk itself: a deep copy's arrays are new, so
 * their facts are worked out afresh from what they hold.
 */
describe("mongo-standin: array facts", () => {
  it("when random updates change, replace, add or remove elements after filters read the array, then every filter answers as it does on a fresh copy", () => {
    const next = random(17);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const index = (): number => Math.floor(next() * 4);
    const element = (): unknown =>
      pick([
        () => ({ seq: index() }),
        () => ({ seq: index(), choice: ["A"] }),
        () => ({ [String(index())]: { seq: index() } }),
        () => ({ [String(index())]: [[index()]] }),
        () => ({ "02": { seq: index() } }),
        () => [index()],
        () => index(),
        () => null,
      ])();
    let checked = 0;
    for (let round = 0; round < 300; round += 1) {
      let doc: Doc = {
        _id: round,
        answers: Array.from({ length: 1 + index() }, () => ({ seq: index(), choice: [] })),
      };
      for (let step = 0; step < 8; step += 1) {
        const filters: Document[] = [
          { [`answers.${index()}.seq`]: { $lt: index() } },
          { [`answers.${index()}.seq`]: { $gte: index() } },
          { [`answers.${index()}.seq`]: { $gte: null } },
          { _id: round, [`answers.${index()}.seq`]: { $gt: index() } },
          // A path ending at the index: each element without that field adds a missing value.
          { [`answers.${index()}`]: { $gte: null } },
          { [`answers.${index()}`]: { $lte: index() } },
        ];
        // Read first, so the stored version's arrays have their facts before the update copies them.
        for (const filter of filters) {
          const seen = outcome(filter, doc);
          const why = `round ${round} step ${step} ${JSON.stringify(filter)} over ${JSON.stringify(doc)}`;
          expect(seen, why).to.equal(outcome(filter, deepClone(doc)));
          // The engine's range operators walk every element, facts or none.
          expect(seen, why).to.equal(outcome(filter, deepClone(doc), compileWithEngine));
          checked += 1;
        }
        const update = pick<() => Document>([
          () => ({ $set: { [`answers.${index()}.seq`]: index() } }),
          () => ({ $set: { [`answers.${index()}.${index()}`]: { seq: index() } } }),
          () => ({ $set: { [`answers.${index()}.${index()}`]: [[index()]] } }),
          () => ({ $set: { [`answers.${index()}`]: element() } }),
          () => ({ $unset: { [`answers.${index()}.seq`]: "" } }),
          () => ({ $pop: { answers: next() < 0.5 ? 1 : -1 } }),
          () => ({ $push: { answers: element() } }),
          () => ({ $set: { [`answers.${index()}.choice`]: ["B"], [`answers.${index() + 4}.seq`]: 1 } }),
        ])();
        try {
          doc = applyUpdate(doc, { update, filter: {}, arrayFilters: undefined }, false);
        } catch {
          // A path an element cannot hold (28 PathNotViable) leaves the document as it was.
        }
      }
    }
    expect(checked).to.equal(300 * 8 * 6);
  });

  it("when element N itself leads to an array of arrays and no element has a field named N, then the filter is still refused", () => {
    const doc = { _id: 1, answers: [{ seq: 1 }, { seq: [[1]] }, { seq: 2 }] };
    expect(outcome({ answers: { $exists: true } }, doc)).to.equal("match");
    expect(outcome({ "answers.1.seq.x": 1 }, doc)).to.match(/array of arrays/);
    expect(outcome({ "answers.0.seq.x": 1 }, doc)).to.equal("no match");
  });

  describe("through the driver", () => {
    const ctx = useStandinDatabase("arrayfacts");

    it("when a saved answer gains a field named like an index, then a filter through that field finds it", async () => {
      const attempts = ctx.db.collection<{ _id: string; answers: Document[] }>("attempts");
      await attempts.insertOne({
        _id: "a1",
        answers: Array.from({ length: 40 }, () => ({ seq: 0, choice: [] })),
      });
      // The stored answers are read (their fact: no such field) before the update copies them.
      expect(await attempts.find({ _id: "a1", "answers.31.seq": { $gt: 5 } }).toArray()).to.have.length(0);
      await attempts.updateOne({ _id: "a1" }, { $set: { "answers.2.31": { seq: 9 }, "answers.3.seq": 1 } });
      expect(await attempts.find({ _id: "a1", "answers.31.seq": { $gt: 5 } }).toArray()).to.have.length(1);
    });

    it("when a saved answer gains an array of arrays under a field named like an index, then a filter through it is refused", async function () {
      skipOnRealMongo(this, "the refusal is the stand-in's (MongoDB answers such a filter)");
      const attempts = ctx.db.collection<{ _id: string; answers: Document[] }>("attempts_nested");
      await attempts.insertOne({
        _id: "a1",
        answers: Array.from({ length: 40 }, () => ({ seq: 0, choice: [] })),
      });
      expect(await attempts.find({ _id: "a1", "answers.31.seq": { $lt: 5 } }).toArray()).to.have.length(1);
      await attempts.updateOne({ _id: "a1" }, { $set: { "answers.2": { 31: [[1]] } } });
      const error = await attempts.find({ _id: "a1", "answers.31.seq": { $lt: 5 } }).toArray().then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).to.match(/array of arrays/);
    });
  });
});
