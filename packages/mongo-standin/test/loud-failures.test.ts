import { expect } from "chai";
import { Decimal128, Long, type Document } from "mongodb";
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

  it("when a filter compares a number with a stored Decimal128 or the other way round, then it fails with BadValue instead of finding nothing", async () => {
    const coll = t.db.collection("amounts");
    await coll.insertMany([
      { _id: "d" as never, amount: Decimal128.fromString("1") },
      { _id: "n" as never, amount: 2 },
    ]);
    await expectRefusal(coll.find({ amount: 1 }).toArray(), /Decimal128/);
    await expectRefusal(coll.countDocuments({ amount: { $in: [1, 3] } }), /Decimal128/);
    await expectRefusal(coll.find({ amount: Decimal128.fromString("2") }).toArray(), /Decimal128/);
    // An index lookup reaches the Decimal128 document too (one key for equal numbers), so it refuses as well.
    await coll.createIndex({ amount: 1 });
    await expectRefusal(coll.find({ amount: 1 }).toArray(), /Decimal128/);
    // A type test is not a numeric comparison, and Decimal128 with Decimal128 still answers.
    expect(await coll.countDocuments({ amount: { $type: 19 } })).to.equal(1);
    // A condition holding both kinds meets the other kind whichever a document stores.
    const mixed = t.db.collection("mixed_amounts");
    await mixed.insertOne({ _id: "n" as never, amount: 2 });
    await expectRefusal(mixed.find({ amount: { $in: [1, Decimal128.fromString("5")] } }).toArray(), /Decimal128/);
    const decimalsOnly = t.db.collection("decimal_amounts");
    await decimalsOnly.insertMany([{ amount: Decimal128.fromString("1") }, { amount: Decimal128.fromString("2") }]);
    expect(await decimalsOnly.countDocuments({ amount: Decimal128.fromString("1") })).to.equal(1);
  });

  it("when a number _id is inserted beside a Decimal128 _id, then it fails with BadValue rather than passing the duplicate check", async () => {
    const coll = t.db.collection("decimal_ids");
    await coll.insertOne({ _id: Decimal128.fromString("1.0") as never });
    // MongoDB answers 11000 here (1 equals 1.0); the stand-in refuses the mixed comparison instead.
    await expectRefusal(coll.insertOne({ _id: 1 as never }), /Decimal128/);
    expect(await coll.countDocuments()).to.equal(1);
  });

  it("when a dotted path meets an array of arrays, then it fails with BadValue instead of looking into the inner arrays", async () => {
    const coll = t.db.collection("grids");
    await coll.insertMany([
      { _id: "nested" as never, a: [[{ b: 1 }], [1, 2]] },
      { _id: "flat" as never, a: [{ b: 1 }] },
    ]);
    await expectRefusal(coll.find({ "a.b": 1 }).toArray(), /array of arrays/);
    await expectRefusal(coll.countDocuments({ $or: [{ "a.b": null }] }), /array of arrays/);
    // One array level, or an index into the outer array, is answered as MongoDB does.
    expect(await coll.countDocuments({ _id: "flat" as never, "a.b": 1 })).to.equal(1);
    expect(await coll.countDocuments({ "a.0.b": 1 })).to.equal(2);
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

  // The pipeline check refuses a stage whose operators name a stored Decimal128 field; a value
  // renamed by an earlier stage, a find projection, $expr and an update pipeline reach the
  // arithmetic expressions themselves, which must refuse it too.
  it("when an expression does arithmetic on a Decimal128 the pipeline check cannot see, then it fails with BadValue", async () => {
    const coll = t.db.collection("decimalExpressions");
    await coll.insertOne({ _id: "fee" as never, fee: Decimal128.fromString("0.1"), n: 2 });
    const renamed = (value: Document) =>
      coll.aggregate([{ $addFields: { d: "$fee" } }, { $project: { value } }]);
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["$add", () => renamed({ $add: ["$d", 1] }).toArray()],
      ["$add of three", () => renamed({ $add: [1, "$n", "$d"] }).toArray()],
      ["$subtract", () => renamed({ $subtract: ["$d", "$n"] }).toArray()],
      ["$multiply", () => renamed({ $multiply: ["$n", "$d"] }).toArray()],
      ["$divide", () => renamed({ $divide: ["$d", "$n"] }).toArray()],
      ["$pow", () => renamed({ $pow: ["$d", "$n"] }).toArray()],
      ["$sum", () => renamed({ $sum: ["$d", "$n"] }).toArray()],
      ["$avg", () => renamed({ $avg: ["$d", "$n"] }).toArray()],
      ["find projection", () => coll.find({}, { projection: { v: { $add: ["$fee", 1] } } }).toArray()],
      ["$expr", () => coll.find({ $expr: { $gt: [{ $multiply: ["$fee", 1] }, 0] } }).toArray()],
      [
        "update pipeline",
        () => coll.updateOne({ _id: "fee" as never }, [{ $set: { w: { $add: ["$fee", 1] } } }]),
      ],
    ];
    for (const [label, attempt] of attempts) {
      const error = await rejection(attempt());
      expect(error.code, label).to.equal(2);
      expect(error.message, label).to.match(/mongo-standin does not support .*Decimal128/);
    }
    // A null operand before the Decimal128 makes the result null, as on the server.
    const [row] = await renamed({ $add: [null, "$d"] }).toArray();
    expect(row).to.deep.equal({ _id: "fee", value: null });
    expect(await coll.findOne({ _id: "fee" as never })).to.not.have.property("w");
  });

  // A Decimal128 made inside an expression would be computed on as a double ($add of $toDecimal
  // answering 2.1, not NumberDecimal("2.1")), so making one is refused as storing one is.
  it("when an expression converts to Decimal128, then it fails with BadValue instead of computing a double", async () => {
    const coll = t.db.collection("decimalConversions");
    await coll.insertOne({ _id: "n" as never, n: 2 });
    const project = (value: Document) => coll.aggregate([{ $project: { value } }]).toArray();
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["$toDecimal", () => project({ $add: [{ $toDecimal: "$n" }, 0.1] })],
      ["$convert to decimal", () => project({ $convert: { input: "$n", to: "decimal" } })],
      ["$convert to 19", () => project({ $convert: { input: "$n", to: 19 } })],
      ["$expr", () => coll.find({ $expr: { $gt: [{ $toDecimal: "$n" }, 1] } }).toArray()],
    ];
    for (const [label, attempt] of attempts) {
      const error = await rejection(attempt());
      expect(error.code, label).to.equal(2);
      expect(error.message, label).to.match(/mongo-standin does not support .*Decimal128/);
    }
    // Converting to another type still answers.
    expect(await project({ $convert: { input: "$n", to: "double" } })).to.deep.equal([{ _id: "n", value: 2 }]);
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
