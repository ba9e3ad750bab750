import { expect } from "chai";
import { Long, ObjectId } from "mongodb";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: CRUD commands through the official driver", () => {
  const t = useStandinDatabase("standin_crud");

  it("when documents are inserted and found with sort, skip, limit and projection, then the server applies them in that order", async () => {
    const coll = t.db.collection("people");
    await coll.insertMany([1, 2, 3, 4, 5].map((n) => ({ n, name: `p${n}`, secret: "x" })));
    const found = await coll
      .find({ n: { $gte: 2 } }, { projection: { name: 1, _id: 0 } })
      .sort({ n: -1 })
      .skip(1)
      .limit(2)
      .toArray();
    expect(found).to.deep.equal([{ name: "p4" }, { name: "p3" }]);
  });

  it("when a result is larger than the batch size, then getMore pages through it and killCursors closes a cursor", async () => {
    const coll = t.db.collection("paged");
    await coll.insertMany(Array.from({ length: 7 }, (_, i) => ({ i })));
    const all = await coll.find({}, { batchSize: 2 }).sort({ i: 1 }).toArray();
    expect(all.map((d) => d.i)).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);

    const first = await t.db.command({ find: "paged", filter: {}, batchSize: 2 }, { promoteLongs: false });
    const id = first.cursor.id as Long;
    expect(first.cursor.firstBatch).to.have.length(2);
    expect(Long.isLong(id) && !id.isZero()).to.equal(true);
    const more = await t.db.command(
      { getMore: id, collection: "paged", batchSize: 3 },
      { promoteLongs: false },
    );
    expect(more.cursor.nextBatch).to.have.length(3);
    const killed = await t.db.command({ killCursors: "paged", cursors: [id] }, { promoteLongs: false });
    expect(killed.cursorsKilled.map(String)).to.deep.equal([id.toString()]);
    const gone = await rejection(t.db.command({ getMore: id, collection: "paged" }));
    expect(gone.code).to.equal(43);
  });

  it("when documents together exceed a reply's 16 MB, then a batch stops before the one that would overflow it, and a lone document is a batch of its own", async () => {
    const coll = t.db.collection("bigbatch");
    const big = "x".repeat(9 * 1024 * 1024);
    await coll.insertOne({ _id: "a", big } as never);
    await coll.insertOne({ _id: "b", big } as never);
    await coll.insertOne({ _id: "c", small: 1 } as never);
    const first = await t.db.command({ find: "bigbatch", filter: {}, batchSize: 2 }, { promoteLongs: false });
    expect(first.cursor.firstBatch.map((d: { _id: string }) => d._id)).to.deep.equal(["a"]);
    const more = await t.db.command(
      { getMore: first.cursor.id as Long, collection: "bigbatch", batchSize: 10 },
      { promoteLongs: false },
    );
    expect(more.cursor.nextBatch.map((d: { _id: string }) => d._id)).to.deep.equal(["b", "c"]);
    const one = await t.db.command({ find: "bigbatch", filter: { _id: "b" } });
    expect(one.cursor.firstBatch).to.have.length(1);
    expect(one.cursor.firstBatch[0].big).to.have.length(big.length);
  });

  it("when updateMany, replacement and pipeline updates run, then every matched document changes as MongoDB would", async () => {
    const coll = t.db.collection("upd");
    await coll.insertMany([
      { k: "a", n: 1 },
      { k: "a", n: 2 },
      { k: "b", n: 3 },
    ]);
    const many = await coll.updateMany({ k: "a" }, { $inc: { n: 10 } });
    expect([many.matchedCount, many.modifiedCount]).to.deep.equal([2, 2]);
    await coll.replaceOne({ k: "b" }, { k: "b", replaced: true });
    await coll.updateOne({ k: "b" }, [{ $set: { doubled: { $multiply: [2, 21] } } }]);
    const docs = await coll
      .find({}, { projection: { _id: 0 } })
      .sort({ k: 1, n: 1 })
      .toArray();
    expect(docs).to.deep.equal([
      { k: "a", n: 11 },
      { k: "a", n: 12 },
      { k: "b", replaced: true, doubled: 42 },
    ]);
    const same = await coll.updateOne({ k: "b" }, { $set: { replaced: true } });
    expect([same.matchedCount, same.modifiedCount]).to.deep.equal([1, 0]);
  });

  it("when an upsert inserts, then it is seeded from the filter's equality fields (dotted and inside $and) plus $setOnInsert", async () => {
    const coll = t.db.collection("ups");
    const res = await coll.updateOne(
      { $and: [{ "owner.id": 7 }, { kind: "card" }], n: { $gt: 3 } },
      { $set: { status: "new" }, $setOnInsert: { createdBy: "upsert" } },
      { upsert: true },
    );
    expect(res.upsertedCount).to.equal(1);
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ owner: { id: 7 }, kind: "card", status: "new", createdBy: "upsert" });
    await coll.updateOne(
      { kind: "card" },
      { $set: { status: "seen" }, $setOnInsert: { createdBy: "second" } },
      { upsert: true },
    );
    expect(
      await coll.findOne({ kind: "card" }, { projection: { _id: 0, status: 1, createdBy: 1 } }),
    ).to.deep.equal({ status: "seen", createdBy: "upsert" });
  });

  it("when arrayFilters and the positional operator are used, then only the matching array elements change", async () => {
    const coll = t.db.collection("arr");
    await coll.insertOne({
      _id: new ObjectId(),
      tag: "x",
      items: [
        { k: "a", v: 1 },
        { k: "b", v: 2 },
        { k: "a", v: 3 },
      ],
    });
    await coll.updateOne({ tag: "x" }, { $set: { "items.$[e].v": 0 } }, { arrayFilters: [{ "e.k": "a" }] });
    await coll.updateOne({ tag: "x", "items.k": "b" }, { $inc: { "items.$.v": 5 } });
    const doc = await coll.findOne({ tag: "x" });
    expect(doc?.items).to.deep.equal([
      { k: "a", v: 0 },
      { k: "b", v: 7 },
      { k: "a", v: 0 },
    ]);
  });

  it("when nested array filters meet no element of the outer array, then the update matches and changes nothing", async () => {
    const coll = t.db.collection("nestedFilters");
    const _id = new ObjectId();
    await coll.insertOne({ _id, rooms: [{ name: "A", seats: [{ n: 1, ip: null }] }] });
    const result = await coll.updateOne(
      { _id },
      { $set: { "rooms.$[room].seats.$[seat].ip": "10.0.0.1" } },
      { arrayFilters: [{ "room.name": "B" }, { "seat.n": 1 }] },
    );
    expect([result.matchedCount, result.modifiedCount]).to.deep.equal([1, 0]);
    const unused = await rejection(
      coll.updateOne(
        { _id },
        { $set: { "rooms.$[room].name": "C" } },
        { arrayFilters: [{ "room.name": "A" }, { "seat.n": 1 }] },
      ),
    );
    expect(unused.code).to.equal(9);
  });

  it("when a claim marks some array elements only if none of them is marked yet, then the second claim matches nothing", async () => {
    // roadcert's outage credit: $not/$elemMatch over dates in the filter, $in over dates in arrayFilters.
    const coll = t.db.collection("claims");
    const at = (hour: number) => new Date(Date.UTC(2026, 11, 6, hour));
    const [d1, d2, d3] = [at(1), at(2), at(3)];
    await coll.insertOne({
      _id: new ObjectId(),
      tag: "c",
      away: [d1, d2, d3].map((from) => ({ from, credited: false })),
    });
    const claim = (froms: Date[]) =>
      coll.updateOne(
        { tag: "c", away: { $not: { $elemMatch: { from: { $in: froms }, credited: true } } } },
        { $set: { "away.$[drop].credited": true } },
        { arrayFilters: [{ "drop.from": { $in: froms } }] },
      );
    expect((await claim([d1, d2])).modifiedCount).to.equal(1);
    expect((await claim([d2, d3])).matchedCount).to.equal(0);
    expect((await claim([d3])).modifiedCount).to.equal(1);
    const doc = await coll.findOne({ tag: "c" });
    expect(doc?.away.map((w: { credited: boolean }) => w.credited)).to.deep.equal([true, true, true]);
  });

  it("when an update would change _id, then it fails with 66 ImmutableField and the document is unchanged", async () => {
    const coll = t.db.collection("immutable");
    await coll.insertOne({ _id: "fixed" as unknown as ObjectId, v: 1 });
    const error = await rejection(
      coll.updateOne({ v: 1 }, { $set: { _id: "other" as unknown as ObjectId } }),
    );
    expect(error.code).to.equal(66);
    expect(await coll.countDocuments({ _id: "fixed" as unknown as ObjectId })).to.equal(1);
  });

  it("when $set writes _id with its current value (as connect-mongo does), then the update and the upsert succeed", async () => {
    const coll = t.db.collection("same_id");
    await coll.updateOne({ _id: "s1" as never }, { $set: { _id: "s1" as never, v: 1 } }, { upsert: true });
    await coll.updateOne({ _id: "s1" as never }, { $set: { _id: "s1" as never, v: 2 } }, { upsert: true });
    expect(await coll.find().toArray()).to.deep.equal([{ _id: "s1", v: 2 }]);
  });

  it("when deleteOne and deleteMany run, then they remove one and all matches respectively", async () => {
    const coll = t.db.collection("del");
    await coll.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }, { g: 2 }]);
    expect((await coll.deleteOne({ g: 1 })).deletedCount).to.equal(1);
    expect((await coll.deleteMany({ g: 2 })).deletedCount).to.equal(2);
    expect(await coll.countDocuments()).to.equal(1);
  });

  it("when findOneAndUpdate, findOneAndDelete and an upserting findOneAndUpdate run, then they return the before/after documents", async () => {
    const coll = t.db.collection("fam");
    await coll.insertMany([
      { q: 1, v: "old" },
      { q: 2, v: "keep" },
    ]);
    const before = await coll.findOneAndUpdate(
      { q: 1 },
      { $set: { v: "new" } },
      { returnDocument: "before", projection: { _id: 0 } },
    );
    expect(before).to.deep.equal({ q: 1, v: "old" });
    const after = await coll.findOneAndUpdate(
      { q: 3 },
      { $set: { v: "made" } },
      { upsert: true, returnDocument: "after", projection: { _id: 0 } },
    );
    expect(after).to.deep.equal({ q: 3, v: "made" });
    const removed = await coll.findOneAndDelete({ q: 2 }, { projection: { _id: 0 } });
    expect(removed).to.deep.equal({ q: 2, v: "keep" });
    expect(await coll.countDocuments()).to.equal(2);
  });

  it("when count and distinct run, then count honours the filter and distinct unwinds arrays", async () => {
    const coll = t.db.collection("cd");
    await coll.insertMany([
      { tags: ["a", "b"], n: 1 },
      { tags: ["b", "c"], n: 2 },
      { tags: "d", n: 3 },
    ]);
    expect(await coll.countDocuments({ n: { $lt: 3 } })).to.equal(2);
    expect(await coll.estimatedDocumentCount()).to.equal(3);
    expect((await coll.distinct("tags")).sort()).to.deep.equal(["a", "b", "c", "d"]);
  });

  it("when a document is inserted with _id last, then it is stored with _id as the first field", async () => {
    const coll = t.db.collection("order");
    await coll.insertOne({ b: 1, a: 2, _id: "k" as never });
    expect(Object.keys((await coll.findOne({ _id: "k" as never })) ?? {})).to.deep.equal(["_id", "b", "a"]);
  });

  it("when $type names BSON types and $addToSet repeats values in $each, then both behave like the server", async () => {
    const coll = t.db.collection("types");
    await coll.insertMany([
      { ref: new ObjectId(), n: 1 },
      { ref: "text", n: 2.5 },
      { ref: [new ObjectId()], n: null },
    ]);
    expect(await coll.countDocuments({ ref: { $type: "objectId" } })).to.equal(2);
    expect(await coll.countDocuments({ ref: { $type: 2 } })).to.equal(1);
    expect(await coll.countDocuments({ n: { $type: "number" } })).to.equal(2);
    expect(await coll.countDocuments({ n: { $type: "null" } })).to.equal(1);
    await coll.updateOne({ n: 1 }, { $addToSet: { tags: { $each: ["a", "b", "a"] } } });
    await coll.updateOne({ n: 1 }, { $addToSet: { tags: { $each: ["b", "c"] } } });
    expect((await coll.findOne({ n: 1 }))?.tags).to.deep.equal(["a", "b", "c"]);
  });

  it("when a filter uses an unknown query operator, then the command fails with 2 BadValue", async () => {
    const error = await rejection(
      t.db
        .collection("bad")
        .find({ a: { $nope: 1 } })
        .toArray(),
    );
    expect(error.code).to.equal(2);
  });

  it("when a command is unknown, then the server answers 59 CommandNotFound", async () => {
    const error = await rejection(t.db.command({ noSuchCommandHere: 1 }));
    expect(error.code).to.equal(59);
  });
});
