import { expect } from "chai";
import type { Document } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * `$merge` and `$out` as MongoDB 7.0 runs them: the `on` fields need a unique index and a value
 * in every result, the modes combine only as the server allows, `_id` stays immutable, and a
 * failing stage keeps what it already wrote (the server does not roll `$merge` back). Each test
 * holds for a real MongoDB too (`MONGODB_URI`), except the ones that check a stand-in refusal.
 */
describe("mongo-standin: $merge and $out", () => {
  const t = useStandinDatabase("standin_merge");

  /** Fresh source and target collections with the given documents (the target only when given). */
  async function collections(name: string, source: Document[], target?: Document[]) {
    const src = t.db.collection<Numbered>(`${name}_src`);
    const dst = t.db.collection<Numbered>(`${name}_dst`);
    if (source.length > 0) await src.insertMany(source as Numbered[]);
    if (target) {
      await t.db.createCollection(dst.collectionName);
      if (target.length > 0) await dst.insertMany(target as Numbered[]);
    }
    return { src, dst };
  }

  const merge = (src: { aggregate(p: Document[]): { toArray(): Promise<unknown> } }, stage: Document) =>
    src.aggregate([{ $sort: { _id: 1 } }, { $merge: stage }]).toArray();

  const codeOf = async (promise: Promise<unknown>) => (await rejection(promise)).code;

  it("when the `on` fields have no unique index in the target, then $merge fails with 51183 and writes nothing", async () => {
    const { src, dst } = await collections("noidx", [{ _id: 1, k: 1, j: 1 }], []);
    await dst.createIndex({ k: 1 });
    await dst.createIndex({ k: 1, j: 1 }, { unique: true });
    await dst.createIndex({ j: 1 }, { unique: true, partialFilterExpression: { j: { $gt: 0 } } });
    const codes = [
      await codeOf(merge(src, { into: dst.collectionName, on: "k" })),
      await codeOf(merge(src, { into: dst.collectionName, on: "j" })),
      await codeOf(merge(src, { into: dst.collectionName, on: ["k", "j", "_id"] })),
      await codeOf(merge(src, { into: "noidx_absent", on: "k" })),
    ];
    expect(codes).to.deep.equal([51183, 51183, 51183, 51183]);
    expect(await dst.countDocuments()).to.equal(0);
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.to.include("noidx_absent");
  });

  it("when a unique index covers exactly the `on` fields in any order, then $merge matches on them", async () => {
    const { src, dst } = await collections(
      "uniq",
      [
        { _id: 1, a: 1, b: "x", v: "new" },
        { _id: 2, a: 2, b: "y", v: "added" },
      ],
      [{ _id: 10, a: 1, b: "x", v: "old", kept: true }],
    );
    await dst.createIndex({ b: 1, a: -1 }, { unique: true });
    await src
      .aggregate([{ $project: { _id: 0 } }, { $merge: { into: dst.collectionName, on: ["a", "b"] } }])
      .toArray();
    const docs = await dst
      .find({}, { projection: { _id: 0 } })
      .sort({ a: 1 })
      .toArray();
    expect(docs).to.deep.equal([
      { a: 1, b: "x", v: "new", kept: true },
      { a: 2, b: "y", v: "added" },
    ]);
    expect(await dst.countDocuments({ _id: 10 })).to.equal(1);
    // An explicit `on: "_id"` into a collection that does not exist needs no index.
    await merge(src, { into: "uniq_fresh", on: "_id" });
    expect(await t.db.collection("uniq_fresh").countDocuments()).to.equal(2);
  });

  it("when a result misses an `on` field or holds null, undefined or an array on its path, then $merge fails with 51132 and writes nothing", async () => {
    const cases: Array<[Document, string, number]> = [
      [{ _id: 2 }, "k", 51132],
      [{ _id: 2, k: null }, "k", 51132],
      [{ _id: 2, k: undefined }, "k", 51132],
      [{ _id: 2, s: null }, "s.k", 51132],
      [{ _id: 2, s: [{ k: 1 }] }, "s.k", 51132],
      [{ _id: 2, s: { k: [1, 2] } }, "s.k", 51185],
      [{ _id: 2, k: [1] }, "k", 51185],
    ];
    const codes: unknown[] = [];
    for (const [index, [bad, on, _code]] of cases.entries()) {
      const name = `nullish${index}`;
      const { src, dst } = await collections(
        name,
        [{ _id: 1, k: 1, s: { k: 1 } }, bad, { _id: 3, k: 3, s: { k: 3 } }],
        [],
      );
      await dst.createIndex({ [on]: 1 }, { unique: true });
      codes.push(await codeOf(merge(src, { into: dst.collectionName, on })));
      expect(await dst.countDocuments(), `${name}: nothing written`).to.equal(0);
    }
    expect(codes).to.deep.equal(cases.map(([, , code]) => code));
  });

  it("when a bad `on` value comes after a full 16 MB batch was written, then $merge fails with 51132 and keeps that batch", async () => {
    const big = "x".repeat(6 * 1024 * 1024);
    const { src, dst } = await collections(
      "batches",
      [
        { _id: 1, k: 1, big },
        { _id: 2, k: 2, big },
        { _id: 3, k: 3, big },
        { _id: 4, big },
      ],
      [],
    );
    await dst.createIndex({ k: 1 }, { unique: true });
    expect(await codeOf(merge(src, { into: dst.collectionName, on: "k" }))).to.equal(51132);
    const kept = await dst
      .find({}, { projection: { big: 0 } })
      .sort({ k: 1 })
      .toArray();
    expect(kept).to.deep.equal([
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
    ]);
  });

  it('when whenNotMatched is "fail" and a result has no match, then $merge fails with 13113 after updating the matched ones', async () => {
    const { src, dst } = await collections(
      "nomatch",
      [
        { _id: 1, v: "new" },
        { _id: 2, v: "unmatched" },
        { _id: 3, v: "new" },
      ],
      [
        { _id: 1, v: "old" },
        { _id: 3, v: "old" },
      ],
    );
    const error = await rejection(
      merge(src, { into: dst.collectionName, whenMatched: "merge", whenNotMatched: "fail" }),
    );
    expect([error.code, error.codeName]).to.deep.equal([13113, "MergeStageNoMatchingDocument"]);
    expect(await dst.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1, v: "new" },
      { _id: 3, v: "new" },
    ]);
  });

  it('when whenMatched is "fail" and a result matches, then $merge fails with 11000 and keeps the other inserts (no rollback)', async () => {
    const { src, dst } = await collections(
      "dupfail",
      [{ _id: 1 }, { _id: 2, v: "dup" }, { _id: 3 }],
      [{ _id: 2, v: "old" }],
    );
    const error = await rejection(merge(src, { into: dst.collectionName, whenMatched: "fail" }));
    expect(error.code).to.equal(11000);
    expect(await dst.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1 },
      { _id: 2, v: "old" },
      { _id: 3 },
    ]);
  });

  it("when whenMatched and whenNotMatched form a combination the server does not support, then $merge fails with 51181", async () => {
    const { src } = await collections("combo", [{ _id: 1 }], []);
    const combos: Array<[string, string]> = [
      ["keepExisting", "fail"],
      ["keepExisting", "discard"],
      ["fail", "fail"],
      ["fail", "discard"],
    ];
    const codes: unknown[] = [];
    for (const [whenMatched, whenNotMatched] of combos)
      codes.push(await codeOf(merge(src, { into: "combo_dst", whenMatched, whenNotMatched })));
    expect(codes).to.deep.equal([51181, 51181, 51181, 51181]);
    expect(await t.db.collection("combo_dst").countDocuments()).to.equal(0);
  });

  it("when the $merge spec is malformed, then the server's parse errors come back and nothing is written", async () => {
    const { src } = await collections("badspec", [{ _id: 1 }], []);
    const into = "badspec_dst";
    const codes = [
      await codeOf(merge(src, { into, whenMatched: "upsert" })),
      await codeOf(merge(src, { into, whenNotMatched: "replace" })),
      await codeOf(merge(src, { into, let: { x: 1 } })),
      await codeOf(merge(src, { into, whenMatched: "replace", let: { x: 1 } })),
      await codeOf(merge(src, { into, on: 3 })),
      await codeOf(merge(src, { into, on: [] })),
      await codeOf(merge(src, { into, on: ["_id", 1] })),
      await codeOf(merge(src, { into, bogus: true })),
      await codeOf(merge(src, {})),
    ];
    expect(codes).to.deep.equal([2, 2, 51199, 51199, 51186, 51187, 51134, 40415, 40414]);
    expect(await t.db.collection(into).countDocuments()).to.equal(0);
  });

  it('when whenMatched "merge" or "replace" would change a matched document\'s _id, then $merge fails with 66 and the other results still land', async () => {
    for (const whenMatched of ["merge", "replace"]) {
      const name = `immut_${whenMatched}`;
      const { src, dst } = await collections(
        name,
        [
          { _id: 1, k: "a", v: "new" },
          { _id: 2, k: "b", v: "new" },
          { _id: 3, k: "c", v: "new" },
        ],
        [
          { _id: 1, k: "a", v: "old" },
          { _id: 20, k: "b", v: "old" },
        ],
      );
      await dst.createIndex({ k: 1 }, { unique: true });
      const error = await rejection(merge(src, { into: dst.collectionName, on: "k", whenMatched }));
      expect([whenMatched, error.code]).to.deep.equal([whenMatched, 66]);
      expect(await dst.find().sort({ k: 1 }).toArray()).to.deep.equal([
        { _id: 1, k: "a", v: "new" },
        { _id: 20, k: "b", v: "old" },
        { _id: 3, k: "c", v: "new" },
      ]);
    }
  });

  it("when results without an _id are merged on another field, then the matched documents keep their _id", async () => {
    const { src, dst } = await collections(
      "noid",
      [{ _id: 1, k: "a", v: "new" }],
      [{ _id: 7, k: "a", v: "old" }],
    );
    await dst.createIndex({ k: 1 }, { unique: true });
    await src
      .aggregate([
        { $project: { _id: 0 } },
        { $merge: { into: dst.collectionName, on: "k", whenMatched: "replace" } },
      ])
      .toArray();
    expect(await dst.find().toArray()).to.deep.equal([{ _id: 7, k: "a", v: "new" }]);
  });

  it("when $merge is a plain collection name or names another database, then it merges there with the default modes", async () => {
    const { src } = await collections("forms", [{ _id: 1, v: 1 }], []);
    await src.aggregate([{ $merge: "forms_short" }]).toArray();
    const other = t.client.db(`${t.dbName}_other`);
    try {
      await other.collection("forms_remote").insertOne({ _id: 1, kept: true } as Document);
      await src.aggregate([{ $merge: { into: { db: other.databaseName, coll: "forms_remote" } } }]).toArray();
      expect(await t.db.collection("forms_short").find().toArray()).to.deep.equal([{ _id: 1, v: 1 }]);
      expect(await other.collection("forms_remote").find().toArray()).to.deep.equal([
        { _id: 1, kept: true, v: 1 },
      ]);
    } finally {
      await other.dropDatabase();
    }
  });

  it("when $merge or $out writes into the pipeline's own source collection, then it reads the source as it was", async () => {
    const { src } = await collections("self", [
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    await src.aggregate([{ $set: { n: { $add: ["$n", 10] } } }, { $merge: src.collectionName }]).toArray();
    expect(await src.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1, n: 11 },
      { _id: 2, n: 12 },
    ]);
    await src.aggregate([{ $match: { n: 11 } }, { $out: src.collectionName }]).toArray();
    expect(await src.find().toArray()).to.deep.equal([{ _id: 1, n: 11 }]);
  });

  it("when $out fails part-way, then the target keeps its previous documents (the server swaps the target in whole)", async () => {
    const { src, dst } = await collections(
      "outfail",
      [
        { _id: 1, k: "a" },
        { _id: 2, k: "a" },
      ],
      [{ _id: 9, k: "old" }],
    );
    await dst.createIndex({ k: 1 }, { unique: true });
    const byIndex = await codeOf(src.aggregate([{ $out: dst.collectionName }]).toArray());
    const byId = await codeOf(
      src.aggregate([{ $set: { _id: 1, k: "$_id" } }, { $out: dst.collectionName }]).toArray(),
    );
    expect([byIndex, byId]).to.deep.equal([11000, 11000]);
    expect(await dst.find().toArray()).to.deep.equal([{ _id: 9, k: "old" }]);
  });

  it("when $out has no results, then the target still exists, empty", async () => {
    const { src } = await collections("outempty", [{ _id: 1 }]);
    await src.aggregate([{ $match: { _id: 2 } }, { $out: "outempty_dst" }]).toArray();
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).to.include("outempty_dst");
  });

  it("when $merge or $out is not the last stage, then the pipeline fails with 40601", async () => {
    const { src } = await collections("notlast", [{ _id: 1 }]);
    const codes = [
      await codeOf(src.aggregate([{ $merge: { into: "notlast_dst" } }, { $match: {} }]).toArray()),
      await codeOf(src.aggregate([{ $out: "notlast_dst" }, { $match: {} }]).toArray()),
    ];
    expect(codes).to.deep.equal([40601, 40601]);
    expect(await t.db.collection("notlast_dst").countDocuments()).to.equal(0);
  });

  it("when $merge or $out sits in a $facet, $lookup or $unionWith sub-pipeline, then the pipeline fails with the server's code", async () => {
    const { src } = await collections("nested", [{ _id: 1 }]);
    const into = "nested_dst";
    const codes = [
      await codeOf(src.aggregate([{ $facet: { a: [{ $merge: { into } }] } }]).toArray()),
      await codeOf(src.aggregate([{ $facet: { a: [{ $out: into }] } }]).toArray()),
      await codeOf(
        src.aggregate([{ $lookup: { from: "nested_src", pipeline: [{ $out: into }], as: "x" } }]).toArray(),
      ),
      await codeOf(
        src.aggregate([{ $unionWith: { coll: "nested_src", pipeline: [{ $merge: { into } }] } }]).toArray(),
      ),
    ];
    expect(codes).to.deep.equal([40600, 40600, 51047, 31441]);
    expect(await t.db.collection(into).countDocuments()).to.equal(0);
  });

  it("when $merge or $out runs inside a multi-document transaction, then it fails with 263 and writes nothing", async () => {
    const { src } = await collections("txn", [{ _id: 1 }], []);
    const codes: unknown[] = [];
    for (const stage of [{ $merge: { into: "txn_dst" } }, { $out: "txn_dst" }]) {
      const session = t.client.startSession();
      try {
        session.startTransaction();
        codes.push(await codeOf(src.aggregate([stage], { session }).toArray()));
      } finally {
        await session.abortTransaction().catch(() => undefined);
        await session.endSession();
      }
    }
    expect(codes).to.deep.equal([263, 263]);
    expect(await t.db.collection("txn_dst").countDocuments()).to.equal(0);
  });

  it("when $merge uses a whenMatched pipeline, then the stand-in refuses it loudly", async function () {
    skipOnRealMongo(this, "checks a stand-in refusal");
    const { src } = await collections("pipe", [{ _id: 1 }]);
    const error = await rejection(
      merge(src, { into: "pipe_dst", let: { n: "$$new" }, whenMatched: [{ $set: { x: "$$n" } }] }),
    );
    expect([error.code, /does not support/.test(error.message)]).to.deep.equal([2, true]);
  });
});
