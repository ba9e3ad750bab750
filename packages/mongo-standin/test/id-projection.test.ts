import { expect } from "chai";
import { Schema } from "mongoose";
import { useStandinDatabase } from "./standin-fixtures.js";

/**
 * Projections that name only `_id`. The server decides a projection's kind from its other fields
 * first; with none (or only find's `$slice`), an explicit `{_id: 1}` makes it an inclusion and
 * `{_id: 0}` an exclusion ("computeProjectionType" in the server's projection parser).
 */
describe("mongo-standin: projections of _id alone", () => {
  const t = useStandinDatabase("standin_id_projection");

  it("when a find projects only {_id: 1} or {_id: true}, then only _id comes back", async () => {
    const coll = t.db.collection<{ _id: number; a?: number; b?: number }>("idOnly");
    await coll.insertOne({ _id: 1, a: 1, b: 2 });
    expect(await coll.find({}, { projection: { _id: 1 } }).toArray()).to.deep.equal([{ _id: 1 }]);
    expect(await coll.find({}, { projection: { _id: true } }).toArray()).to.deep.equal([{ _id: 1 }]);
  });

  it("when findAndModify returns fields {_id: 1}, then only _id comes back", async () => {
    const coll = t.db.collection<{ _id: number; a?: number; b?: number }>("idOnlyModify");
    await coll.insertOne({ _id: 1, a: 1, b: 2 });
    const before = await coll.findOneAndUpdate({ _id: 1 }, { $inc: { a: 1 } }, { projection: { _id: 1 } });
    expect(before).to.deep.equal({ _id: 1 });
    const after = await coll.findOneAndUpdate(
      { _id: 1 },
      { $inc: { a: 1 } },
      { projection: { _id: 1 }, returnDocument: "after" },
    );
    expect(after).to.deep.equal({ _id: 1 });
  });

  it("when mongoose's Model.exists finds a document, then it answers with its _id alone", async () => {
    const Thing = t.conn.model("IdOnlyThing", new Schema({ name: String, size: Number }));
    const created = await Thing.create({ name: "x", size: 3 });
    const found = await Thing.exists({ name: "x" });
    expect(found).to.deep.equal({ _id: created._id });
  });

  it("when _id: 1 sits beside an exclusion, then it stays an exclusion that keeps _id", async () => {
    const coll = t.db.collection<{ _id: number; a?: number; b?: number }>("idWithExclusion");
    await coll.insertOne({ _id: 1, a: 1, b: 2 });
    expect(await coll.find({}, { projection: { _id: 1, a: 0 } }).toArray()).to.deep.equal([{ _id: 1, b: 2 }]);
    expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).to.deep.equal([{ a: 1, b: 2 }]);
  });

  it("when _id: 1 sits beside a $slice, then the projection is an inclusion of _id and the slice", async () => {
    const coll = t.db.collection<{ _id: number; list?: number[]; b?: number }>("idWithSlice");
    await coll.insertOne({ _id: 1, list: [1, 2, 3], b: 2 });
    expect(await coll.find({}, { projection: { _id: 1, list: { $slice: 1 } } }).toArray()).to.deep.equal([
      { _id: 1, list: [1] },
    ]);
    expect(await coll.find({}, { projection: { list: { $slice: 1 } } }).toArray()).to.deep.equal([
      { _id: 1, list: [1], b: 2 },
    ]);
  });
});
