import { expect } from "chai";
import { Decimal128, type Document } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * How `$group`'s accumulators (and the same ones in `$setWindowFields`) treat a missing value, as
 * MongoDB documents it: `$push`/`$addToSet` leave it out, `$first`/`$last`/`$firstN`/`$lastN` give
 * null, `$sum`/`$avg`/`$stdDevPop`/`$stdDevSamp` ignore it with every other non-number,
 * `$mergeObjects` ignores it and null; an expression object leaves out a field that is missing.
 */
describe("mongo-standin: $group accumulators on missing values as MongoDB has them", () => {
  const t = useStandinDatabase("standin_group_missing");

  /** Documents 1 and 3 hold `x`, 2 lacks it, 4 holds null; all in group "g". */
  async function seeded(name: string): Promise<ReturnType<typeof t.db.collection<Numbered>>> {
    const coll = t.db.collection<Numbered>(name);
    await coll.insertMany([
      { _id: 1, g: "g", x: 1 },
      { _id: 2, g: "g" },
      { _id: 3, g: "g", x: 3 },
      { _id: 4, g: "g", x: null },
    ]);
    return coll;
  }

  /** The one group of `docs` under `accumulators`, its `_id` left out. */
  async function groupOf(name: string, accumulators: Document): Promise<Document> {
    const coll = await seeded(name);
    const [row] = await coll
      .aggregate([
        { $sort: { _id: 1 } },
        { $group: { _id: "$g", ...accumulators } },
        { $project: { _id: 0 } },
      ])
      .toArray();
    if (!row) throw new Error("the pipeline gave no group");
    return row;
  }

  it("when $push and $addToSet meet a missing value, then they leave it out and keep null", async () => {
    const row = await groupOf("push", {
      pushed: { $push: "$x" },
      set: { $addToSet: "$x" },
      objects: { $push: { x: "$x", id: "$_id" } },
      pairs: { $push: ["$x"] },
      none: { $push: "$absent" },
      noneSet: { $addToSet: "$absent" },
    });
    expect(row.pushed).to.deep.equal([1, 3, null]);
    expect(row.set).to.have.deep.members([1, 3, null]);
    expect(row.set).to.have.length(3);
    expect(row.objects).to.deep.equal([{ x: 1, id: 1 }, { id: 2 }, { x: 3, id: 3 }, { x: null, id: 4 }]);
    expect(row.pairs).to.deep.equal([[1], [null], [3], [null]]);
    expect(row.none).to.deep.equal([]);
    expect(row.noneSet).to.deep.equal([]);
  });

  it("when $first, $last, $firstN and $lastN meet a missing value, then it counts as null", async () => {
    const row = await groupOf("first", {
      first: { $first: "$absent" },
      last: { $last: "$x" },
      firstObject: { $first: { x: "$absent", id: "$_id" } },
      firstTwo: { $firstN: { input: "$x", n: 2 } },
      lastThree: { $lastN: { input: "$x", n: 3 } },
    });
    expect(row).to.deep.equal({
      first: null,
      last: null,
      firstObject: { id: 1 },
      firstTwo: [1, null],
      lastThree: [null, 3, null],
    });
  });

  it("when $sum, $avg and the standard deviations meet missing and non-numeric values, then they ignore them", async () => {
    const coll = await seeded("numeric");
    await coll.insertOne({ _id: 5, g: "g", x: "7" });
    await coll.insertOne({ _id: 6, g: "h", x: "7" });
    await coll.insertOne({ _id: 7, g: "i", x: 4 });
    const rows = await coll
      .aggregate([
        {
          $group: {
            _id: "$g",
            sum: { $sum: "$x" },
            avg: { $avg: "$x" },
            pop: { $stdDevPop: "$x" },
            samp: { $stdDevSamp: "$x" },
            count: { $count: {} },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(rows).to.deep.equal([
      { _id: "g", sum: 4, avg: 2, pop: 1, samp: Math.SQRT2, count: 5 },
      { _id: "h", sum: 0, avg: null, pop: null, samp: null, count: 1 },
      { _id: "i", sum: 4, avg: 4, pop: 0, samp: null, count: 1 },
    ]);
  });

  it("when $mergeObjects meets missing and null values, then it ignores them and merges the rest in order", async () => {
    const coll = t.db.collection<Numbered>("merge");
    await coll.insertMany([
      { _id: 1, o: { a: 1, b: 1 } },
      { _id: 2 },
      { _id: 3, o: null },
      { _id: 4, o: { a: 2, c: [1, 2] } },
    ]);
    const rows = await coll
      .aggregate([
        { $sort: { _id: 1 } },
        {
          $group: {
            _id: null,
            merged: { $mergeObjects: "$o" },
            built: { $mergeObjects: { id: "$_id", a: "$o.a" } },
            none: { $mergeObjects: "$absent" },
          },
        },
      ])
      .toArray();
    expect(rows).to.deep.equal([
      { _id: null, merged: { a: 2, b: 1, c: [1, 2] }, built: { id: 4, a: 2 }, none: {} },
    ]);
    const projected = await coll
      .aggregate([
        { $sort: { _id: 1 } },
        { $project: { m: { $mergeObjects: ["$o", { z: "$_id", y: "$absent" }] } } },
      ])
      .toArray();
    expect(projected.map((d) => d.m)).to.deep.equal([
      { a: 1, b: 1, z: 1 },
      { z: 2 },
      { z: 3 },
      { a: 2, c: [1, 2], z: 4 },
    ]);
    const error = await rejection(
      coll.aggregate([{ $group: { _id: null, merged: { $mergeObjects: "$_id" } } }]).toArray(),
    );
    expect(error.code).to.equal(40400);
  });

  it("when $setWindowFields pushes a missing value, then it leaves it out as $group does", async () => {
    const coll = t.db.collection<Numbered>("window");
    await coll.insertMany([{ _id: 0 }, { _id: 1, a: "a" }, { _id: 2 }]);
    const rows = await coll
      .aggregate([
        {
          $setWindowFields: {
            sortBy: { _id: 1 },
            output: {
              b: { $push: "$a", window: { documents: [-1, 0] } },
              s: { $addToSet: "$a", window: { documents: [-1, 0] } },
              d: { $stdDevPop: "$a", window: { documents: [-1, 0] } },
            },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(rows).to.deep.equal([
      { _id: 0, b: [], s: [], d: null },
      { _id: 1, a: "a", b: ["a"], s: ["a"], d: null },
      { _id: 2, b: ["a"], s: ["a"], d: null },
    ]);
  });

  // MongoDB's $group evaluates a document `_id` as an expression object, which leaves out a field
  // whose expression is missing ("Expression Objects" in the aggregation manual; the server's
  // ExpressionObject::evaluate skips missing values): {a: 1} and {a: 1, b: null} are two groups.
  it("when a document _id names a field some inputs lack, then they group without that field, apart from null", async () => {
    const coll = t.db.collection<Numbered>("documentId");
    await coll.insertMany([
      { _id: 1, a: 1 },
      { _id: 2, a: 1, b: null },
      { _id: 3, a: 1 },
      { _id: 4 },
      { _id: 5, a: 1, b: { c: 2 } },
    ]);
    const rows = await coll
      .aggregate([
        { $group: { _id: { a: "$a", b: "$b", c: { d: "$b.c" } }, ids: { $push: "$_id" } } },
        { $sort: { ids: 1 } },
      ])
      .toArray();
    expect(rows).to.deep.equal([
      { _id: { a: 1, c: {} }, ids: [1, 3] },
      { _id: { a: 1, b: null, c: {} }, ids: [2] },
      { _id: { c: {} }, ids: [4] },
      { _id: { a: 1, b: { c: 2 }, c: { d: 2 } }, ids: [5] },
    ]);
    expect(Object.keys(rows[0]?._id as object)).to.deep.equal(["a", "c"]);
  });

  it("when an accumulator the stand-in does not model is grouped, then it refuses", async function () {
    skipOnRealMongo(this, "these are the stand-in's own refusals");
    const coll = t.db.collection<Numbered>("refused");
    await coll.insertMany([
      { _id: 1, n: 10, d: Decimal128.fromString("1.5") },
      { _id: 2, n: 9, d: Decimal128.fromString("2.5") },
    ]);
    const refused: Document[] = [
      { $median: { input: "$n", method: "approximate" } },
      { $percentile: { input: "$n", p: [0.5], method: "approximate" } },
      { $covariancePop: ["$n", "$n"] },
      { $sum: "$d" },
      { $avg: "$d" },
      { $stdDevPop: "$d" },
    ];
    for (const accumulator of refused) {
      const error = await rejection(coll.aggregate([{ $group: { _id: null, v: accumulator } }]).toArray());
      expect(error.message, JSON.stringify(accumulator)).to.match(/mongo-standin does not support/);
    }
  });
});
