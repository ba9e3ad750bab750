import { expect } from "chai";
import { Double, Long, UUID } from "mongodb";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

/**
 * Update operators answer as MongoDB does: the right change, or the server's error code and an
 * untouched document. Each of these was once a silent wrong answer of the stand-in.
 */
describe("mongo-standin: update operators", () => {
  const t = useStandinDatabase("standin_update");

  it("when a document with a UUID field is updated, then an equality query on the UUID still finds it", async () => {
    const coll = t.db.collection("uuids");
    const id = new UUID();
    await coll.insertOne({ key: id, n: 1 });
    await coll.updateOne({ key: id }, { $set: { n: 2 } });
    expect(await coll.countDocuments({ key: id })).to.equal(1);
    expect((await coll.findOne({ key: id }))?.n).to.equal(2);
  });

  it("when a positional update matches an array element by UUID, then the element and the plain $set both change", async () => {
    const coll = t.db.collection("uuidPositional");
    const first = new UUID();
    const second = new UUID();
    await coll.insertOne({
      _id: "d" as never,
      items: [
        { id: first, qty: 1 },
        { id: second, qty: 1 },
      ],
      touched: false,
    });
    const result = await coll.updateOne(
      { "items.id": second },
      { $set: { "items.$.qty": 5, touched: true } },
    );
    expect(result.modifiedCount).to.equal(1);
    const doc = await coll.findOne({ _id: "d" as never });
    expect(doc?.items.map((item: { qty: number }) => item.qty)).to.deep.equal([1, 5]);
    expect(doc?.touched).to.equal(true);
  });

  it("when one update sets two positional paths of the same array, then both fields of the matched element change", async () => {
    const coll = t.db.collection("twoPositional");
    await coll.insertOne({ _id: "d" as never, rows: [{ k: "a" }, { k: "b" }] });
    await coll.updateOne({ "rows.k": "b" }, { $set: { "rows.$.v": 1, "rows.$.updatedAt": new Date(0) } });
    const doc = await coll.findOne({ _id: "d" as never });
    expect(doc?.rows).to.deep.equal([{ k: "a" }, { k: "b", v: 1, updatedAt: new Date(0) }]);
  });

  it("when $pull is given an $or condition, then every element matching either branch is removed", async () => {
    const coll = t.db.collection("pullOr");
    await coll.insertOne({ _id: "d" as never, subs: [{ id: 1 }, { alias: 2 }, { id: 3 }] });
    const result = await coll.updateOne(
      { _id: "d" as never },
      { $pull: { subs: { $or: [{ id: 1 }, { alias: 2 }] } } as never },
    );
    expect(result.modifiedCount).to.equal(1);
    expect((await coll.findOne({ _id: "d" as never }))?.subs).to.deep.equal([{ id: 3 }]);
  });

  it("when $push or $addToSet targets a non-array field, then the update fails with 2 and nothing changes", async () => {
    const coll = t.db.collection("pushScalar");
    await coll.insertOne({ _id: "d" as never, tags: "x", n: 1 });
    const push = await rejection(
      coll.updateOne({ _id: "d" as never }, { $push: { tags: "y" }, $set: { n: 2 } } as never),
    );
    expect(push.code).to.equal(2);
    const add = await rejection(coll.updateOne({ _id: "d" as never }, { $addToSet: { tags: "y" } } as never));
    expect(add.code).to.equal(2);
    expect(await coll.findOne({ _id: "d" as never })).to.deep.equal({ _id: "d", tags: "x", n: 1 });
  });

  it("when $inc or $mul targets a string, or $inc is given a string, then the update fails with 14 TypeMismatch", async () => {
    const coll = t.db.collection("incString");
    await coll.insertOne({ _id: "d" as never, s: "7", n: 1 });
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $inc: { s: 1 } } as never))).code,
    ).to.equal(14);
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $mul: { s: 2 } } as never))).code,
    ).to.equal(14);
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $inc: { n: "1" } } as never))).code,
    ).to.equal(14);
    expect(await coll.findOne({ _id: "d" as never })).to.deep.equal({ _id: "d", s: "7", n: 1 });
  });

  it("when $set names a field under an array of subdocuments, then the update fails with 28 PathNotViable", async () => {
    const coll = t.db.collection("setUnderArray");
    await coll.insertOne({ _id: "d" as never, arr: [{ a: 1 }, { a: 2 }] });
    const error = await rejection(
      coll.updateOne({ _id: "d" as never }, { $set: { "arr.flag": true } } as never),
    );
    expect(error.code).to.equal(28);
    const scalar = await rejection(
      coll.updateOne({ _id: "d" as never }, { $set: { "arr.0.a.b": 1 } } as never),
    );
    expect(scalar.code).to.equal(28);
    expect((await coll.findOne({ _id: "d" as never }))?.arr).to.deep.equal([{ a: 1 }, { a: 2 }]);
  });

  it("when $pop or $pull targets a non-array, then they fail with 14 and 2; on a missing field they do nothing", async () => {
    const coll = t.db.collection("popScalar");
    await coll.insertOne({ _id: "d" as never, s: "x" });
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $pop: { s: 1 } } as never))).code,
    ).to.equal(14);
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $pull: { s: "x" } } as never))).code,
    ).to.equal(2);
    const missing = await coll.updateOne({ _id: "d" as never }, {
      $pop: { none: 1 },
      $pull: { other: 1 },
    } as never);
    expect(missing.modifiedCount).to.equal(0);
  });

  it("when two paths of one update overlap, then it fails with 40 ConflictingUpdateOperators", async () => {
    const coll = t.db.collection("conflicts");
    await coll.insertOne({ _id: "d" as never, a: { b: 1 } });
    const error = await rejection(
      coll.updateOne({ _id: "d" as never }, { $set: { a: {} }, $inc: { "a.b": 1 } } as never),
    );
    expect(error.code).to.equal(40);
  });

  it("when an array filter is not used by any path, then the update fails with 9; a used one updates only its elements", async () => {
    const coll = t.db.collection("arrayFilters");
    await coll.insertOne({ _id: "d" as never, grades: [80, 95, 90] });
    const unused = await rejection(
      coll.updateOne({ _id: "d" as never }, { $set: { x: 1 } }, { arrayFilters: [{ g: { $gte: 90 } }] }),
    );
    expect(unused.code).to.equal(9);
    await coll.updateOne(
      { _id: "d" as never },
      { $set: { "grades.$[g]": 100 } },
      { arrayFilters: [{ g: { $gte: 90 } }] },
    );
    expect((await coll.findOne({ _id: "d" as never }))?.grades).to.deep.equal([80, 100, 100]);
  });

  it("when $push uses $each, $position, $sort and $slice, then they apply in MongoDB's order", async () => {
    const coll = t.db.collection("pushModifiers");
    await coll.insertOne({ _id: "d" as never, s: [5, 1] });
    await coll.updateOne({ _id: "d" as never }, {
      $push: { s: { $each: [4, 2], $sort: 1, $slice: 3 } },
    } as never);
    expect((await coll.findOne({ _id: "d" as never }))?.s).to.deep.equal([1, 2, 4]);
    await coll.updateOne({ _id: "d" as never }, { $push: { s: { $each: [0], $position: 0 } } } as never);
    expect((await coll.findOne({ _id: "d" as never }))?.s).to.deep.equal([0, 1, 2, 4]);
  });

  it("when $addToSet adds values, then equal ones (by BSON value, across number types) are not repeated", async () => {
    const coll = t.db.collection("addToSet");
    await coll.insertOne({ _id: "d" as never, s: [1, { a: 1 }] });
    await coll.updateOne({ _id: "d" as never }, {
      $addToSet: { s: { $each: [new Double(1), new Long(1), { a: 1 }, 2, 2] } },
    } as never);
    expect((await coll.findOne({ _id: "d" as never }))?.s).to.deep.equal([1, { a: 1 }, 2]);
  });

  it("when $min and $max compare different types, then they follow the BSON order (numbers before strings)", async () => {
    const coll = t.db.collection("minMax");
    await coll.insertOne({ _id: "d" as never, lo: "a", hi: 5 });
    await coll.updateOne({ _id: "d" as never }, { $min: { lo: 3 }, $max: { hi: "z" } } as never);
    expect(await coll.findOne({ _id: "d" as never })).to.deep.equal({ _id: "d", lo: 3, hi: "z" });
  });

  it("when $unset names an array element, then the element becomes null and the array keeps its length", async () => {
    const coll = t.db.collection("unsetElement");
    await coll.insertOne({ _id: "d" as never, a: [1, 2, 3] });
    await coll.updateOne({ _id: "d" as never }, { $unset: { "a.1": "" } } as never);
    expect((await coll.findOne({ _id: "d" as never }))?.a).to.deep.equal([1, null, 3]);
  });

  it("when $set writes an own __proto__ key, then it is stored as a field and read back", async () => {
    const coll = t.db.collection("protoKey");
    await coll.insertOne({ _id: "d" as never });
    const set = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1, "wrap": {"__proto__": {"deep": 1}}}') as Record<
      string,
      unknown
    >;
    await coll.updateOne({ _id: "d" as never }, { $set: set } as never);
    const doc = await coll.findOne({ _id: "d" as never });
    expect(Object.hasOwn(doc ?? {}, "__proto__")).to.equal(true);
    expect(Object.getOwnPropertyDescriptor(doc, "__proto__")?.value).to.deep.equal({ polluted: true });
    expect(Object.getOwnPropertyDescriptor(doc?.wrap, "__proto__")?.value).to.deep.equal({ deep: 1 });
    // Through a projection (the fields are copied one by one) it stays a field too.
    const projected = await coll.findOne({ _id: "d" as never }, { projection: { plain: 0 } });
    expect(Object.getOwnPropertyDescriptor(projected, "__proto__")?.value).to.deep.equal({ polluted: true });
    expect(projected?.plain).to.equal(undefined);
    expect(({} as { polluted?: boolean }).polluted).to.equal(undefined);
  });

  it("when $bit and $currentDate apply, then they follow their type rules and refuse a non-integer with 2", async () => {
    const coll = t.db.collection("bitDate");
    await coll.insertOne({ _id: "d" as never, flags: 0b1010, s: "x" });
    await coll.updateOne({ _id: "d" as never }, {
      $bit: { flags: { or: 0b0101 } },
      $currentDate: { at: true },
    } as never);
    const doc = await coll.findOne({ _id: "d" as never });
    expect(doc?.flags).to.equal(0b1111);
    expect(doc?.at).to.be.instanceOf(Date);
    expect(
      (await rejection(coll.updateOne({ _id: "d" as never }, { $bit: { s: { and: 1 } } } as never))).code,
    ).to.equal(2);
  });

  it("when $rename moves a field, then it leaves the source and a missing source is a no-op", async () => {
    const coll = t.db.collection("rename");
    await coll.insertOne({ _id: "d" as never, a: { b: 1 } });
    await coll.updateOne({ _id: "d" as never }, { $rename: { "a.b": "c", none: "other" } } as never);
    expect(await coll.findOne({ _id: "d" as never })).to.deep.equal({ _id: "d", a: {}, c: 1 });
  });
});
