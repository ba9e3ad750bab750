import { expect } from "chai";
import { Decimal128, Long, ObjectId, type Document } from "bson";
import { fastPredicate, shapeKey } from "../src/fast-filter.js";
import { compileFilter, compileWithEngine } from "../src/query.js";
import type { Doc } from "../src/storage/values.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

const DAY = new Date("2026-01-02T00:00:00Z");
const LATER = new Date("2026-01-03T00:00:00Z");
const OID = new ObjectId("65a000000000000000000001");

/** Values a document field can hold, including ones that only look like a filter's value. */
const STORED: unknown[] = [
  0,
  -0,
  1,
  1.5,
  7,
  -3,
  NaN,
  "",
  "1",
  "a",
  "in_progress",
  true,
  false,
  null,
  DAY,
  new Date(DAY.getTime()),
  LATER,
  new Date(NaN),
  OID,
  Long.fromNumber(1),
  Decimal128.fromString("1"),
  [1, 7],
  ["a"],
  [],
  [null],
  [[1]],
  { c: 1 },
  { seq: 3 },
  [{ seq: 3 }, { seq: 9 }],
  // What a save's `seen` holds, and arrays a `$ne` must look into or leave to the engine.
  [3, 5],
  [1, null],
  [-0],
  [DAY, "a"],
  [NaN],
  [OID],
  [1, [7]],
];

/** Documents holding those values at `a`, under `s.a`, in an answers array, as null, or not at all. */
function documents(): Doc[] {
  const docs: Doc[] = [{ _id: "none" }, { _id: "nulls", a: null, s: null }, { _id: "scalar-s", s: 5 }];
  STORED.forEach((value, i) => {
    docs.push({ _id: `a${i}`, a: value, b: "x" });
    docs.push({ _id: `s${i}`, s: { a: value }, b: "y" });
    docs.push({ _id: `n${i}`, answers: [{ seq: value }, { seq: 2 }], s: [{ a: value }] });
  });
  docs.push({ _id: "ctor", a: 1, s: { constructor: 1 } });
  return docs;
}

/** Filters of the shapes saves and claims send, plus near misses the fast path must refuse. */
function filters(): Document[] {
  const out: Document[] = [];
  const operands: unknown[] = [0, 1, 1.5, 7, "", "1", "a", true, false, null, DAY, LATER];
  for (const v of operands) {
    out.push({ a: v }, { a: { $eq: v } }, { "s.a": v }, { a: v, b: "x" });
    for (const op of ["$gt", "$gte", "$lt", "$lte"])
      out.push({ a: { [op]: v } }, { "answers.0.seq": { [op]: v } });
    out.push({ a: { $gte: v, $lt: 8 } });
    // $ne (equality's negation, arrays at the end looked into) and $not of ranges.
    out.push({ a: { $ne: v } }, { "s.a": { $ne: v } }, { "answers.0.seq": { $ne: v } }, { a: { $ne: v, $lt: 8 } });
    for (const op of ["$gt", "$gte", "$lt", "$lte"])
      out.push({ a: { $not: { [op]: v } } }, { "s.a": { $not: { [op]: v } } }, { "answers.0.seq": { $not: { [op]: v } } });
    out.push({ a: { $not: { $gte: v, $lt: 8 } } }, { $or: [{ a: { $ne: v } }, { b: { $not: { $lt: v } } }] });
  }
  // $in lists (hashed once by the fast path), alone, mixed with ranges, and under $or/$and.
  const lists: unknown[][] = [[], [1], [0, "1", true], [null], [null, 7], [DAY, "a"], [LATER, 1.5, false], operands];
  for (const list of lists) {
    out.push({ a: { $in: list } }, { "s.a": { $in: list } }, { "answers.0.seq": { $in: list } }, { a: { $in: list, $lt: 7 } });
    out.push({ $or: [{ a: { $in: list } }, { "s.a": { $in: list } }] }, { $and: [{ a: { $in: list } }, { b: "x" }] });
  }
  out.push(
    { $or: [{ b: "x", a: { $in: [1, 7] } }, { b: "y", "s.a": 1 }] },
    { $or: [{ a: null }, { "answers.0.seq": { $gte: 2 } }], b: { $in: ["x", "y"] } },
    { $and: [{ $or: [{ a: 1 }, { a: "a" }] }, { $or: [{ b: "x" }, { b: "y" }] }] },
  );
  out.push(
    { _id: "a3", a: 7, b: "x", "answers.0.seq": { $lt: 9 } },
    { status: "in_progress", pausedAt: null, deadline: { $gte: DAY }, "answers.1.seq": { $lt: 3 } },
    { "s.constructor": 1 },
    { "answers.seq": 3 },
    { "s.a.c": 1 },
    { _id: "a3", "answers.1.seq": { $lt: 9 }, a: { $ne: 3 }, s: { $not: { $gte: 3 } } },
  );
  return out;
}

/** What a predicate says of a document: its answer, or the error it refuses with. */
function outcome(test: (doc: Doc) => boolean, doc: Doc): string {
  try {
    return String(test(doc));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe("mongo-standin: filters answered without the engine", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this compares the stand-in's two ways of testing a filter");
  });

  it("when plain field, $in, $or and $and filters are tested on every kind of stored value, then each answer is the engine's", () => {
    const docs = documents();
    let compared = 0;
    let matched = 0;
    for (const filter of filters()) {
      const fast = compileFilter(filter);
      const slow = compileWithEngine(filter);
      for (const doc of docs) {
        const expected = outcome(slow, doc);
        expect(outcome(fast, doc), `${JSON.stringify(filter)} on ${String(doc._id)}`).to.equal(expected);
        compared += 1;
        if (expected === "true") matched += 1;
      }
    }
    // The grid holds matches, misses and refusals, not only one kind.
    expect(compared).to.be.greaterThan(10_000);
    expect(matched).to.be.greaterThan(500);
  });

  it("when a save's filter is compiled, then no engine query is built unless a document needs one", () => {
    let built = 0;
    const save = fastPredicate(
      {
        _id: "att_1",
        chainN: 5,
        status: "in_progress",
        pausedAt: null,
        deadline: { $gte: DAY },
        "answers.3.seq": { $lt: 7 },
      },
      () => {
        built += 1;
        return () => true;
      },
    );
    expect(save).to.not.equal(null);
    const doc = {
      _id: "att_1",
      chainN: 5,
      status: "in_progress",
      pausedAt: null,
      deadline: LATER,
      answers: [{}, {}, {}, { seq: 6 }],
    };
    expect(save?.(doc)).to.equal(true);
    expect(save?.({ ...doc, chainN: 6 })).to.equal(false);
    expect(save?.({ ...doc, answers: [{}, {}, {}, { seq: 7 }] })).to.equal(false);
    expect(built).to.equal(0);
    // A value the fast path does not decide (a Long) is handed to the engine's predicate.
    expect(save?.({ ...doc, chainN: Long.fromNumber(5) })).to.equal(true);
    expect(built).to.equal(1);
  });

  it("when a save's filter restates that its seq was not received ($ne, $not of a range), then it is answered without the engine", () => {
    let built = 0;
    const filter = (seq: number): Document => ({
      _id: "att_1",
      chainN: 5,
      "answers.3.seq": { $lt: seq },
      seen: { $ne: seq },
      seenUpTo: { $not: { $gte: seq } },
    });
    const save = (seq: number) =>
      fastPredicate(filter(seq), () => {
        built += 1;
        return () => true;
      });
    const doc = { _id: "att_1", chainN: 5, answers: [{}, {}, {}, { seq: 2 }], seen: [5, 9], seenUpTo: 3 };
    expect(save(4)?.(doc)).to.equal(true);
    expect(save(5)?.(doc), "a seq already in seen").to.equal(false);
    expect(save(3)?.(doc), "a seq under the watermark").to.equal(false);
    expect(save(4)?.({ ...doc, seen: undefined, seenUpTo: undefined }), "a document from before seen").to.equal(true);
    expect(built).to.equal(0);
    // The shared shape answers each filter by its own seq, as the engine does.
    for (const seq of [1, 3, 4, 5, 6, 9, 10]) {
      expect(compileFilter(filter(seq))(doc), `seq ${seq}`).to.equal(compileWithEngine(filter(seq))(doc));
    }
    expect(shapeKey(filter(4))).to.equal(shapeKey(filter(7)));
  });

  it("when a batch read's $or of $in lists is compiled, then no engine query is built and each list is hashed once", () => {
    let built = 0;
    const ids = Array.from({ length: 500 }, (_, i) => `rec-${i}`);
    const people = Array.from({ length: 500 }, (_, i) => `3201021980010${String(i).padStart(5, "0")}`);
    const read = fastPredicate(
      { $or: [{ sourceProvince: "320000", recordId: { $in: ids } }, { idNumber: { $in: people } }] },
      () => {
        built += 1;
        return () => true;
      },
    );
    expect(read).to.not.equal(null);
    expect(read?.({ sourceProvince: "320000", recordId: "rec-499", idNumber: "x" })).to.equal(true);
    expect(read?.({ sourceProvince: "110000", recordId: "rec-1", idNumber: people[3] ?? "" })).to.equal(true);
    expect(read?.({ sourceProvince: "110000", recordId: "rec-1", idNumber: "x" })).to.equal(false);
    expect(read?.({ sourceProvince: "320000", recordId: "rec-500" })).to.equal(false);
    expect(built).to.equal(0);
    // An array where a scalar was expected is the engine's to decide.
    expect(read?.({ sourceProvince: "320000", recordId: ["rec-1"], idNumber: "x" })).to.equal(true);
    expect(built).to.equal(1);
  });

  it("when filters of one shape carry other values, then each is answered by its own values, not the first one's", () => {
    const doc = { _id: "att_2", chainN: 8, status: "in_progress", deadline: LATER, answers: [{ seq: 4 }] };
    const shape = (chainN: unknown, seq: unknown, deadline: unknown): Document => ({
      _id: "att_2",
      chainN,
      status: "in_progress",
      deadline: { $gte: deadline },
      "answers.0.seq": { $lt: seq },
    });
    // The first compile of the shape matches; the same shape with other values must not.
    expect(compileFilter(shape(8, 5, DAY))(doc)).to.equal(true);
    expect(compileFilter(shape(7, 5, DAY))(doc)).to.equal(false);
    expect(compileFilter(shape(8, 4, DAY))(doc)).to.equal(false);
    expect(compileFilter(shape(8, 5, new Date(LATER.getTime() + 1)))(doc)).to.equal(false);
    expect(compileFilter(shape(8, 5, DAY))(doc)).to.equal(true);
  });

  it("when filters differ only in an operand's kind, then each has its own guard (a number meeting a Decimal128 is refused, a string is not)", () => {
    const doc = { _id: "d", a: Decimal128.fromString("1") };
    expect(outcome(compileFilter({ a: "1" }), doc)).to.equal("false");
    expect(outcome(compileFilter({ a: 1 }), doc)).to.match(/^error: .*Decimal128/);
    expect(outcome(compileFilter({ a: { $lt: "2" } }), doc)).to.equal("false");
    expect(outcome(compileFilter({ a: { $lt: 2 } }), doc)).to.match(/^error: .*Decimal128/);
  });

  it("when a range path's numeric part meets an array, then elements are looked into by that exact field name ('01' is not '1')", () => {
    const lessThan9 = compileFilter({ "answers.01.seq": { $lt: 9 } });
    expect(lessThan9({ answers: [{ "01": { seq: 5 } }] })).to.equal(true);
    expect(lessThan9({ answers: [{ "1": { seq: 5 } }] })).to.equal(false);
    const byIndex = compileFilter({ "answers.1.seq": { $lt: 9 } });
    expect(byIndex({ answers: [{ "1": { seq: 5 } }] })).to.equal(true);
    expect(byIndex({ answers: [{ seq: 50 }, { seq: 5 }] })).to.equal(true);
    expect(byIndex({ answers: [{ "01": { seq: 5 } }] })).to.equal(false);
  });

  it("when a field name is empty, starts with $ or has an empty part, then its filter has no shared shape", () => {
    for (const field of ["", "$a", ".a", "a.", "a..b", "."])
      expect(shapeKey({ [field]: 1 }), JSON.stringify(field)).to.equal(null);
    for (const field of ["a", "a.b", "answers.31.seq", "a$"])
      expect(shapeKey({ [field]: 1 }), JSON.stringify(field)).to.be.a("string");
  });

  it("when a filter has operators beyond equality, $in and ranges, or a sub-document value, then it is left to the engine", () => {
    const engine = () => () => true;
    for (const filter of [
      { a: { $in: [OID] } },
      { a: { $in: [/a/] } },
      { a: { $in: [[1]] } },
      { a: { $in: 1 } },
      { a: { $nin: [1] } },
      { $or: [] },
      { $nor: [{ a: 1 }] },
      { a: { $ne: OID } },
      { a: { $ne: [1] } },
      { a: { $ne: NaN } },
      { a: { $not: { $in: [1] } } },
      { a: { $not: { $eq: 1 } } },
      { a: { $not: /a/ } },
      { a: { $not: {} } },
      { a: { $not: { $gte: OID } } },
      { a: { c: 1 } },
      { a: [1] },
      { a: OID },
      { a: { $gt: OID } },
      { a: NaN },
      { a: {} },
    ])
      expect(fastPredicate(filter, engine), JSON.stringify(filter)).to.equal(null);
  });
});
