import { expect } from "chai";
import { Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document } from "mongodb";
import { isTruthy } from "../src/truthiness.js";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const INT32_MAX = 2147483647;

/**
 * Truthiness in aggregation as the server has it (Value::coerceToBool, document_value/value.cpp):
 * false, null, undefined, a missing value and every numeric zero (int 0, long 0, double 0 and -0,
 * Decimal128 0) are false; everything else is true, "" and [] and NaN too. The manual's "$and
 * (aggregation)" page: "evaluates as false: null, 0, and undefined values… all other values, including
 * non-zero numeric values and arrays, as true". `$cond`, `$and`, `$or`, `$not`, `$switch`, `$filter`,
 * `$allElementsTrue`/`$anyElementTrue` and `$expr` in a filter all coerce the same way.
 */
describe("mongo-standin: truthiness in aggregation expressions and $expr", () => {
  const t = useStandinDatabase("standin_truthiness");

  /** Every truthiness-taking operator over `value`, each answering true or false. */
  const verdicts = (value: unknown): Document => ({
    condArray: { $cond: [value, true, false] },
    condObject: { $cond: { if: value, then: true, else: false } },
    and: { $and: [value] },
    andSingle: { $and: value },
    or: { $or: [value] },
    notNot: { $not: [{ $not: [value] }] },
    switch: { $switch: { branches: [{ case: value, then: true }], default: false } },
    filter: { $eq: [{ $size: { $filter: { input: [value], cond: "$$this" } } }, 1] },
    allElementsTrue: { $allElementsTrue: [[value]] },
    anyElementTrue: { $anyElementTrue: [[value]] },
  });
  const verdictNames = Object.keys(verdicts(null));
  const all = (verdict: boolean): Document => Object.fromEntries(verdictNames.map((name) => [name, verdict]));

  it("when stored values are zeros, null, missing or false, then every operator takes them as false, and all else as true", async () => {
    const coll = t.db.collection<Numbered>("stored");
    const falsy: Array<[number, unknown]> = [
      [1, false],
      [2, null],
      [4, 0],
      [5, new Double(0)],
      [6, new Double(-0)],
      [7, Long.fromNumber(0)],
    ];
    const truthy: Array<[number, unknown]> = [
      [10, true],
      [11, ""],
      [12, []],
      [13, {}],
      [14, "0"],
      [15, 1],
      [16, -1],
      [17, 0.5],
      [18, Number.NaN],
      [19, Long.fromNumber(7)],
      [20, new Date(0)],
      [21, new ObjectId()],
      [22, [0]],
      [23, [false]],
    ];
    await coll.insertMany([{ _id: 3 }, ...[...falsy, ...truthy].map(([_id, v]) => ({ _id, v }))]);
    const rows = await coll.aggregate([{ $sort: { _id: 1 } }, { $project: verdicts("$v") }]).toArray();
    const expected = [
      ...[1, 2, 3, 4, 5, 6, 7].map((_id) => ({ _id, ...all(false) })),
      ...truthy.map(([_id]) => ({ _id, ...all(true) })),
    ];
    expect(rows).to.deep.equal(expected);
    // `$ifNull` hands `$expr` the value itself (or null), so `$expr`'s own coercion decides.
    const matched = await coll
      .find({ $expr: { $ifNull: ["$v", null] } }, { sort: { _id: 1 }, projection: { _id: 1 } })
      .toArray();
    expect(matched.map((doc) => doc._id)).to.deep.equal(truthy.map(([_id]) => _id));
    const negated = await coll
      .find({ $expr: { $not: ["$v"] } }, { sort: { _id: 1 }, projection: { _id: 1 } })
      .toArray();
    expect(negated.map((doc) => doc._id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it("when a long result is zero, then it is false; a long that is not zero is true", async () => {
    const coll = t.db.collection<Numbered>("longZero");
    await coll.insertOne({ _id: 1, x: INT32_MAX });
    // int + int past int32 is a long (2147483648); a long minus itself is long 0.
    const wide = { $add: ["$x", 1] };
    const zero = { $subtract: [wide, wide] };
    const [row] = await coll
      .aggregate([{ $project: { _id: 0, zero: verdicts(zero), wide: verdicts(wide) } }])
      .toArray();
    expect(row).to.deep.equal({ zero: all(false), wide: all(true) });
    expect(await coll.countDocuments({ $expr: zero })).to.equal(0);
    expect(await coll.countDocuments({ $expr: { $not: [zero] } })).to.equal(1);
    expect(await coll.countDocuments({ $expr: { $or: [zero, { $eq: ["$x", 0] }] } })).to.equal(0);
  });

  it("when $cond, $and, $or and $not meet literals, then empty strings and arrays are true and NaN is true", async () => {
    const coll = t.db.collection<Numbered>("literals");
    await coll.insertOne({ _id: 1 });
    const [row] = await coll
      .aggregate([
        {
          $project: {
            _id: 0,
            notEmptyString: { $not: [""] },
            notEmptyArray: { $not: [{ $literal: [] }] },
            notNaN: { $not: [Number.NaN] },
            notZero: { $not: [0] },
            notMissing: { $not: ["$absent"] },
            andEmpty: { $and: [] },
            orEmpty: { $or: [] },
            orNaN: { $or: [0, Number.NaN] },
            andMixed: { $and: [1, "", { $literal: [] }, 0] },
            timestamp: { $cond: [{ $literal: new Timestamp({ t: 0, i: 0 }) }, true, false] },
          },
        },
      ])
      .toArray();
    expect(row).to.deep.equal({
      notEmptyString: false,
      notEmptyArray: false,
      notNaN: false,
      notZero: true,
      notMissing: true,
      andEmpty: true,
      orEmpty: false,
      orNaN: true,
      andMixed: false,
      timestamp: true,
    });
  });

  it("when $switch has no matching branch and no default, then it fails as the server does", async () => {
    const coll = t.db.collection<Numbered>("switchNoDefault");
    await coll.insertOne({ _id: 1, x: INT32_MAX });
    const wide = { $add: ["$x", 1] };
    const error = await rejection(
      coll
        .aggregate([
          { $project: { s: { $switch: { branches: [{ case: { $subtract: [wide, wide] }, then: 1 }] } } } },
        ])
        .toArray(),
    );
    expect(error.message).to.match(
      /\$switch could not find a matching branch for an input, and no default was specified/,
    );
  });
});

/** The stand-in's own truthiness function over values the wire cannot bring into a pipeline (a refused Decimal128, wrappers). */
describe("mongo-standin: isTruthy", () => {
  it("when a value is a numeric zero of any BSON type, then it is false; any other value is true", () => {
    const falsy: unknown[] = [
      false,
      null,
      undefined,
      0,
      -0,
      0n,
      Long.fromNumber(0),
      new Int32(0),
      new Double(0),
      new Double(-0),
      Decimal128.fromString("0"),
      Decimal128.fromString("-0"),
      Decimal128.fromString("0.000"),
      Decimal128.fromString("0E+10"),
    ];
    const truthy: unknown[] = [
      true,
      "",
      [],
      {},
      Number.NaN,
      1n,
      Long.fromNumber(-1),
      new Int32(3),
      new Double(0.1),
      Decimal128.fromString("0.001"),
      Decimal128.fromString("NaN"),
      Decimal128.fromString("-Infinity"),
      new Timestamp({ t: 0, i: 0 }),
      new Date(0),
      new MinKey(),
      new MaxKey(),
      /x/,
    ];
    expect(falsy.map(isTruthy)).to.deep.equal(falsy.map(() => false));
    expect(truthy.map(isTruthy)).to.deep.equal(truthy.map(() => true));
  });
});
