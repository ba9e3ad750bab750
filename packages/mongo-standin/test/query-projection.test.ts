import { expect } from "chai";
import { Binary, DBRef, ObjectId } from "mongodb";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

/** Query operators, sort order and find projections as MongoDB answers them. */
describe("mongo-standin: queries, sort order and projections", () => {
  const t = useStandinDatabase("standin_query");

  it("when $all lists one value and the field is that scalar, then the document matches", async () => {
    const coll = t.db.collection("allScalar");
    await coll.insertMany([{ tag: "a" }, { tag: ["a", "b"] }, { tag: "b" }]);
    expect(await coll.countDocuments({ tag: { $all: ["a"] } })).to.equal(2);
    expect(await coll.countDocuments({ tag: { $all: ["a", "b"] } })).to.equal(1);
    expect(await coll.countDocuments({ tag: { $all: [] } })).to.equal(0);
  });

  it("when $mod or $size get malformed arguments, then the query fails with 2 BadValue instead of matching nothing", async () => {
    const coll = t.db.collection("malformed");
    await coll.insertOne({ n: 4, arr: [1, 2] });
    expect((await rejection(coll.find({ n: { $mod: [4] } }).toArray())).code).to.equal(2);
    expect((await rejection(coll.find({ n: { $mod: [0, 1] } }).toArray())).code).to.equal(2);
    expect((await rejection(coll.find({ arr: { $size: "2" } }).toArray())).code).to.equal(2);
    expect(await coll.countDocuments({ n: { $mod: [3, 1] }, arr: { $size: 2 } })).to.equal(1);
  });

  it("when Binary values are sorted and compared, then they order by length, then subtype, then bytes", async () => {
    const coll = t.db.collection("binaryOrder");
    const long = new Binary(Buffer.from([0x00, 0x00]), 0);
    const shortHigh = new Binary(Buffer.from([0xff]), 0);
    const shortSubtype = new Binary(Buffer.from([0x01]), 5);
    await coll.insertMany([
      { k: "long", b: long },
      { k: "subtype", b: shortSubtype },
      { k: "short", b: shortHigh },
    ]);
    const sorted = await coll
      .find({}, { projection: { _id: 0, k: 1 } })
      .sort({ b: 1 })
      .toArray();
    expect(sorted.map((d) => d.k)).to.deep.equal(["short", "subtype", "long"]);
    const greater = await coll
      .find({ b: { $gt: shortHigh } }, { projection: { _id: 0, k: 1 } })
      .sort({ b: 1 })
      .toArray();
    expect(greater.map((d) => d.k)).to.deep.equal(["subtype", "long"]);
  });

  it("when a range operator meets values of another type, then only values of the operand's type compare", async () => {
    const coll = t.db.collection("rangeTypes");
    await coll.insertMany([{ v: 5 }, { v: "5" }, { v: null }, {}]);
    expect(await coll.countDocuments({ v: { $gt: 1 } })).to.equal(1);
    expect(await coll.countDocuments({ v: { $gte: "" } })).to.equal(1);
    expect(await coll.countDocuments({ v: { $gte: null } })).to.equal(2);
  });

  it("when a query names 'members.$id' against stored DBRefs, then it finds the referring documents", async () => {
    const coll = t.db.collection("dbrefs");
    const user = new ObjectId();
    await coll.insertMany([
      { members: [new DBRef("users", user)] },
      { members: [new DBRef("users", new ObjectId())] },
    ]);
    expect(await coll.countDocuments({ "members.$id": user })).to.equal(1);
    const found = await coll.findOne({ "members.$id": user });
    expect(found?.members[0]).to.be.instanceOf(DBRef);
    expect(found?.members[0].oid.equals(user)).to.equal(true);
  });

  it("when the projection holds only a $slice, then every field comes back with the array sliced", async () => {
    const coll = t.db.collection("sliceOnly");
    await coll.insertOne({ _id: "d" as never, a: 1, arr: [1, 2, 3, 4], b: "x" });
    const doc = await coll.findOne({ _id: "d" as never }, { projection: { arr: { $slice: 2 } } });
    expect(doc).to.deep.equal({ _id: "d", a: 1, arr: [1, 2], b: "x" });
    const last = await coll.findOne({ _id: "d" as never }, { projection: { arr: { $slice: [-2, 1] } } });
    expect(last?.arr).to.deep.equal([3]);
  });

  it("when an inclusion projection is applied, then _id stays the first field and the document's order is kept", async () => {
    const coll = t.db.collection("inclusionOrder");
    await coll.insertOne({ _id: "d" as never, z: 1, a: 2, m: 3 });
    const doc = await coll.findOne({ _id: "d" as never }, { projection: { m: 1, z: 1 } });
    expect(Object.keys(doc ?? {})).to.deep.equal(["_id", "z", "m"]);
  });

  it("when an $elemMatch projection uses operators, then the first matching element is returned", async () => {
    const coll = t.db.collection("elemMatchProjection");
    await coll.insertOne({
      _id: "d" as never,
      name: "n",
      scores: [{ s: 40 }, { s: 85 }, { s: 95 }],
      nums: [40, 85, 95],
    });
    const scalar = await coll.findOne(
      { _id: "d" as never },
      { projection: { nums: { $elemMatch: { $gte: 80 } } } },
    );
    expect(scalar).to.deep.equal({ _id: "d", nums: [85] });
    const doc = await coll.findOne(
      { _id: "d" as never },
      { projection: { scores: { $elemMatch: { s: { $gte: 80 } } } } },
    );
    expect(doc).to.deep.equal({ _id: "d", scores: [{ s: 85 }] });
    const none = await coll.findOne(
      { _id: "d" as never },
      { projection: { scores: { $elemMatch: { s: { $gt: 100 } } } } },
    );
    expect(none).to.deep.equal({ _id: "d" });
  });

  it("when a positional projection follows the query's array match, then that element is returned", async () => {
    const coll = t.db.collection("positionalProjection");
    await coll.insertOne({ _id: "d" as never, items: [{ k: "a" }, { k: "b" }] });
    const doc = await coll.findOne({ "items.k": "b" }, { projection: { "items.$": 1 } });
    expect(doc).to.deep.equal({ _id: "d", items: [{ k: "b" }] });
  });

  it("when a projection mixes inclusion and exclusion, then find fails with 31254", async () => {
    const coll = t.db.collection("mixedProjection");
    await coll.insertOne({ a: 1, b: 2 });
    const error = await rejection(coll.findOne({}, { projection: { a: 1, b: 0 } }));
    expect(error.code).to.equal(31254);
  });

  it("when dotted inclusion reaches into an array of documents, then each element keeps only that field", async () => {
    const coll = t.db.collection("dottedInclusion");
    await coll.insertOne({ _id: "d" as never, arr: [{ a: 1, b: 2 }, { a: 3 }, 7] });
    const doc = await coll.findOne({ _id: "d" as never }, { projection: { "arr.a": 1 } });
    expect(doc).to.deep.equal({ _id: "d", arr: [{ a: 1 }, { a: 3 }] });
  });
});
