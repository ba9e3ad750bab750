import { expect } from "chai";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * Conditions on dotted paths that meet arrays, as MongoDB 7 and 8 walk them: an array met midway
 * is entered one level (its elements' fields are read), an array where the path ends is compared
 * whole and element by element, never deeper; `$size` and `$elemMatch` take the values where the
 * path ends as they are (arrays only), without entering a final array.
 */
describe("mongo-standin: conditions on dotted paths through arrays", () => {
  const t = useStandinDatabase("standin_dotted_arrays");

  async function ids(name: string, filter: Record<string, unknown>): Promise<number[]> {
    const found = await t.db.collection<Numbered>(name).find(filter).sort({ _id: 1 }).toArray();
    return found.map((doc) => doc._id);
  }

  it("when a dotted path ends at an array of arrays, then a scalar equals none of the inner arrays' elements, indexed or not", async () => {
    const docs = [
      { _id: 1, a: { b: [[5]] } },
      { _id: 2, a: { b: [5] } },
      { _id: 3, a: { b: 5 } },
    ];
    await t.db.collection<Numbered>("nestedEnd").insertMany(docs);
    await t.db.collection<Numbered>("nestedEndIndexed").insertMany(docs);
    await t.db.collection("nestedEndIndexed").createIndex({ "a.b": 1 });
    for (const name of ["nestedEnd", "nestedEndIndexed"]) {
      expect(await ids(name, { "a.b": 5 }), name).to.deep.equal([2, 3]);
      expect(await ids(name, { "a.b": { $eq: 5 } }), name).to.deep.equal([2, 3]);
      expect(await ids(name, { "a.b": { $ne: 5 } }), name).to.deep.equal([1]);
      expect(await ids(name, { "a.b": { $in: [5] } }), name).to.deep.equal([2, 3]);
      expect(await ids(name, { "a.b": [5] }), name).to.deep.equal([1, 2]);
    }
  });

  it("when $in or $nin meets array elements on a dotted path, then each element's values count", async () => {
    await t.db.collection<Numbered>("inThrough").insertMany([
      { _id: 1, a: [{ b: [1, 2] }, { b: 3 }] },
      { _id: 2, a: [{ b: ["xy", 2] }, { b: 3 }] },
      { _id: 3, a: [{ b: 4 }] },
    ]);
    expect(await ids("inThrough", { "a.b": { $in: [1] } })).to.deep.equal([1]);
    expect(await ids("inThrough", { "a.b": { $in: [9, 1] } })).to.deep.equal([1]);
    expect(await ids("inThrough", { "a.b": { $nin: [1] } })).to.deep.equal([2, 3]);
    expect(await ids("inThrough", { "a.b": { $in: [/^x/] } })).to.deep.equal([2]);
    expect(await ids("inThrough", { "a.b": { $in: [/^x/, 4] } })).to.deep.equal([2, 3]);
    expect(await ids("inThrough", { "a.b": { $nin: [/^x/, 1] } })).to.deep.equal([3]);
    expect(await ids("inThrough", { "a.b": { $in: [null, 2] } })).to.deep.equal([1, 2]);
  });

  it("when $size is on a dotted path, then only arrays where the path ends are counted", async () => {
    await t.db.collection<Numbered>("sizeThrough").insertMany([
      { _id: 1, a: [{ b: 1 }, { b: 2 }] },
      { _id: 2, a: [{ b: [1, 2] }] },
      { _id: 3, a: { b: [7, 8] } },
      { _id: 4, a: { b: [[1, 2]] } },
    ]);
    expect(await ids("sizeThrough", { "a.b": { $size: 2 } })).to.deep.equal([2, 3]);
    expect(await ids("sizeThrough", { "a.b": { $size: 1 } })).to.deep.equal([4]);
  });

  it("when $elemMatch is on a dotted path, then only elements of arrays where the path ends are tested", async () => {
    await t.db.collection<Numbered>("elemThrough").insertMany([
      { _id: 1, a: [{ b: 5 }] },
      { _id: 2, a: [{ b: [5] }] },
      { _id: 3, a: { b: 5 } },
      { _id: 4, a: [{ b: [{ c: 1 }] }] },
    ]);
    expect(await ids("elemThrough", { "a.b": { $elemMatch: { $gt: 1 } } })).to.deep.equal([2]);
    expect(await ids("elemThrough", { "a.b": { $elemMatch: { c: 1 } } })).to.deep.equal([4]);
  });

  it("when $elemMatch of operators meets an element that is an array, then the stand-in refuses", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    await t.db.collection<Numbered>("elemNested").insertMany([{ _id: 1, a: [[5]] }]);
    const error = await rejection(ids("elemNested", { a: { $elemMatch: { $gt: 1 } } }));
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support.*\$elemMatch/);
  });

  it("when $exists names a path with a numeric part through arrays, then it finds what the server's walk finds", async () => {
    await t.db.collection<Numbered>("existsIndexed").insertMany([
      { _id: 1, a: [] },
      { _id: 2, a: [{ c: 1 }] },
      { _id: 3, a: [{ b: [] }] },
      { _id: 4, a: [{ b: [7] }] },
      { _id: 5, a: [{ "1": "x" }] },
      { _id: 6, a: [0, 1] },
      { _id: 7, a: { b: { "0": null } } },
    ]);
    expect(await ids("existsIndexed", { "a.b.0": { $exists: true } })).to.deep.equal([4, 7]);
    expect(await ids("existsIndexed", { "a.b.0": { $exists: false } })).to.deep.equal([1, 2, 3, 5, 6]);
    expect(await ids("existsIndexed", { "a.1": { $exists: true } })).to.deep.equal([5, 6]);
    expect(await ids("existsIndexed", { "a.1": { $exists: 0 } })).to.deep.equal([1, 2, 3, 4, 7]);
  });
});
