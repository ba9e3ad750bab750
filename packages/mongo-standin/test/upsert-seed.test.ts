import { expect } from "chai";
import { BSONRegExp } from "mongodb";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * What an upsert's insert takes from its filter. A regular expression in a filter is a pattern
 * match, not an equality, so the server seeds nothing from it.
 */
describe("mongo-standin: upsert seeding from regular expressions", () => {
  const t = useStandinDatabase("standin_upsert_seed");

  it("when an upsert's filter matches a field by a regular expression, then the inserted document does not hold it", async () => {
    const coll = t.db.collection("regexSeed");
    const res = await coll.updateOne({ name: /^a/, kind: "card" }, { $set: { x: 1 } }, { upsert: true });
    expect(res.upsertedCount).to.equal(1);
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ kind: "card", x: 1 });
  });

  it("when the regular expression is dotted, inside $and or a BSON regex, then nothing is seeded from it either", async () => {
    const coll = t.db.collection("regexSeedNested");
    const res = await coll.updateOne(
      { $and: [{ "owner.name": /^a/ }, { tag: new BSONRegExp("^b", "i") }, { kind: "card" }] },
      { $set: { x: 1 } },
      { upsert: true },
    );
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ kind: "card", x: 1 });
  });

  it("when an upsert's filter matches a field by $eq with a regular expression, then the document holds that expression", async () => {
    const coll = t.db.collection("regexSeedEq");
    await coll.updateOne({ name: { $eq: /^a/i } }, { $set: { x: 1 } }, { upsert: true });
    const doc = await coll.findOne({}, { projection: { _id: 0 } });
    expect(doc?.name).to.be.instanceOf(RegExp);
    expect((doc?.name as RegExp).source).to.equal("^a");
    expect((doc?.name as RegExp).flags).to.equal("i");
    expect(doc?.x).to.equal(1);
  });
});

/**
 * Which equalities seed an upsert's document (upsert_fields.js in the server's tests): equality,
 * `$eq`, `$in` and `$all` of one value, one-clause `$or`, all inside `$and`; a path seeded twice,
 * or with its parent, fails with 54 NotSingleValueField. The seeded fields come in path order
 * (the server keeps them in an ordered map). A replacement takes only `_id` from the filter.
 */
describe("mongo-standin: upsert seeding from equalities", () => {
  const t = useStandinDatabase("standin_upsert_equalities");

  it("when an upsert's filter holds a one-value $in or $all, or a one-clause $or, then each field is seeded", async () => {
    const coll = t.db.collection<Numbered>("singles");
    const res = await coll.updateOne(
      { x: { $in: [1] }, y: { $all: [2] }, $or: [{ z: 3 }], $and: [{ $or: [{ w: { $eq: 4 } }] }] },
      { $set: { done: true } },
      { upsert: true },
    );
    const doc = await coll.findOne({ _id: res.upsertedId as unknown as number }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ w: 4, x: 1, y: 2, z: 3, done: true });
  });

  it("when an upsert filters _id by $in of one value, then the document gets that _id and a repeat updates it", async () => {
    const coll = t.db.collection<{ _id: number; n?: number }>("idIn");
    for (let i = 0; i < 2; i += 1)
      await coll.updateOne({ _id: { $in: [1] } }, { $inc: { n: 1 } }, { upsert: true });
    expect(await coll.find({}).toArray()).to.deep.equal([{ _id: 1, n: 2 }]);
  });

  it("when an upsert seeds a path twice or a path and its parent, then it fails with 54 and inserts nothing", async () => {
    const coll = t.db.collection<Numbered>("conflicts");
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ c: 2, $and: [{ c: 1 }] }, "path 'c' is matched twice"],
      [{ x: 1, "x.x": 1 }, "both paths 'x.x' and 'x' are matched"],
      [{ "x.x": 1, x: 1 }, "both paths 'x.x' and 'x' are matched"],
      [{ a: { b: 1 }, "a.c": 1 }, "both paths 'a.c' and 'a' are matched"],
      [{ x: { $all: [1, 2] } }, "path 'x' is matched twice"],
      [{ $and: [{ x: 1 }, { x: 1 }] }, "path 'x' is matched twice"],
    ];
    for (const [filter, message] of cases) {
      const error = await rejection(coll.updateOne(filter, { $set: { y: 1 } }, { upsert: true }));
      expect(error.code, JSON.stringify(filter)).to.equal(54);
      expect(error.message).to.equal(`cannot infer query fields to set, ${message}`);
    }
    expect(await coll.countDocuments({})).to.equal(0);
  });

  it("when several paths are seeded, then they come after _id in path order", async () => {
    const coll = t.db.collection<Numbered>("order");
    await coll.updateOne({ b: 1, "a.z": 1, "a.b": 2, _id: 9 }, { $set: { c: 1 } }, { upsert: true });
    const doc = await coll.findOne({ _id: 9 });
    expect(Object.keys(doc ?? {})).to.deep.equal(["_id", "a", "b", "c"]);
    expect(Object.keys(doc?.a as object)).to.deep.equal(["b", "z"]);
  });

  it("when a replacement upserts, then only _id is taken from the filter and other conflicts do not matter", async () => {
    const coll = t.db.collection<Numbered>("replacement");
    await coll.replaceOne({ _id: 5, x: [1, { x: 1 }], "x.x": 1 }, { y: 1 }, { upsert: true });
    expect(await coll.find({}).toArray()).to.deep.equal([{ _id: 5, y: 1 }]);
  });

  it("when a replacement upsert's filter names a field under _id, then it fails and inserts nothing", async () => {
    const coll = t.db.collection<Numbered>("replacementSubId");
    const error = await rejection(coll.replaceOne({ "_id.x": 1 }, { y: 1 }, { upsert: true }));
    expect(error.code).to.equal(111);
    expect(await coll.countDocuments({})).to.equal(0);
  });
});
