import { expect } from "chai";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * Index keys as the server builds them: an empty array is keyed as `undefined`, which is neither
 * null nor missing and sorts before them; one document may not hold two arrays under one
 * compound index; hashed indexes take no arrays and promise no uniqueness; a partial index's
 * filter may only use the expressions the server supports there.
 */
describe("mongo-standin: index keys", () => {
  const t = useStandinDatabase("standin_index_keys");

  it("when documents are sorted by a field holding an empty array, then it sorts before null and missing ascending and after them descending", async () => {
    const coll = t.db.collection<Numbered>("emptySort");
    await coll.insertMany([
      { _id: 1, a: null },
      { _id: 2, a: [] },
      { _id: 3 },
      { _id: 4, a: 1 },
      { _id: 5, a: [null] },
    ]);
    const order = async (direction: 1 | -1): Promise<number[]> =>
      (await coll.find({}).sort({ a: direction, _id: 1 }).toArray()).map((doc) => doc._id);
    expect(await order(1)).to.deep.equal([2, 1, 3, 5, 4]);
    expect(await order(-1)).to.deep.equal([4, 1, 3, 5, 2]);
  });

  it("when a unique index holds an empty array, then null, missing and [null] are no duplicates of it but another empty array is", async () => {
    const coll = t.db.collection<Numbered>("emptyUnique");
    await coll.createIndex({ a: 1 }, { unique: true });
    await coll.insertOne({ _id: 1, a: [] });
    await coll.insertOne({ _id: 2 });
    const other = t.db.collection<Numbered>("emptyUniqueNull");
    await other.createIndex({ a: 1 }, { unique: true });
    await other.insertMany([
      { _id: 1, a: [] },
      { _id: 2, a: [null] },
    ]);
    const error = await rejection(coll.insertOne({ _id: 3, a: [] }));
    expect(error.code).to.equal(11000);
    expect(await coll.countDocuments({})).to.equal(2);
  });

  it("when a document holds arrays in two fields of a compound index, then it is refused as parallel arrays", async () => {
    const coll = t.db.collection<Numbered>("parallel");
    await coll.createIndex({ a: 1, b: 1 });
    await coll.insertOne({ _id: 1, a: [1, 2], b: 3 });
    const error = await rejection(coll.insertOne({ _id: 2, a: [1], b: [2] }));
    expect(error.code).to.equal(171);
    expect(error.message).to.match(/cannot index parallel arrays/);
    const update = await rejection(coll.updateOne({ _id: 1 }, { $set: { b: [4] } }));
    expect(update.code).to.equal(171);
    expect(await coll.find({}).toArray()).to.deep.equal([{ _id: 1, a: [1, 2], b: 3 }]);
    const unindexed = t.db.collection<Numbered>("parallelLater");
    await unindexed.insertOne({ _id: 1, x: [1], y: [2] });
    expect((await rejection(unindexed.createIndex({ x: 1, y: 1 }))).code).to.equal(171);
  });

  it("when a hashed index is unique or meets an array, then it is refused", async () => {
    const coll = t.db.collection<Numbered>("hashed");
    const unique = await rejection(coll.createIndex({ h: "hashed" }, { unique: true }));
    expect(unique.message).to.match(/hashed indexes cannot guarantee uniqueness/);
    await coll.createIndex({ h: "hashed" });
    const error = await rejection(coll.insertOne({ _id: 1, h: [1] }));
    expect(error.code).to.equal(16766);
    expect(await coll.countDocuments({})).to.equal(0);
  });

  it("when a partial index's filter uses an expression the server does not support there, then it is refused", async () => {
    const coll = t.db.collection<Numbered>("partialNe");
    for (const filter of [
      { a: { $ne: 1 } },
      { a: { $exists: false } },
      { a: { $nin: [1] } },
      { $nor: [{ a: 1 }] },
    ]) {
      const error = await rejection(coll.createIndex({ a: 1 }, { partialFilterExpression: filter }));
      expect(error.code, JSON.stringify(filter)).to.equal(67);
      expect(error.message).to.match(/not supported in partial index/);
    }
    await coll.createIndex(
      { a: 1 },
      { partialFilterExpression: { a: { $gt: 1, $exists: true }, b: { $in: [1, 2] } } },
    );
  });
});
