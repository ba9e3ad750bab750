import { expect } from "chai";
import { Schema } from "mongoose";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: indexes and duplicate keys", () => {
  const t = useStandinDatabase("standin_idx");

  it("when a mongoose unique index is violated, then the error is E11000 with keyPattern and keyValue", async () => {
    const schema = new Schema({ email: { type: String, required: true, unique: true } });
    const User = t.conn.model("IdxUser", schema);
    await User.init();
    await User.create({ email: "a@example.cn" });
    const error = await rejection(User.create({ email: "a@example.cn" }));
    expect(error.code).to.equal(11000);
    expect(error.keyPattern).to.deep.equal({ email: 1 });
    expect(error.keyValue).to.deep.equal({ email: "a@example.cn" });
    expect(error.message).to.match(
      /^E11000 duplicate key error collection: \S+\.idxusers index: email_1 dup key: \{ email: "a@example\.cn" \}/,
    );
  });

  it("when an insert command hits a duplicate, then the reply is ok:1 with writeErrors, and an ordered batch stops there", async () => {
    await t.db.collection("dupes").createIndex({ code: 1 }, { unique: true });
    const reply = await t.db.command({ insert: "dupes", documents: [{ code: 1 }, { code: 1 }, { code: 2 }] });
    expect(reply.ok).to.equal(1);
    expect(reply.n).to.equal(1);
    expect(reply.writeErrors).to.have.length(1);
    expect(reply.writeErrors[0]).to.include({ index: 1, code: 11000 });
    expect(reply.writeErrors[0].keyPattern).to.deep.equal({ code: 1 });
    expect(reply.writeErrors[0].keyValue).to.deep.equal({ code: 1 });
    const unordered = await t.db.command({
      insert: "dupes",
      documents: [{ code: 1 }, { code: 3 }],
      ordered: false,
    });
    expect([unordered.n, unordered.writeErrors.length]).to.deep.equal([1, 1]);
  });

  it("when findAndModify hits a duplicate, then the command itself fails (ok:0) with code 11000, keyPattern and keyValue", async () => {
    await t.db.collection("fam_dupes").createIndex({ slot: 1 }, { unique: true });
    await t.db.collection("fam_dupes").insertMany([{ slot: "a" }, { slot: "b" }]);
    const error = await rejection(
      t.db.command({ findAndModify: "fam_dupes", query: { slot: "b" }, update: { $set: { slot: "a" } } }),
    );
    expect(error.code).to.equal(11000);
    expect(error.keyPattern).to.deep.equal({ slot: 1 });
    expect(error.keyValue).to.deep.equal({ slot: "a" });
  });

  it("when a compound unique index exists, then only the full key combination must be unique", async () => {
    const coll = t.db.collection("compound");
    await coll.createIndex({ exam: 1, seat: 1 }, { unique: true });
    await coll.insertMany([
      { exam: "e1", seat: 1 },
      { exam: "e1", seat: 2 },
      { exam: "e2", seat: 1 },
    ]);
    const error = await rejection(coll.insertOne({ exam: "e1", seat: 2 }));
    expect(error.code).to.equal(11000);
    expect(error.keyValue).to.deep.equal({ exam: "e1", seat: 2 });
  });

  it("when a unique index is neither sparse nor partial, then a missing field counts as null and may occur only once", async () => {
    const coll = t.db.collection("missing");
    await coll.createIndex({ nick: 1 }, { unique: true });
    await coll.insertOne({ other: 1 });
    const error = await rejection(coll.insertOne({ other: 2 }));
    expect(error.code).to.equal(11000);
    expect(error.keyValue).to.deep.equal({ nick: null });
  });

  it("when a unique index is sparse or partial, then documents outside it never collide", async () => {
    const sparse = t.db.collection("sparse");
    await sparse.createIndex({ nick: 1 }, { unique: true, sparse: true });
    await sparse.insertMany([{ a: 1 }, { a: 2 }, { nick: "x" }]);
    expect((await rejection(sparse.insertOne({ nick: "x" }))).code).to.equal(11000);

    const partial = t.db.collection("partial");
    await partial.createIndex({ idNumber: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await partial.insertMany([
      { idNumber: "110", active: false },
      { idNumber: "110", active: false },
      { idNumber: "110", active: true },
    ]);
    expect((await rejection(partial.insertOne({ idNumber: "110", active: true }))).code).to.equal(11000);
  });

  it("when a unique index covers an array field, then every element is a key (multikey) across documents", async () => {
    const coll = t.db.collection("multikey");
    await coll.createIndex({ plates: 1 }, { unique: true });
    await coll.insertOne({ plates: ["京A1", "京A2", "京A2"] });
    const error = await rejection(coll.insertOne({ plates: ["沪B1", "京A2"] }));
    expect(error.code).to.equal(11000);
    expect(error.keyValue).to.deep.equal({ plates: "京A2" });
    expect(await coll.countDocuments({ plates: "京A1" })).to.equal(1);
  });

  it("when a unique index is created over existing duplicates, then creation fails with 11000 and no index is added", async () => {
    const coll = t.db.collection("late");
    await coll.insertMany([{ v: 1 }, { v: 1 }]);
    expect((await rejection(coll.createIndex({ v: 1 }, { unique: true }))).code).to.equal(11000);
    expect((await coll.indexes()).map((i) => i.name)).to.deep.equal(["_id_"]);
  });

  it("when an index name is reused with a different key, then createIndexes fails with 86 IndexKeySpecsConflict; an identical one is a no-op", async () => {
    const coll = t.db.collection("conflict");
    await coll.createIndex({ a: 1 }, { name: "my_index" });
    await coll.createIndex({ a: 1 }, { name: "my_index" });
    expect((await rejection(coll.createIndex({ b: 1 }, { name: "my_index" }))).code).to.equal(86);
    expect((await coll.indexes()).map((i) => i.name)).to.deep.equal(["_id_", "my_index"]);
  });

  it("when indexes are listed and dropped, then listIndexes reflects each change", async () => {
    const coll = t.db.collection("listing");
    await coll.createIndex({ a: 1, b: -1 });
    await coll.createIndex({ c: 1 }, { unique: true });
    const listed = await coll.indexes();
    expect(listed.map((i) => [i.name, i.key])).to.deep.equal([
      ["_id_", { _id: 1 }],
      ["a_1_b_-1", { a: 1, b: -1 }],
      ["c_1", { c: 1 }],
    ]);
    expect(listed[2]?.unique).to.equal(true);
    await coll.dropIndex("a_1_b_-1");
    expect((await coll.indexes()).map((i) => i.name)).to.deep.equal(["_id_", "c_1"]);
    await coll.insertMany([{ c: 1 }]);
    await coll.dropIndexes();
    await coll.insertOne({ c: 1 });
    expect((await coll.indexes()).map((i) => i.name)).to.deep.equal(["_id_"]);
  });

  it("when a document is updated or deleted, then its old unique key is freed", async () => {
    const coll = t.db.collection("freed");
    await coll.createIndex({ k: 1 }, { unique: true });
    await coll.insertOne({ k: "a" });
    await coll.updateOne({ k: "a" }, { $set: { k: "b" } });
    await coll.insertOne({ k: "a" });
    await coll.deleteOne({ k: "b" });
    await coll.insertOne({ k: "b" });
    expect(
      (
        await coll
          .find({}, { projection: { _id: 0 } })
          .sort({ k: 1 })
          .toArray()
      ).map((d) => d.k),
    ).to.deep.equal(["a", "b"]);
  });

  it("when a duplicate _id is inserted, then it fails with E11000 on the _id_ index", async () => {
    const coll = t.db.collection("ids");
    await coll.insertOne({ _id: "same" as never });
    const error = await rejection(coll.insertOne({ _id: "same" as never }));
    expect(error.code).to.equal(11000);
    expect(error.keyPattern).to.deep.equal({ _id: 1 });
  });
});
