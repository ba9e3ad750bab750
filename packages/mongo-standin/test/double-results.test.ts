import { expect } from "chai";
import type { Document } from "mongodb";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * The BSON type each value came back with (read with `promoteValues: false`): `double:2` and
 * `int:2` are the same JavaScript number, but not the same reply. Other values are kept as they are.
 */
function wire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wire);
  const tag = (value as { _bsontype?: string } | null)?._bsontype;
  if (tag === "Double" || tag === "Int32" || tag === "Long")
    return `${tag === "Double" ? "double" : tag === "Int32" ? "int" : "long"}:${String(value)}`;
  return value;
}

function wireFields(doc: Document | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc ?? {}).map(([key, value]) => [key, wire(value)]));
}

/**
 * Result types of the numeric operators over int inputs, as the server answers them: `$avg`,
 * `$stdDevPop`/`$stdDevSamp`, `$divide`, `$sqrt`, `$exp`, `$ln`, `$log`, `$log10` and `$toDouble`
 * give a double (the manual's pages: "$avg … returns a double"; "$divide … the result is a double";
 * evaluate_math.cpp computes each in doubles); `$round`, `$trunc`, `$ceil`, `$floor` and `$abs`
 * keep their operand's type, so a double stays a double though its value is whole;
 * `$add`/`$subtract`/`$multiply`/`$sum`/`$mod` with a double among their operands give a double.
 * A whole double must reach the driver as a BSON double, not an int32.
 */
describe("mongo-standin: double results of numeric operators", () => {
  const t = useStandinDatabase("standin_double_results");

  it("when $avg and the standard deviations accumulate ints, then the result is a double, also when it is whole", async () => {
    const coll = t.db.collection<Numbered>("groupAvg");
    await coll.insertMany([
      { _id: 1, g: "a", x: 1 },
      { _id: 2, g: "a", x: 3 },
      { _id: 3, g: "b", x: 4 },
      { _id: 4, g: "b", x: 4 },
    ]);
    const rows = await coll
      .aggregate(
        [
          {
            $group: {
              _id: "$g",
              avg: { $avg: "$x" },
              pop: { $stdDevPop: "$x" },
              samp: { $stdDevSamp: "$x" },
              sum: { $sum: "$x" },
            },
          },
          { $sort: { _id: 1 } },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(rows.map(wireFields)).to.deep.equal([
      { _id: "a", avg: "double:2", pop: "double:1", samp: `double:${String(Math.SQRT2)}`, sum: "int:4" },
      { _id: "b", avg: "double:4", pop: "double:0", samp: "double:0", sum: "int:8" },
    ]);
  });

  it("when $avg is an expression over ints, then it is a double, and $type says so", async () => {
    const coll = t.db.collection<Numbered>("exprAvg");
    await coll.insertOne({ _id: 1, xs: [2, 4], a: 1, b: 3 });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              ofArray: { $avg: "$xs" },
              ofOperands: { $avg: ["$a", "$b"] },
              type: { $type: { $avg: ["$a", "$b"] } },
              pop: { $stdDevPop: "$xs" },
            },
          },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(wireFields(row)).to.deep.equal({
      ofArray: "double:3",
      ofOperands: "double:2",
      type: "double",
      pop: "double:1",
    });
  });

  it("when $divide, $sqrt, $exp, $ln, $log, $log10 and $toDouble take ints, then each gives a double", async () => {
    const coll = t.db.collection<Numbered>("alwaysDouble");
    await coll.insertOne({ _id: 1, six: 6, four: 4, hundred: 100, one: 1, zero: 0, two: 2 });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              divide: { $divide: ["$six", "$two"] },
              sqrt: { $sqrt: "$four" },
              exp: { $exp: "$zero" },
              ln: { $ln: "$one" },
              log: { $log: ["$hundred", 10] },
              log10: { $log10: "$hundred" },
              toDouble: { $toDouble: "$two" },
              pow: { $pow: ["$four", 0.5] },
              sin: { $sin: "$zero" },
            },
          },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(wireFields(row)).to.deep.equal({
      divide: "double:3",
      sqrt: "double:2",
      exp: "double:1",
      ln: "double:0",
      log: "double:2",
      log10: "double:2",
      toDouble: "double:2",
      pow: "double:2",
      sin: "double:0",
    });
  });

  it("when $round, $trunc, $ceil, $floor and $abs take a double, then a whole result stays a double; an int stays an int", async () => {
    const coll = t.db.collection<Numbered>("keepType");
    await coll.insertOne({ _id: 1, d: 2.5, n: -2.5, i: 7, ni: -7 });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              round: { $round: ["$d", 0] },
              trunc: { $trunc: ["$d", 0] },
              ceil: { $ceil: "$d" },
              floor: { $floor: "$d" },
              absWhole: { $abs: { $floor: "$n" } },
              roundInt: { $round: ["$i", 0] },
              ceilInt: { $ceil: "$i" },
              absInt: { $abs: "$ni" },
            },
          },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(wireFields(row)).to.deep.equal({
      // $round rounds half to even (the manual's "$round (aggregation)" page): 2.5 gives 2.
      round: "double:2",
      trunc: "double:2",
      ceil: "double:3",
      floor: "double:2",
      absWhole: "double:3",
      roundInt: "int:7",
      ceilInt: "int:7",
      absInt: "int:7",
    });
  });

  // The server rounds the double's Decimal128 (34 digits) at 10^-place, ties to even for $round and
  // toward zero for $trunc (evaluateRoundOrTrunc); an int at a negative place is rounded the same way.
  // The manual's "$round (aggregation)" page: "When rounding on a value of 5, $round rounds to the
  // nearest even value", and `{$round: [1234.5678, 2]}` is 1234.57.
  it("when $round and $trunc take places, then they round the decimal value as the server does", async () => {
    const coll = t.db.collection<Numbered>("roundPlaces");
    await coll.insertOne({ _id: 1 });
    const [row] = await coll
      .aggregate([
        {
          $project: {
            _id: 0,
            up: { $round: [26, -1] },
            tieDown: { $round: [25, -1] },
            tieUp: { $round: [35, -1] },
            negative: { $round: [-26, -1] },
            truncInt: { $trunc: [29, -1] },
            aboveHalf: { $round: [2.51, 0] },
            // 2.35 is 2.350000000000000088817841970012523… as a decimal: above the tie.
            nearTie: { $round: [2.35, 1] },
            exactTie: { $round: [2.25, 1] },
            minusHalf: { $round: [-2.5, 0] },
            truncDouble: { $trunc: [-2.79, 1] },
            manual: { $round: [1234.5678, 2] },
          },
        },
      ])
      .toArray();
    expect(row).to.deep.equal({
      up: 30,
      tieDown: 20,
      tieUp: 40,
      negative: -30,
      truncInt: 20,
      aboveHalf: 3,
      nearTie: 2.4,
      exactTie: 2.2,
      minusHalf: -2,
      truncDouble: -2.7,
      manual: 1234.57,
    });
  });

  it("when $add, $subtract, $multiply, $sum and $mod have a double operand and a whole result, then it is a double", async () => {
    const coll = t.db.collection<Numbered>("mixedDouble");
    await coll.insertMany([
      { _id: 1, h: 1.5, q: 0.5, d: 7.5, e: 2.5 },
      { _id: 2, h: 1.5 },
    ]);
    const [row] = await coll
      .aggregate(
        [
          { $match: { _id: 1 } },
          {
            $project: {
              _id: 0,
              add: { $add: ["$h", "$h"] },
              subtract: { $subtract: ["$h", "$q"] },
              multiply: { $multiply: ["$h", 2] },
              sum: { $sum: ["$h", "$h"] },
              mod: { $mod: ["$d", "$e"] },
              intAdd: { $add: [1, 2] },
            },
          },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(wireFields(row)).to.deep.equal({
      add: "double:3",
      subtract: "double:1",
      multiply: "double:3",
      sum: "double:3",
      mod: "double:0",
      intAdd: "int:3",
    });
    const [group] = await coll
      .aggregate([{ $group: { _id: null, sum: { $sum: "$h" }, constant: { $sum: 1.5 } } }], {
        promoteValues: false,
      })
      .toArray();
    expect(wireFields(group)).to.deep.equal({ _id: null, sum: "double:3", constant: "double:3" });
  });

  it("when a whole double result is used by later stages and expressions, then it acts as the number it is", async () => {
    const coll = t.db.collection<Numbered>("doubleDownstream");
    await coll.insertMany([
      { _id: 1, g: "a", x: 1 },
      { _id: 2, g: "a", x: 3 },
      { _id: 3, g: "b", x: 5 },
    ]);
    const rows = await coll
      .aggregate(
        [
          { $sort: { _id: 1 } },
          { $group: { _id: "$g", avg: { $avg: "$x" }, xs: { $push: "$x" } } },
          { $match: { avg: { $in: [2, 5] } } },
          { $match: { avg: 2 } },
          {
            $project: {
              _id: 0,
              avg: 1,
              rounded: { $round: ["$avg", 1] },
              text: { $toString: "$avg" },
              plusOne: { $add: ["$avg", 1] },
              isTwo: { $eq: ["$avg", 2] },
              truthy: { $cond: ["$avg", "yes", "no"] },
              asInt: { $toInt: "$avg" },
              // The middle element at a computed index, a whole double (the manual's "$arrayElemAt").
              middle: { $arrayElemAt: ["$xs", { $floor: { $divide: [{ $size: "$xs" }, 2] } }] },
              sliced: { $slice: ["$xs", { $divide: [2, 2] }] },
            },
          },
        ],
        { promoteValues: false },
      )
      .toArray();
    expect(rows.map(wireFields)).to.deep.equal([
      {
        avg: "double:2",
        rounded: "double:2",
        text: "2",
        plusOne: "double:3",
        isTwo: true,
        truthy: "yes",
        asInt: "int:2",
        middle: "int:3",
        sliced: ["int:1"],
      },
    ]);
  });

  it("when a whole double result is written by $out, $merge or an update pipeline, then filters and indexes find it by its number", async () => {
    const source = t.db.collection<Numbered>("doubleSource");
    await source.insertMany([
      { _id: 1, g: "a", x: 1 },
      { _id: 2, g: "a", x: 3 },
    ]);
    await source.aggregate([{ $group: { _id: "$g", avg: { $avg: "$x" } } }, { $out: "doubleOut" }]).toArray();
    await source
      .aggregate([{ $group: { _id: "$g", avg: { $avg: "$x" } } }, { $merge: { into: "doubleMerged" } }])
      .toArray();
    await source.updateOne({ _id: 1 }, [{ $set: { half: { $divide: ["$x", 0.5] } } }]);
    const out = t.db.collection<{ _id: string; avg: number }>("doubleOut");
    const merged = t.db.collection<{ _id: string; avg: number }>("doubleMerged");
    expect(await out.countDocuments({ avg: 2 })).to.equal(1);
    expect(await merged.countDocuments({ avg: 2 })).to.equal(1);
    expect(await source.countDocuments({ half: 2 })).to.equal(1);
    await out.createIndex({ avg: 1 });
    await source.createIndex({ half: 1 });
    expect(await out.countDocuments({ avg: 2 })).to.equal(1);
    expect(await source.countDocuments({ half: { $in: [2] } })).to.equal(1);
  });

  it("when $ln, $log10 or $log meet a number that is not positive, then they fail as the server does", async () => {
    const coll = t.db.collection<Numbered>("logDomain");
    await coll.insertOne({ _id: 1, zero: 0, minus: -1 });
    const failing: Array<[Document, RegExp]> = [
      [{ $ln: "$zero" }, /\$ln's argument must be a positive number, but is 0/],
      [{ $log10: "$minus" }, /\$log10's argument must be a positive number, but is -1/],
      [{ $log: ["$minus", 10] }, /\$log's argument must be a positive number, but is -1/],
      [{ $log: [10, 1] }, /\$log's base must be a positive number not equal to 1, but is 1/],
    ];
    for (const [expression, message] of failing) {
      const error = await rejection(coll.aggregate([{ $project: { v: expression } }]).toArray());
      expect(error.message).to.match(message);
    }
  });
});
