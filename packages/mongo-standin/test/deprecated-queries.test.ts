import { expect } from "chai";
import { serialize, type Document } from "bson";
import { BSONSymbol, DBRef, MaxKey, MinKey, ObjectId } from "mongodb";
import { DB_POINTER_PLACEHOLDER, send, withDbPointer, withUndefined } from "./raw-messages.js";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/** The code and message of a failed command, or of its first write error. */
function failure(reply: Document): [unknown, unknown, unknown] {
  const [error] = (reply.writeErrors ?? []) as Array<{ code: number; errmsg: string }>;
  return error ? [reply.ok, error.code, error.errmsg] : [reply.ok, reply.code, reply.errmsg];
}

const standinRefusal = (message: unknown): boolean =>
  String(message).startsWith("mongo-standin does not support");

/**
 * The deprecated BSON types in what a command reads by: the server refuses a comparison with
 * undefined (ComparisonMatchExpression: 2 "cannot compare to undefined"; InMatchExpression: 2
 * "InMatchExpression equality cannot be undefined"), compares a symbol as the string it holds (one
 * canonical type), and keeps a symbol or a DBPointer a pipeline computes as that type. The codec
 * decodes undefined as a missing value, a symbol as a string and a DBPointer as a DBRef document,
 * so the stand-in answers as the server does or refuses; it never reads them as those other types.
 */
describe("mongo-standin: deprecated BSON types in filters and pipelines", () => {
  const t = useStandinDatabase("standin_deprecated_queries");

  async function seeded(name: string): Promise<void> {
    await t.db
      .collection<Numbered>(name)
      .insertMany([{ _id: 1, a: 1 }, { _id: 2, a: "x" }, { _id: 3, a: null }, { _id: 4 }]);
  }

  it("when a find, count or $match compares a field with a BSON undefined, then it fails with 2 as the server does", async () => {
    await seeded("finds");
    const command = (body: Document, field: string): Promise<Document> =>
      send(t.uri, withUndefined({ ...body, $db: t.dbName }, field));
    const replies = [
      await command({ find: "finds", filter: { a: null } }, "a"),
      await command({ find: "finds", filter: { a: { $eq: null } } }, "$eq"),
      await command({ find: "finds", filter: { $or: [{ _id: 1 }, { a: { $ne: null } }] } }, "$ne"),
      await command({ count: "finds", query: { a: { $gte: null } } }, "$gte"),
      await command({ aggregate: "finds", pipeline: [{ $match: { a: null } }], cursor: {} }, "a"),
      await command({ find: "finds", filter: { a: { $in: [1, null] } } }, "1"),
      await command({ find: "finds", filter: { a: { $nin: [null] } } }, "0"),
    ];
    expect(replies.map(failure)).to.deep.equal([
      ...Array<unknown>(5).fill([0, 2, "cannot compare to undefined"]),
      [0, 2, "InMatchExpression equality cannot be undefined"],
      [0, 2, "InMatchExpression equality cannot be undefined"],
    ]);
  });

  it("when a delete or findAndModify filters by a BSON undefined, then it fails with 2 and deletes nothing", async () => {
    await seeded("deletes");
    const deleted = await send(
      t.uri,
      withUndefined({ delete: "deletes", $db: t.dbName, deletes: [{ q: { a: null }, limit: 0 }] }, "a"),
    );
    const removed = await send(
      t.uri,
      withUndefined({ findAndModify: "deletes", $db: t.dbName, query: { a: null }, remove: true }, "a"),
    );
    expect([failure(deleted), failure(removed)]).to.deep.equal([
      [1, 2, "cannot compare to undefined"],
      [0, 2, "cannot compare to undefined"],
    ]);
    expect(deleted.n).to.equal(0);
    expect(await t.db.collection("deletes").countDocuments()).to.equal(4);
  });

  it("when a filter compares a field with a BSON symbol, then it matches the equal string as the server does", async () => {
    await seeded("symbols");
    const coll = t.db.collection<Numbered>("symbols");
    const ids = async (filter: Document): Promise<unknown[]> =>
      (await coll.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);
    expect([
      await ids({ a: new BSONSymbol("x") }),
      await ids({ a: { $in: [new BSONSymbol("x"), 1] } }),
      await ids({ a: { $gte: new BSONSymbol("a") } }),
      await ids({ a: { $ne: new BSONSymbol("x") } }),
    ]).to.deep.equal([[2], [1, 2], [2], [1, 3, 4]]);
  });

  it("when a pipeline computes a BSON symbol, then the stand-in refuses it and $out or $merge writes nothing", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    await seeded("computed");
    const coll = t.db.collection<Numbered>("computed");
    const symbol = { $literal: new BSONSymbol("x") };
    const errors = [
      await rejection(coll.aggregate([{ $addFields: { s: symbol } }, { $out: "computed_out" }]).toArray()),
      await rejection(
        coll.aggregate([{ $set: { s: symbol } }, { $merge: { into: "computed_merge" } }]).toArray(),
      ),
      await rejection(coll.aggregate([{ $project: { t: { $type: symbol } } }]).toArray()),
      await rejection(coll.find({}, { projection: { t: symbol } }).toArray()),
    ];
    expect(errors.map((error) => [error.code, standinRefusal(error.message)])).to.deep.equal(
      Array<unknown>(4).fill([2, true]),
    );
    expect(await t.db.collection("computed_out").countDocuments()).to.equal(0);
    expect(await t.db.collection("computed_merge").countDocuments()).to.equal(0);
  });

  it("when a command carries a BSON DBPointer, then the stand-in refuses it rather than read it as a DBRef", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("pointers");
    await coll.insertOne({ _id: 1, p: new DBRef("ns", new ObjectId("6162636465666768696a6b00")) });
    const inserted = await send(t.uri, Buffer.from(serialize({ insert: "pointers", $db: t.dbName })), {
      id: "documents",
      docs: [withDbPointer({ _id: 2, p: DB_POINTER_PLACEHOLDER }, "p")],
    });
    const found = await send(
      t.uri,
      withDbPointer({ find: "pointers", $db: t.dbName, filter: { p: DB_POINTER_PLACEHOLDER } }, "p"),
    );
    expect(
      [failure(inserted), failure(found)].map(([ok, code, message]) => [ok, code, standinRefusal(message)]),
    ).to.deep.equal([
      [1, 2, true],
      [0, 2, true],
    ]);
    expect(await coll.countDocuments()).to.equal(1);
  });

  it("when another command carries a BSON undefined or symbol, then the stand-in refuses it", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    await seeded("others");
    const replies = [
      await send(
        t.uri,
        withUndefined({ explain: { find: "others", filter: { a: null } }, $db: t.dbName }, "a"),
      ),
      await send(
        t.uri,
        Buffer.from(
          serialize({
            createIndexes: "others",
            $db: t.dbName,
            indexes: [
              {
                key: { a: 1 },
                name: "a_1",
                partialFilterExpression: { a: { $type: new BSONSymbol("string") } },
              },
            ],
          }),
        ),
      ),
    ];
    expect(replies.map((reply) => [reply.ok, reply.code])).to.deep.equal([
      [0, 2],
      [0, 2],
    ]);
    expect((await t.db.collection("others").indexes()).map((index) => index.name)).to.deep.equal(["_id_"]);
  });

  it("when a range compares with MinKey or MaxKey, then the stand-in refuses it rather than match nothing", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    await seeded("keys");
    const coll = t.db.collection<Numbered>("keys");
    const errors = [
      await rejection(coll.find({ a: { $gt: new MinKey() } }).toArray()),
      await rejection(coll.find({ a: { $lte: new MaxKey() } }).toArray()),
    ];
    expect(errors.map((error) => [error.code, standinRefusal(error.message)])).to.deep.equal([
      [2, true],
      [2, true],
    ]);
  });
});
