import { expect } from "chai";
import { Collection } from "../src/storage/collection.js";
import { valueKey } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * The count of current documents is kept as documents are written (the journal reads it on every
 * write once compaction is due): it must equal a walk over the documents after any mix of
 * inserts, replacements, deletes, re-inserts and history kept for an open snapshot.
 */
describe("mongo-standin: a collection's document count", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's storage directly");
  });

  it("when documents are inserted, replaced, deleted and inserted again, then the count equals the documents there are", () => {
    const collection = new Collection("app.counted");
    const walked = () => [...collection.current()].length;
    const change = (n: number, doc: Record<string, unknown> | null) => ({ id: valueKey(`d${n}`), doc });
    let clock = 0;
    collection.apply(
      Array.from({ length: 10 }, (_, n) => change(n, { _id: `d${n}`, v: 1 })),
      ++clock,
      null,
    );
    expect(collection.size).to.equal(10).and.equal(walked());
    collection.apply([change(1, { _id: "d1", v: 2 }), change(2, null), change(3, null)], ++clock, null);
    expect(collection.size).to.equal(8).and.equal(walked());
    // An open snapshot keeps the old versions and the delete markers: still not documents.
    const snapshot = clock;
    collection.apply(
      [change(4, null), change(2, { _id: "d2", v: 3 }), change(11, { _id: "d11" })],
      ++clock,
      snapshot,
    );
    expect(collection.size).to.equal(9).and.equal(walked());
    collection.apply([change(2, null), change(2, null)], clock + 1, snapshot);
    expect(collection.size).to.equal(8).and.equal(walked());
    collection.pruneAll(null);
    expect(collection.size).to.equal(8).and.equal(walked());
  });
});
