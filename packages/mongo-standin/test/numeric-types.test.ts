import { expect } from "chai";
import { Long, Timestamp, type Document } from "mongodb";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
/** 2^62: two of them overflow a 64-bit integer; kept as a Long by the stand-in (beyond 2^53). */
const TWO_POW_62 = Long.fromString("4611686018427387904");

/** How a result came back with `promoteLongs: false`: a 64-bit integer as `long:…`, else the number. */
function typed(value: unknown): unknown {
  return value instanceof Long ? `long:${value.toString()}` : value;
}

function typedFields(doc: Document | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc ?? {}).map(([key, value]) => [key, typed(value)]));
}

/**
 * Numeric result types and precision as the server computes them: `$sum`/`$avg` accumulate in a
 * double-double sum (summation.h) and `$sum` widens int → long → double (accumulator_sum.cpp,
 * getValue); `$add`/`$subtract`/`$multiply` of integers give an int when it fits, else a long, and
 * a double when the long overflows (evaluate_math.cpp: AddState, MultiplyState, evaluateSubtract);
 * `$inc`/`$mul` widen int32 to long and fail with BadValue when a long overflows (arithmetic_node.cpp,
 * SafeNum). The manual's "$sum" and "$add" pages say the same of the result types.
 */
describe("mongo-standin: numeric types and precision in pipelines and updates", () => {
  const t = useStandinDatabase("standin_numeric_types");

  it("when $sum's int32 total leaves the int32 range, then it is a long, and a long total past int64 a double", async () => {
    const coll = t.db.collection<Numbered>("sumWidening");
    await coll.insertMany([
      { _id: 1, g: "int", x: INT32_MAX },
      { _id: 2, g: "int", x: 1 },
      { _id: 3, g: "fits", x: INT32_MAX },
      { _id: 4, g: "fits", x: -5 },
      { _id: 5, g: "longOverflow", x: TWO_POW_62 },
      { _id: 6, g: "longOverflow", x: TWO_POW_62 },
      { _id: 7, g: "longExact", x: TWO_POW_62 },
      { _id: 8, g: "longExact", x: 1 },
      { _id: 9, g: "double", x: 0.1 },
      { _id: 10, g: "double", x: 0.2 },
      { _id: 11, g: "double", x: 0.3 },
    ]);
    const rows = await coll
      .aggregate([{ $sort: { _id: 1 } }, { $group: { _id: "$g", s: { $sum: "$x" } } }], {
        promoteLongs: false,
      })
      .toArray();
    const byGroup = Object.fromEntries(rows.map((row) => [row._id as string, typed(row.s)]));
    expect(byGroup).to.deep.equal({
      int: "long:2147483648",
      fits: 2147483642,
      longOverflow: 9223372036854775808,
      longExact: "long:4611686018427387905",
      // The double-double sum rounds once at the end: 0.6, where adding in turn gives 0.6000000000000001.
      double: 0.6,
    });
  });

  it("when $sum is an expression, then it widens as the accumulator and takes a single array operand's elements", async () => {
    const coll = t.db.collection<Numbered>("sumExpression");
    await coll.insertOne({ _id: 1, x: INT32_MAX, y: 1, arr: [1, 2, 3], d: [0.1, 0.2, 0.3] });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              pair: { $sum: ["$x", "$y"] },
              field: { $sum: "$arr" },
              wrapped: { $sum: ["$arr"] },
              scalar: { $sum: "$x" },
              missing: { $sum: "$absent" },
              arrayAmongOthers: { $sum: ["$arr", 1] },
              doubles: { $sum: "$d" },
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    // evaluateAccumulator: one operand that is an array is summed element by element; among
    // several operands an array is a non-number and ignored.
    expect(typedFields(row)).to.deep.equal({
      pair: "long:2147483648",
      field: 6,
      wrapped: 6,
      scalar: INT32_MAX,
      missing: 0,
      arrayAmongOthers: 1,
      doubles: 0.6,
    });
  });

  it("when $avg and the standard deviations take doubles and longs, then they sum and step as the server does", async () => {
    const coll = t.db.collection<Numbered>("average");
    await coll.insertMany([
      { _id: 1, g: "double", x: 0.1 },
      { _id: 2, g: "double", x: 0.2 },
      { _id: 3, g: "double", x: 0.3 },
      { _id: 4, g: "long", x: TWO_POW_62 },
      { _id: 5, g: "long", x: TWO_POW_62 },
      { _id: 6, g: "int", x: 1 },
      { _id: 7, g: "int", x: 2 },
    ]);
    const rows = await coll
      .aggregate([
        { $sort: { _id: 1 } },
        { $group: { _id: "$g", avg: { $avg: "$x" }, pop: { $stdDevPop: "$x" } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(rows).to.deep.equal([
      // 0.6 / 3 from the double-double sum; Welford's online steps for the deviation (accumulator_std_dev.cpp).
      { _id: "double", avg: 0.19999999999999998, pop: 0.08164965809277258 },
      { _id: "int", avg: 1.5, pop: 0.5 },
      { _id: "long", avg: 4611686018427387904, pop: 0 },
    ]);
    const [row] = await coll
      .aggregate([{ $match: { _id: 1 } }, { $project: { _id: 0, avg: { $avg: [0.1, 0.2, 0.3] } } }])
      .toArray();
    expect(row).to.deep.equal({ avg: 0.19999999999999998 });
  });

  it("when $add, $subtract and $multiply leave the int32 range, then the result is an exact long, or a double past int64", async () => {
    const coll = t.db.collection<Numbered>("arithmetic");
    await coll.insertOne({ _id: 1, i: INT32_MAX, m: INT32_MIN, l: TWO_POW_62, at: new Date(1_000) });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              add: { $add: ["$i", 1] },
              subtract: { $subtract: ["$m", 1] },
              multiply: { $multiply: ["$i", "$i"] },
              addLong: { $add: ["$l", 1] },
              addLongOverflow: { $add: ["$l", "$l"] },
              multiplyLongOverflow: { $multiply: ["$l", 4] },
              subtractLong: { $subtract: ["$l", "$i"] },
              divideLong: { $divide: ["$l", 4] },
              mixed: { $add: ["$i", 0.5] },
              withNull: { $add: ["$i", null] },
              date: { $add: ["$at", 1_000] },
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    expect(typedFields(row)).to.deep.equal({
      add: "long:2147483648",
      subtract: "long:-2147483649",
      // 4611686014132420609 exactly: a double product would be 4611686014132420600.
      multiply: "long:4611686014132420609",
      addLong: "long:4611686018427387905",
      addLongOverflow: 9223372036854775808,
      multiplyLongOverflow: 18446744073709551616,
      subtractLong: "long:4611686016279904257",
      divideLong: 1152921504606846976,
      mixed: 2147483647.5,
      withNull: null,
      date: new Date(2_000),
    });
  });

  // The server's ExpressionPow keeps integer powers exact (an int, else a long, a double past
  // int64); $isNumber is true of longs; $min/$max as expressions take a single array operand's
  // elements (evaluateAccumulator), as the manual's "$max (aggregation)" page shows.
  it("when $pow, $isNumber and the $min/$max expressions meet integers and arrays, then they answer as the server", async () => {
    const coll = t.db.collection<Numbered>("otherExpressions");
    await coll.insertOne({ _id: 1, l: TWO_POW_62, arr: [3, 1, 2] });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              exact: { $pow: [3, 39] },
              widened: { $pow: [2, 31] },
              small: { $pow: [2, 10] },
              negative: { $pow: [2, -1] },
              minusOne: { $pow: [-1, -3] },
              pastLong: { $pow: [2, 64] },
              longIsNumber: { $isNumber: "$l" },
              stringIsNumber: { $isNumber: "x" },
              maxWrapped: { $max: ["$arr"] },
              minWrapped: { $min: ["$arr"] },
              maxField: { $max: "$arr" },
              minAmongOthers: { $min: ["$arr", 0] },
              maxOfNothing: { $max: [] },
            },
          },
        ],
        { promoteLongs: false },
      )
      .toArray();
    expect(typedFields(row)).to.deep.equal({
      // 4052555153018976267 exactly: a double power would be 4052555153018976000.
      exact: "long:4052555153018976267",
      widened: "long:2147483648",
      small: 1024,
      negative: 0.5,
      minusOne: -1,
      pastLong: 18446744073709551616,
      longIsNumber: true,
      stringIsNumber: false,
      maxWrapped: 3,
      minWrapped: 1,
      maxField: 3,
      minAmongOthers: 0,
      maxOfNothing: null,
    });
  });

  it("when $mul multiplies two int32 values past that range, then the stored long is exact", async () => {
    const coll = t.db.collection<{ _id: number; n: number }>("mulExact");
    await coll.insertOne({ _id: 1, n: INT32_MAX });
    await coll.updateOne({ _id: 1 }, { $mul: { n: INT32_MAX } });
    const doc = await coll.findOne({ _id: 1 }, { promoteLongs: false });
    expect(typed(doc?.n)).to.equal("long:4611686014132420609");
  });

  it("when $inc or $mul would overflow a long, then the update fails with BadValue and changes nothing", async () => {
    const coll = t.db.collection<Numbered>("longOverflow");
    const max = Long.MAX_VALUE;
    await coll.insertOne({ _id: 1, top: max, big: TWO_POW_62, low: Long.MIN_VALUE });
    const attempts: Array<[Document, RegExp]> = [
      [{ $inc: { top: 1 } }, /^Failed to apply \$inc operations to current value/],
      [{ $inc: { low: -1 } }, /^Failed to apply \$inc operations to current value/],
      [{ $mul: { big: 2 } }, /^Failed to apply \$mul operations to current value/],
    ];
    for (const [update, message] of attempts) {
      const error = await rejection(coll.updateOne({ _id: 1 }, update));
      expect(error.code, JSON.stringify(update)).to.equal(2);
      expect(error.message).to.match(message);
    }
    const doc = await coll.findOne({ _id: 1 }, { promoteLongs: false });
    expect(typedFields(doc ?? undefined)).to.deep.equal({
      _id: 1,
      top: `long:${max.toString()}`,
      big: `long:${TWO_POW_62.toString()}`,
      low: `long:${Long.MIN_VALUE.toString()}`,
    });
  });

  // A timestamp is no number to $inc (the manual's $inc: "on a field with a non-numeric value"
  // fails); bson's Timestamp is a subclass of Long, which the stand-in took for one.
  it("when $inc or $bit targets a timestamp, then it fails (14, 2) and changes nothing", async () => {
    const coll = t.db.collection<{ _id: number; ts: Timestamp }>("incTimestamp");
    const ts = new Timestamp({ t: 100, i: 1 });
    await coll.insertOne({ _id: 1, ts });
    const error = await rejection(coll.updateOne({ _id: 1 }, { $inc: { ts: 1 } as never }));
    expect(error.code).to.equal(14);
    // $bit likewise wants an integer there (BitNode: "Cannot apply $bit to a value of non-integral type").
    const bitError = await rejection(coll.updateOne({ _id: 1 }, { $bit: { ts: { or: 1 } } } as never));
    expect(bitError.code).to.equal(2);
    expect(bitError.message).to.match(/^Cannot apply \$bit to a value of non-integral type/);
    expect((await coll.findOne({ _id: 1 }))?.ts.equals(ts)).to.equal(true);
  });

  // MongoDB's equality is numeric across int, long and double ("Comparison/Sort Order": numbers
  // compare by value), so a field an update widened to a long still equals the number, by a scan
  // or through an index, and so does a long a pipeline computed.
  it("when a field or a group total is a long, then equality filters and $match find it by the number", async () => {
    const coll = t.db.collection<{ _id: number; z: number }>("longEquality");
    await coll.insertMany([
      { _id: 1, z: INT32_MAX },
      { _id: 2, z: 5 },
    ]);
    await coll.updateOne({ _id: 1 }, { $inc: { z: 1 } });
    const ids = async (filter: Document): Promise<unknown[]> =>
      (await coll.find(filter).sort({ _id: 1 }).toArray()).map((doc) => doc._id);
    const wide = 2147483648;
    expect(await ids({ z: wide })).to.deep.equal([1]);
    expect(await ids({ z: { $in: [wide, 7] } })).to.deep.equal([1]);
    expect(await ids({ z: { $ne: wide } })).to.deep.equal([2]);
    expect(await ids({ z: { $nin: [wide] } })).to.deep.equal([2]);
    expect(await ids({ _id: 1, z: wide })).to.deep.equal([1]);
    expect(await ids({ $or: [{ z: wide }, { z: 5 }] })).to.deep.equal([1, 2]);
    await coll.createIndex({ z: 1 });
    expect(await ids({ z: wide })).to.deep.equal([1]);
    const totals = await coll
      .aggregate([
        { $group: { _id: null, s: { $sum: "$z" } } },
        { $match: { s: 2147483653 } },
        { $project: { _id: 0, s: 1 } },
      ])
      .toArray();
    expect(totals).to.deep.equal([{ s: 2147483653 }]);
  });
});
