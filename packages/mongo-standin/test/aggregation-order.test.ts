import { expect } from "chai";
import { Binary, ObjectId, type Document } from "mongodb";
import { compareBson } from "../src/bson-order.js";
import { aggregate, shape } from "../src/query.js";
import type { Doc } from "../src/storage/values.js";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/** A test document: its _id and any fields. */
type Row = { _id: number } & Record<string, unknown>;

const OID_LOW = new ObjectId("65a000000000000000000001");
const OID_HIGH = new ObjectId("65a000000000000000000002");
const DAY = new Date("2026-01-02T00:00:00Z");

/**
 * Values of every BSON type bracket the app stores, in and across brackets: numbers (with NaN and
 * -0), strings whose UTF-8 order differs from their UTF-16 order, documents whose field order
 * matters, arrays (multikey sort keys), ObjectIds, booleans, dates, null; the grid's documents
 * also leave the field missing.
 */
const VALUES: unknown[] = [
  5,
  -3,
  1.5,
  0,
  -0,
  NaN,
  "a",
  "\uE000",
  "\uFFFF",
  "😀",
  "",
  { x: 1, y: 2 },
  { y: 2, x: 1 },
  { x: 1 },
  [1, 5],
  [3],
  [],
  ["😀", "\uFFFF"],
  [[2]],
  OID_LOW,
  OID_HIGH,
  true,
  false,
  DAY,
  new Date(0),
  null,
  new Binary(Buffer.from([1, 2])),
];

/** The grid's documents: one per value at `a`, and one without `a`. */
function gridDocuments(): Doc[] {
  const docs: Doc[] = VALUES.map((a, i) => ({ _id: i, a, g: i % 3 }));
  docs.push({ _id: VALUES.length, g: 0 });
  return docs;
}

/** The ids of documents, in order. */
const idsOf = (docs: Doc[]): unknown[] => docs.map((d) => d._id);

/** The smallest (or largest) of the values by MongoDB's order, nulls and missing ignored, as $min/$max take them. */
function extreme(values: unknown[], direction: 1 | -1): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  return present.reduce((best, v) => (compareBson(v, best) * direction < 0 ? v : best));
}

/** An outcome as a comparable string: the value (BSON-ordered equal counts as same) or the refusal. */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe("mongo-standin: aggregation orders values as find does (differential grid)", () => {
  beforeEach(function () {
    skipOnRealMongo(this, "this compares the stand-in's aggregation with its own find");
  });

  it("when the grid is sorted by a pipeline's $sort on one and two keys, then the order is find's", () => {
    const docs = gridDocuments();
    for (const sort of [{ a: 1 }, { a: -1 }, { g: 1, a: -1 }, { g: -1, a: 1 }, { "a.x": 1 }, { "a.0": -1 }]) {
      const byFind = idsOf(shape(docs, { sort }));
      const byPipeline = idsOf(aggregate(docs, [{ $sort: sort }], () => []));
      expect(byPipeline, JSON.stringify(sort)).to.deep.equal(byFind);
    }
  });

  it("when the grid is grouped with $min, $max, $minN and $maxN, then each is the BSON order's extreme, nulls ignored", () => {
    const docs = gridDocuments();
    const groups = aggregate(
      docs,
      [
        {
          $group: {
            _id: "$g",
            lo: { $min: "$a" },
            hi: { $max: "$a" },
            lo2: { $minN: { input: "$a", n: 2 } },
            hi2: { $maxN: { input: "$a", n: 2 } },
          },
        },
      ],
      () => [],
    );
    expect(groups).to.have.length(3);
    for (const group of groups) {
      const values = docs.filter((d) => d.g === group._id).map((d) => d.a as unknown);
      const sorted = values.filter((v) => v !== null && v !== undefined).sort(compareBson);
      expect(
        outcome(() => compareBson(group.lo, extreme(values, 1))),
        `min of ${String(group._id)}`,
      ).to.equal(0);
      expect(
        outcome(() => compareBson(group.hi, extreme(values, -1))),
        `max of ${String(group._id)}`,
      ).to.equal(0);
      expect((group.lo2 as unknown[]).map((v, i) => compareBson(v, sorted[i]))).to.deep.equal([0, 0]);
      const top = sorted.slice(-2).reverse();
      expect((group.hi2 as unknown[]).map((v, i) => compareBson(v, top[i]))).to.deep.equal([0, 0]);
    }
  });

  it("when the grid is grouped by $top and $bottom with a sortBy, then they take find's first and last", () => {
    const docs = gridDocuments();
    for (const sortBy of [{ a: 1 }, { a: -1 }]) {
      const byFind = idsOf(shape(docs, { sort: sortBy }));
      const [group] = aggregate(
        docs,
        [
          {
            $group: {
              _id: null,
              top: { $top: { sortBy, output: "$_id" } },
              bottom: { $bottom: { sortBy, output: "$_id" } },
              top3: { $topN: { sortBy, output: "$_id", n: 3 } },
              bottom3: { $bottomN: { sortBy, output: "$_id", n: 3 } },
            },
          },
        ],
        () => [],
      );
      expect(group, JSON.stringify(sortBy)).to.deep.include({
        top: byFind[0],
        bottom: byFind[byFind.length - 1],
        top3: byFind.slice(0, 3),
        bottom3: byFind.slice(-3),
      });
    }
  });
});

describe("mongo-standin: aggregation order and equality as MongoDB has them", () => {
  const t = useStandinDatabase("standin_agg_order");

  it("when a pipeline sorts descending by an array field, then the array's largest element decides", async () => {
    const coll = t.db.collection<Row>("arrays");
    await coll.insertMany([
      { _id: 1, a: [1, 5] },
      { _id: 2, a: [3] },
    ]);
    const sorted = await coll.aggregate<Row>([{ $sort: { a: -1 } }]).toArray();
    expect(sorted.map((d) => d._id)).to.deep.equal([1, 2]);
    const ascending = await coll.aggregate<Row>([{ $match: {} }, { $sort: { a: 1 } }]).toArray();
    expect(ascending.map((d) => d._id)).to.deep.equal([1, 2]);
  });

  it("when strings beyond U+FFFF are sorted, grouped by $min/$max or $top, then UTF-8 byte order decides", async () => {
    const coll = t.db.collection<Row>("strings");
    await coll.insertMany([
      { _id: 1, s: "\uE000" },
      { _id: 2, s: "\uFFFF" },
      { _id: 3, s: "😀" },
    ]);
    const sorted = await coll.aggregate<Row>([{ $sort: { s: 1 } }]).toArray();
    expect(sorted.map((d) => d._id)).to.deep.equal([1, 2, 3]);
    const [extremes] = await coll
      .aggregate([
        {
          $group: {
            _id: null,
            lo: { $min: "$s" },
            hi: { $max: "$s" },
            top: { $top: { sortBy: { s: -1 }, output: "$_id" } },
            hi2: { $maxN: { input: "$s", n: 2 } },
          },
        },
      ])
      .toArray();
    expect(extremes).to.deep.equal({ _id: null, lo: "\uE000", hi: "😀", top: 3, hi2: ["😀", "\uFFFF"] });
    const [projected] = await coll
      .aggregate([
        { $group: { _id: null, all: { $push: "$s" } } },
        { $project: { _id: 0, hi: { $max: "$all" } } },
      ])
      .toArray();
    expect(projected).to.deep.equal({ hi: "😀" });
    const [arranged] = await coll
      .aggregate([
        { $group: { _id: null, all: { $push: "$s" } } },
        {
          $project: {
            _id: 0,
            up: { $sortArray: { input: "$all", sortBy: 1 } },
            top: { $maxN: { input: "$all", n: 1 } },
          },
        },
      ])
      .toArray();
    expect(arranged).to.deep.equal({ up: ["\uE000", "\uFFFF", "😀"], top: ["😀"] });
  });

  it("when documents are grouped by sub-documents with fields in another order, then they are separate groups", async () => {
    const coll = t.db.collection<Row>("groups");
    await coll.insertMany([
      { _id: 1, k: { x: 1, y: 2 } },
      { _id: 2, k: { y: 2, x: 1 } },
      { _id: 3, k: { x: 1, y: 2 } },
      { _id: 4, k: null },
      { _id: 5 },
    ]);
    const groups = await coll
      .aggregate([{ $group: { _id: "$k", n: { $sum: 1 }, set: { $addToSet: "$k" } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(groups).to.deep.equal([
      { _id: null, n: 2, set: [null] },
      { _id: { x: 1, y: 2 }, n: 2, set: [{ x: 1, y: 2 }] },
      { _id: { y: 2, x: 1 }, n: 1, set: [{ y: 2, x: 1 }] },
    ]);
    const counted = await coll
      .aggregate([{ $sortByCount: "$k" }, { $sort: { count: -1, _id: 1 } }])
      .toArray();
    expect(counted).to.deep.equal([
      { _id: null, count: 2 },
      { _id: { x: 1, y: 2 }, count: 2 },
      { _id: { y: 2, x: 1 }, count: 1 },
    ]);
  });

  it("when $bucket places strings beyond U+FFFF, then the boundaries compare by UTF-8 bytes", async () => {
    const coll = t.db.collection<Row>("buckets");
    await coll.insertMany([
      { _id: 1, s: "\uE000" },
      { _id: 2, s: "\uFFFF" },
      { _id: 3, s: "😀" },
      { _id: 4, s: 7 },
    ]);
    const buckets = await coll
      .aggregate([{ $bucket: { groupBy: "$s", boundaries: ["\uE000", "\uFFFF", "😀"], default: "other" } }])
      .toArray();
    expect(buckets).to.deep.equal([
      { _id: "other", count: 2 },
      { _id: "\uE000", count: 1 },
      { _id: "\uFFFF", count: 1 },
    ]);
  });

  it("when $in compares a sub-document with fields in another order, then it is not found", async () => {
    const coll = t.db.collection<Row>("in");
    await coll.insertOne({ _id: 1, k: { x: 1, y: 2 } });
    const [row] = await coll
      .aggregate([
        {
          $project: {
            _id: 0,
            reordered: { $in: ["$k", [{ y: 2, x: 1 }]] },
            same: { $in: ["$k", [{ x: 1, y: 2 }]] },
            at: {
              $indexOfArray: [
                [
                  { y: 2, x: 1 },
                  { x: 1, y: 2 },
                ],
                "$k",
              ],
            },
          },
        },
      ])
      .toArray();
    expect(row).to.deep.equal({ reordered: false, same: true, at: 1 });
  });

  it("when window, join and bucket stages meet plain numbers and strings, then they answer as before", async () => {
    const coll = t.db.collection<Row>("plain");
    await coll.insertMany([
      { _id: 1, n: 30, p: "a" },
      { _id: 2, n: 10, p: "a" },
      { _id: 3, n: 20, p: "b" },
      { _id: 4, p: "b" },
    ]);
    const ranked = await coll
      .aggregate<Row>([
        { $setWindowFields: { partitionBy: "$p", sortBy: { n: 1 }, output: { r: { $documentNumber: {} } } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(ranked.map((d) => d.r)).to.deep.equal([2, 1, 2, 1]);
    const joined = await coll
      .aggregate([
        { $match: { _id: 1 } },
        { $lookup: { from: "plain", localField: "p", foreignField: "p", as: "same" } },
        { $project: { ids: "$same._id" } },
      ])
      .toArray();
    expect(joined).to.deep.equal([{ _id: 1, ids: [1, 2] }]);
    const error = await rejection(
      coll.aggregate([{ $bucket: { groupBy: "$n", boundaries: [0, 25] } }]).toArray(),
    );
    expect(error.message).to.match(/could not find a matching branch/);
  });

  it("when a stage whose order or equality the stand-in does not model is used, then it refuses", async function () {
    skipOnRealMongo(this, "these are the stand-in's own refusals");
    const coll = t.db.collection<Row>("refused");
    await coll.insertMany([
      { _id: 1, s: "😀", k: { x: 1 } },
      { _id: 2, s: "\uFFFF", k: { x: 2 } },
    ]);
    const refused: Document[][] = [
      [{ $bucketAuto: { groupBy: "$s", buckets: 2 } }],
      [{ $setWindowFields: { sortBy: { s: 1 }, output: { r: { $documentNumber: {} } } } }],
      [{ $setWindowFields: { partitionBy: "$k", output: { n: { $count: {} } } } }],
      [{ $lookup: { from: "refused", localField: "k", foreignField: "k", as: "j" } }],
      [
        {
          $graphLookup: {
            from: "refused",
            startWith: "$k",
            connectFromField: "k",
            connectToField: "k",
            as: "g",
          },
        },
      ],
      [{ $project: { u: { $setUnion: [["$k"], [{ x: 1 }]] } } }],
      [
        {
          $group: {
            _id: "$s",
            f: { $firstN: { input: "$_id", n: { $cond: [{ $eq: ["$_id", "😀"] }, 1, 2] } } },
          },
        },
      ],
    ];
    for (const pipeline of refused) {
      const error = await rejection(coll.aggregate(pipeline).toArray());
      expect(error.message, JSON.stringify(pipeline)).to.match(/mongo-standin does not support/);
    }
  });
});
