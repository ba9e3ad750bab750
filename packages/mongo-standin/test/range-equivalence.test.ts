import { expect } from "chai";
import {
  Binary,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  type Document,
} from "bson";
import { typeBracket } from "../src/bson-order.js";
import { rangeHoldsGeneral, rangeMatches, rangePredicate, type RangeOperator } from "../src/engine.js";
import { EMPTY_ARRAY_KEY, isPlainObject } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/**
 * Equivalence tests for the range conditions a save's filter runs (issue 17): whatever shortcut
 * a range test takes for a number or a date, it answers exactly as the general comparison (every
 * value the path reaches, by type bracket and BSON order, NaN as the server has it), and so does
 * the type bracket however it is tested. These pass before and after the shortcut.
 */
describe("mongo-standin: range conditions answer as the general comparison", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this checks the stand-in's comparisons directly");
  });

  const TESTS: Record<RangeOperator, (order: number) => boolean> = {
    $gt: (order) => order > 0,
    $gte: (order) => order >= 0,
    $lt: (order) => order < 0,
    $lte: (order) => order <= 0,
  };

  /** The general range test (engine.ts's rule without the shortcut). */
  const general = (op: RangeOperator, parts: string[], operand: unknown, doc: unknown, stored: boolean) =>
    rangeHoldsGeneral(TESTS[op], parts, operand, doc, stored);

  /** What a call answers: its result, or the message it throws. */
  function outcome(run: () => boolean): boolean | string {
    try {
      return run();
    } catch (error) {
      return `throws ${(error as Error).message}`;
    }
  }

  const VALUES: unknown[] = [
    0,
    -0,
    1,
    -1,
    1.5,
    5,
    2 ** 53,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Infinity,
    -Infinity,
    NaN,
    new Int32(5),
    new Double(5),
    Long.fromNumber(5),
    Long.fromString("9007199254740993"),
    new Decimal128("5"),
    new Decimal128("0.1"),
    new Decimal128("NaN"),
    "5",
    "",
    true,
    false,
    null,
    undefined,
    new Date(0),
    new Date(Date.UTC(2026, 11, 7)),
    new Date(Number.NaN),
    new Timestamp({ t: 5, i: 1 }),
    new ObjectId("64b64b64b64b64b64b64b64b"),
    new Binary(Buffer.from([5])),
    { b: 5 },
    {},
    [],
    [5],
    [1, 9],
    [NaN],
    [null],
    [[5]],
    [new Date(0), 5],
    EMPTY_ARRAY_KEY,
  ];

  const OPERANDS: unknown[] = [
    0,
    -0,
    5,
    1.5,
    -1,
    Infinity,
    -Infinity,
    NaN,
    2 ** 53,
    null,
    new Date(0),
    new Date(Date.UTC(2026, 11, 7)),
    new Date(Number.NaN),
    Long.fromNumber(5),
    new Int32(5),
    new Decimal128("5"),
    new Decimal128("0.1"),
    "5",
    true,
  ];

  /** Documents placing `value` at `a`, `a.b` and `a.b.c`, through plain objects, arrays and other values. */
  function placements(value: unknown): Array<[string, Document]> {
    return [
      ["a", { a: value }],
      ["a", {}],
      ["a.b", { a: { b: value } }],
      ["a.b", { a: { c: value } }],
      ["a.b", { a: null }],
      ["a.b", { a: 5 }],
      ["a.b", { a: new Date(0) }],
      ["a.b", { a: [{ b: value }, { b: 7 }] }],
      ["a.b", { a: [{ b: value }] }],
      ["a.b", { a: [] }],
      ["a.0", { a: [value, 3] }],
      ["a.0", { a: { 0: value } }],
      ["a.b.c", { a: { b: { c: value } } }],
      // A numeric part into an array (a save's `answers.31.seq`), with and without elements that
      // have a field named like the index, past the end, and at the path's end.
      ["a.1.b", { a: [{ b: 1 }, { b: value }] }],
      ["a.0.b", { a: [{ b: value }, { 0: { b: 1 } }] }],
      ["a.0.b", { a: [{ b: value }, { 0: 2 }] }],
      ["a.5.b", { a: [{ b: value }] }],
      ["a.01.b", { a: [{ b: 1 }, { b: value }] }],
      ["a.1.b", { a: [{ b: 1 }, null, { b: value }] }],
      ["a.0.b.c", { a: [{ b: { c: value } }] }],
      ["a.0.b.c", { a: [{ b: [{ c: value }] }] }],
      ["a.0.0", { a: [[value], [1]] }],
      ["a.b.c", { a: { b: [{ c: value }] } }],
      ["a.b.c", { a: Object.assign(Object.create({ inherited: 1 }) as object, { b: { c: value } }) }],
    ];
  }

  it("when a range meets every kind of value along every kind of path, then it answers as the general comparison", () => {
    let compared = 0;
    for (const op of ["$gt", "$gte", "$lt", "$lte"] as const)
      for (const operand of OPERANDS)
        for (const value of VALUES)
          for (const [field, doc] of placements(value)) {
            const parts = field.split(".");
            for (const stored of [false, true]) {
              const expected = outcome(() => general(op, parts, operand, doc, stored));
              const got = stored
                ? outcome(() => rangeMatches(op, parts, operand, doc))
                : outcome(() => rangePredicate(op, field, operand)(doc));
              if (got !== expected)
                expect.fail(
                  `${field} ${op} ${String(operand)} on ${String(value)}: ${String(got)}, not ${String(expected)}`,
                );
              compared += 1;
            }
          }
    expect(compared).to.be.greaterThan(20_000);
  });

  it("when NaN, infinities, -0 and invalid dates meet a range, then they answer as the server's comparison", () => {
    const at = (op: RangeOperator, operand: unknown, value: unknown) =>
      rangeMatches(op, ["a"], operand, { a: value });
    expect(at("$gte", NaN, NaN)).to.equal(true);
    expect(at("$gt", NaN, NaN)).to.equal(false);
    expect(at("$lt", 0, NaN)).to.equal(false);
    expect(at("$gte", NaN, 0)).to.equal(false);
    expect(at("$gte", Infinity, Infinity)).to.equal(true);
    expect(at("$gt", -Infinity, Infinity)).to.equal(true);
    expect(at("$lte", 0, -0)).to.equal(true);
    expect(at("$lt", 0, -0)).to.equal(false);
    expect(at("$gte", new Date(0), new Date(1))).to.equal(true);
    expect(at("$lt", new Date(0), 0)).to.equal(false);
    expect(at("$gte", 0, new Date(0))).to.equal(false);
    expect(at("$gte", null, undefined)).to.equal(true);
    expect(at("$lt", 6, "5")).to.equal(false);
    expect(at("$gte", 5, Long.fromNumber(5))).to.equal(true);
    expect(at("$gt", 4.5, new Decimal128("5"))).to.equal(true);
    // The save filter's terms, on an attempt-shaped document.
    const attempt = { deadline: new Date(1_000), answers: [{ seq: 3 }, { seq: 0 }], seenUpTo: 4 };
    expect(rangeMatches("$gte", ["deadline"], new Date(999), attempt)).to.equal(true);
    expect(rangeMatches("$lt", ["answers", "1", "seq"], 4, attempt)).to.equal(true);
    expect(rangeMatches("$lt", ["answers", "0", "seq"], 3, attempt)).to.equal(false);
    expect(rangeMatches("$gte", ["seenUpTo"], 5, attempt)).to.equal(false);
  });

  it("when any value's type bracket is asked, then it is the one of the server's order", () => {
    /** bson-order.ts's bracket before any reordering of its tests. */
    function reference(value: unknown): number {
      if (value === undefined) return 2;
      if (value === EMPTY_ARRAY_KEY) return 1.5;
      if (value === null) return 2;
      if (value instanceof Timestamp) return 11;
      if (typeof value === "number" || value instanceof Int32 || value instanceof Double) return 3;
      if (value instanceof Long || value instanceof Decimal128) return 3;
      if (typeof value === "string") return 4;
      if (Array.isArray(value)) return 6;
      if (isPlainObject(value)) return 5;
      if (value instanceof Binary) return 7;
      if (value instanceof ObjectId) return 8;
      if (typeof value === "boolean") return 9;
      if (value instanceof Date) return 10;
      if (value instanceof RegExp) return 12;
      const tag = (value as { _bsontype?: string })._bsontype;
      if (tag === "MinKey") return 1;
      if (tag === "MaxKey") return 14;
      if (tag === "BSONRegExp") return 12;
      if (tag === "Code") return (value as { scope?: unknown }).scope ? 13.5 : 13;
      return 5;
    }
    for (const value of [
      ...VALUES,
      ...OPERANDS,
      new MinKey(),
      new MaxKey(),
      /x/i,
      Object.create(null) as object,
    ])
      expect(typeBracket(value), Object.prototype.toString.call(value)).to.equal(reference(value));
  });
});
