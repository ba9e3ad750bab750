import { expect } from "chai";
import { Decimal128, Long } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * What the stand-in refuses instead of answering wrongly. A real MongoDB supports all of these,
 * so the block is skipped there.
 */
describe("mongo-standin: unsupported features fail loudly", () => {
  const t = useStandinDatabase("standin_loud");

  beforeEach(function () {
    skipOnRealMongo(this, "a real server supports these features; the refusals are the stand-in's own");
  });

  async function expectRefusal(operation: Promise<unknown>, feature: RegExp): Promise<void> {
    const error = await rejection(operation);
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support/);
    expect(error.message).to.match(feature);
  }

  it("when a query uses $text, then it fails with BadValue naming $text", async () => {
    await expectRefusal(
      t.db
        .collection("docs")
        .find({ $text: { $search: "驾驶" } })
        .toArray(),
      /\$text/,
    );
  });

  it("when a query uses a geo operator, then it fails with BadValue naming it", async () => {
    await expectRefusal(
      t.db
        .collection("docs")
        .find({ loc: { $geoWithin: { $centerSphere: [[116.4, 39.9], 0.01] } } })
        .toArray(),
      /\$geoWithin/,
    );
    await expectRefusal(
      t.db
        .collection("docs")
        .find({ loc: { $near: [116.4, 39.9] } })
        .toArray(),
      /\$near/,
    );
  });

  it("when a text or 2dsphere index is created, then it fails with BadValue", async () => {
    await expectRefusal(t.db.collection("docs").createIndex({ body: "text" }), /text/);
    await expectRefusal(t.db.collection("docs").createIndex({ loc: "2dsphere" }), /2dsphere/);
  });

  it("when a change stream is opened, then the $changeStream stage fails with BadValue", async () => {
    await expectRefusal(
      t.db.command({ aggregate: "docs", pipeline: [{ $changeStream: {} }], cursor: {} }),
      /\$changeStream/,
    );
  });

  it("when an update does arithmetic on Decimal128, then it fails with BadValue and the value is unchanged", async () => {
    const coll = t.db.collection("money");
    await coll.insertOne({ _id: "fee" as never, amount: Decimal128.fromString("10.10") });
    await expectRefusal(
      coll.updateOne({ _id: "fee" as never }, { $inc: { amount: Decimal128.fromString("0.01") } }),
      /Decimal128/,
    );
    await expectRefusal(coll.updateOne({ _id: "fee" as never }, { $inc: { amount: 1 } }), /Decimal128/);
    expect((await coll.findOne({ _id: "fee" as never }))?.amount.toString()).to.equal("10.10");
  });

  it("when a filter or sort orders Decimal128 values, then it fails with BadValue instead of comparing strings", async () => {
    const coll = t.db.collection("prices");
    await coll.insertMany([{ p: Decimal128.fromString("9.5") }, { p: Decimal128.fromString("10.25") }]);
    await expectRefusal(coll.find({ p: { $gt: Decimal128.fromString("9.9") } }).toArray(), /Decimal128/);
    await expectRefusal(coll.find().sort({ p: 1 }).toArray(), /Decimal128/);
    expect(await coll.countDocuments({ p: Decimal128.fromString("9.5") })).to.equal(1);
  });

  it("when a pipeline sums Decimal128 values, then it fails with BadValue, while counting and projecting them still work", async () => {
    const coll = t.db.collection("fees");
    await coll.insertMany([
      { k: "a", fee: Decimal128.fromString("1.10") },
      { k: "a", fee: Decimal128.fromString("2.20") },
    ]);
    await expectRefusal(
      coll.aggregate([{ $group: { _id: "$k", total: { $sum: "$fee" } } }]).toArray(),
      /Decimal128/,
    );
    expect(await coll.countDocuments({ k: "a" })).to.equal(2);
    const projected = await coll.aggregate([{ $project: { _id: 0, fee: "$fee" } }]).toArray();
    expect(projected.map((d) => String(d.fee))).to.deep.equal(["1.10", "2.20"]);
  });

  it("when a filter compares with a Long beyond 2^53, then it fails with BadValue instead of comparing doubles", async () => {
    await expectRefusal(
      t.db
        .collection("big")
        .find({ n: { $gt: Long.fromString("9007199254740993") } })
        .toArray(),
      /Long/,
    );
  });
});
