import { expect } from "chai";
import { Decimal128, MaxKey, MinKey, ObjectId, Timestamp } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

const HOUR = 3_600_000;

/** A test document: its _id and any fields. */
type Row<Id = string> = { _id: Id } & Record<string, unknown>;

/**
 * Comparison expressions (`$eq`, `$ne`, `$lt`, `$lte`, `$gt`, `$gte`, `$cmp`) in `$expr` and in
 * pipelines. Unlike query operators they compare values of any two types by the BSON order
 * (a missing value below null, null below numbers, strings, objects, arrays, …, dates), and an
 * array as one value, never element by element.
 */
describe("mongo-standin: aggregation comparison expressions", () => {
  const t = useStandinDatabase("standin_expr_compare");

  async function ids(collection: string, filter: Record<string, unknown>): Promise<string[]> {
    const docs = await t.db.collection<Row>(collection).find(filter).toArray();
    return docs.map((d) => d._id).sort();
  }

  it("when an entry's retry time is missing, null, a string or past, then $lte against $$NOW holds; a future one does not", async () => {
    await t.db.collection<Row>("retry").insertMany([
      { _id: "missing", status: "pending" },
      { _id: "null", status: "pending", availableAt: null },
      { _id: "string", status: "pending", availableAt: "soon" },
      { _id: "past", status: "pending", availableAt: new Date(Date.now() - HOUR) },
      { _id: "future", status: "pending", availableAt: new Date(Date.now() + HOUR) },
    ]);
    expect(
      await ids("retry", { status: "pending", $expr: { $lte: ["$availableAt", "$$NOW"] } }),
    ).to.deep.equal(["missing", "null", "past", "string"]);
  });

  it("when the queue's due filter runs (both lease forms, under a consumer's prefix), then it takes what MongoDB takes", async () => {
    const now = Date.now();
    const at = (field: string): string => `deliveries.mail.${field}`;
    const entry = (id: string, state: Record<string, unknown>) => ({ _id: id, deliveries: { mail: state } });
    await t.db
      .collection<Row>("outbox")
      .insertMany([
        entry("fresh", { status: "pending", attempts: 0, availableAt: new Date(now + HOUR) }),
        entry("retry-due", { status: "pending", attempts: 2, availableAt: new Date(now - HOUR) }),
        entry("retry-later", { status: "pending", attempts: 2, availableAt: new Date(now + HOUR) }),
        entry("retry-unset", { status: "pending", attempts: 2 }),
        entry("claimed-now", { status: "processing", attempts: 1, claimedAt: new Date(now) }),
        entry("claimed-long-ago", { status: "processing", attempts: 1, claimedAt: new Date(now - HOUR) }),
        entry("claimed-null", { status: "processing", attempts: 1, claimedAt: null }),
        entry("claimed-unset", { status: "processing", attempts: 1 }),
        entry("done", { status: "done", attempts: 1 }),
      ]);
    const claimedLease = {
      $or: [
        { [at("status")]: "pending", [at("attempts")]: 0 },
        { [at("status")]: "pending", $expr: { $lte: [`$${at("availableAt")}`, "$$NOW"] } },
        {
          [at("status")]: "processing",
          $expr: { $lt: [`$${at("claimedAt")}`, { $subtract: ["$$NOW", 60_000] }] },
        },
      ],
    };
    expect(await ids("outbox", claimedLease)).to.deep.equal([
      "claimed-long-ago",
      "claimed-null",
      "claimed-unset",
      "fresh",
      "retry-due",
      "retry-unset",
    ]);

    await t.db.collection<Row>("exchange").insertMany([
      { _id: "lease-over", status: "sending", leaseUntil: new Date(now - 1_000) },
      { _id: "lease-running", status: "sending", leaseUntil: new Date(now + HOUR) },
      { _id: "lease-unset", status: "sending" },
    ]);
    const untilLease = { status: "sending", $expr: { $lt: ["$leaseUntil", "$$NOW"] } };
    expect(await ids("exchange", untilLease)).to.deep.equal(["lease-over", "lease-unset"]);
  });

  it("when values of different types are compared, then the BSON type order decides", async () => {
    const coll = t.db.collection<Row>("crossType");
    await coll.insertOne({
      _id: "x",
      n: 5,
      s: "a",
      d: new Date(0),
      o: { k: 1 },
      list: [1],
      id: new ObjectId(),
    });
    const holds = async (expr: Record<string, unknown>): Promise<boolean> =>
      (await coll.countDocuments({ $expr: expr })) === 1;
    expect(await holds({ $lt: [5, new Date()] })).to.equal(true);
    expect(await holds({ $lt: ["$n", "$s"] })).to.equal(true);
    expect(await holds({ $lt: ["$s", "$o"] })).to.equal(true);
    expect(await holds({ $lt: ["$o", "$list"] })).to.equal(true);
    expect(await holds({ $lt: ["$list", "$id"] })).to.equal(true);
    expect(await holds({ $lt: ["$id", true] })).to.equal(true);
    expect(await holds({ $lt: [true, "$d"] })).to.equal(true);
    expect(await holds({ $gt: ["$s", "$n"] })).to.equal(true);
    expect(await holds({ $gte: ["$d", 1e15] })).to.equal(true);
    expect(await holds({ $lt: [new MinKey(), "$missing"] })).to.equal(true);
    expect(await holds({ $gt: [new MaxKey(), "$d"] })).to.equal(true);
    // A timestamp sorts after every date and is no number, though bson makes it a kind of Long.
    expect(await holds({ $gt: [new Timestamp({ t: 1, i: 1 }), "$d"] })).to.equal(true);
    expect(await holds({ $gt: [new Timestamp({ t: 1, i: 1 }), 1e15] })).to.equal(true);
  });

  it("when an array is compared with a value, then the array is one value and its elements are not matched", async () => {
    const coll = t.db.collection<Row>("arrays");
    await coll.insertOne({ _id: "x", tags: ["x"], nums: [1, 5] });
    const holds = async (expr: Record<string, unknown>): Promise<boolean> =>
      (await coll.countDocuments({ $expr: expr })) === 1;
    expect(await holds({ $eq: ["$tags", "x"] })).to.equal(false);
    expect(await holds({ $ne: ["$tags", "x"] })).to.equal(true);
    expect(await holds({ $eq: ["$tags", ["x"]] })).to.equal(true);
    expect(await holds({ $gt: ["$nums", 3] })).to.equal(true);
    expect(await holds({ $lt: ["$nums", [1, 6]] })).to.equal(true);
    expect(await holds({ $lt: ["$nums", [1]] })).to.equal(false);
  });

  it("when a missing field is compared with null, then it is lower, not equal; two missing fields are equal", async () => {
    const coll = t.db.collection<Row>("missing");
    await coll.insertMany([{ _id: "unset" }, { _id: "null", v: null }]);
    expect(await ids("missing", { $expr: { $eq: ["$v", null] } })).to.deep.equal(["null"]);
    expect(await ids("missing", { $expr: { $ne: ["$v", null] } })).to.deep.equal(["unset"]);
    expect(await ids("missing", { $expr: { $lt: ["$v", null] } })).to.deep.equal(["unset"]);
    expect(await ids("missing", { $expr: { $gte: ["$v", null] } })).to.deep.equal(["null"]);
    expect(await ids("missing", { $expr: { $eq: ["$v", "$w"] } })).to.deep.equal(["unset"]);
  });

  it("when $cmp and $eq are projected in a pipeline, then they answer by the same order, numbers by value across types", async () => {
    const coll = t.db.collection<Row<number>>("cmp");
    await coll.insertMany([
      { _id: 1, v: 5 },
      { _id: 2, v: 5.0 },
      { _id: 3, v: "5" },
      { _id: 4, v: null },
      { _id: 5 },
    ]);
    const rows = await coll
      .aggregate([{ $sort: { _id: 1 } }, { $project: { c: { $cmp: ["$v", 5] }, e: { $eq: ["$v", 5] } } }])
      .toArray();
    expect(rows).to.deep.equal([
      { _id: 1, c: 0, e: true },
      { _id: 2, c: 0, e: true },
      { _id: 3, c: 1, e: false },
      { _id: 4, c: -1, e: false },
      { _id: 5, c: -1, e: false },
    ]);
  });

  it("when a comparison expression gets other than two arguments, then it fails with 16020", async () => {
    const coll = t.db.collection("arity");
    await coll.insertOne({ a: 1 });
    const error = await rejection(coll.find({ $expr: { $lt: ["$a"] } }).toArray());
    expect(error.code).to.equal(16020);
  });

  it("when a comparison expression meets a value whose order the stand-in does not model, then it refuses", async function () {
    skipOnRealMongo(this, "the refusals are the stand-in's own");
    const coll = t.db.collection("refused");
    await coll.insertOne({ a: 1, re: /x/, list: [1], money: Decimal128.fromString("1.5") });
    for (const expr of [{ $eq: ["$money", 1.5] }, { $lt: ["$re", "$a"] }, { $eq: [["$missing"], [null]] }]) {
      const error = await rejection(coll.find({ $expr: expr }).toArray());
      expect(error.code, JSON.stringify(expr)).to.equal(2);
      expect(error.message).to.match(/mongo-standin does not support/);
    }
  });
});
