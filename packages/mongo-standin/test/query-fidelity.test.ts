import { expect } from "chai";
import { Decimal128, Long } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/** Query operators and cursor arguments where the server's rules are easy to get subtly wrong. */
describe("mongo-standin: query operators, server rules", () => {
  const t = useStandinDatabase("standin_query_fidelity");

  async function ids(name: string, filter: Record<string, unknown>): Promise<number[]> {
    const found = await t.db.collection<Numbered>(name).find(filter).sort({ _id: 1 }).toArray();
    return found.map((doc) => doc._id);
  }

  it("when $type asks for an array on a dotted path, then only an array at that path matches", async () => {
    await t.db.collection<Numbered>("typeArray").insertMany([
      { _id: 1, a: [{ b: "x" }] },
      { _id: 2, a: { b: [1] } },
      { _id: 3, a: [{ b: ["y"] }] },
    ]);
    expect(await ids("typeArray", { "a.b": { $type: "array" } })).to.deep.equal([2, 3]);
    expect(await ids("typeArray", { "a.b": { $type: "string" } })).to.deep.equal([1, 3]);
  });

  it("when $type asks for any number or for decimal, then every numeric kind answers", async () => {
    await t.db.collection<Numbered>("typeNumber").insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 1.5 },
      { _id: 3, n: Long.fromString("9007199254740993") },
      { _id: 4, n: "1" },
      { _id: 5, n: Decimal128.fromString("2.5") },
    ]);
    expect(await ids("typeNumber", { n: { $type: "number" } })).to.deep.equal([1, 2, 3, 5]);
    expect(await ids("typeNumber", { n: { $type: "decimal" } })).to.deep.equal([5]);
    expect(await ids("typeNumber", { n: { $type: ["string", "decimal"] } })).to.deep.equal([4, 5]);
  });

  it("when $type asks for int, long or double where a number is stored, then the stand-in refuses it", async function () {
    skipOnRealMongo(this, "the stand-in reads numbers without their wire type; the refusal is its own");
    const coll = t.db.collection<Numbered>("typeInt");
    await coll.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, s: "x" },
    ]);
    for (const wanted of ["int", "long", "double", 16, 18, 1]) {
      const error = await rejection(coll.find({ n: { $type: wanted } }).toArray());
      expect(error.message, String(wanted)).to.match(/mongo-standin does not support \$type/);
    }
    expect(await ids("typeInt", { s: { $type: "int" } })).to.deep.equal([]);
  });

  it("when a pattern ends with $ or uses ., then they match as PCRE's do around newlines", async () => {
    await t.db.collection<Numbered>("regexEnd").insertMany([
      { _id: 1, s: "abc\n" },
      { _id: 2, s: "abc" },
      { _id: 3, s: "abcd" },
      { _id: 4, s: "a\rc" },
      { _id: 5, s: "x\nabc\ny" },
    ]);
    expect(await ids("regexEnd", { s: /abc$/ })).to.deep.equal([1, 2]);
    expect(await ids("regexEnd", { s: { $regex: "abc$" } })).to.deep.equal([1, 2]);
    expect(await ids("regexEnd", { s: { $in: [/abc$/] } })).to.deep.equal([1, 2]);
    expect(await ids("regexEnd", { s: /^a.c$/ })).to.deep.equal([1, 2, 4]);
    expect(await ids("regexEnd", { s: /^abc$/m })).to.deep.equal([1, 2, 5]);
  });

  it("when a pattern uses syntax only PCRE knows, then the stand-in refuses it", async function () {
    skipOnRealMongo(this, "a real server runs PCRE; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("regexPcre");
    await coll.insertOne({ _id: 1, s: "abc" });
    for (const pattern of [
      "\\Aabc",
      "abc\\Z",
      "abc\\z",
      "a\\hb",
      "[[:digit:]]",
      "(?i)abc",
      "(?>a)bc",
      "\\Qa.c\\E",
    ]) {
      const error = await rejection(coll.find({ s: { $regex: pattern } }).toArray());
      expect(error.message, pattern).to.match(/mongo-standin does not support/);
    }
  });

  it("when a range meets NaN, then only $gte and $lte with NaN match it", async () => {
    await t.db.collection<Numbered>("nan").insertMany([
      { _id: 1, x: Number.NaN },
      { _id: 2, x: 1 },
      { _id: 3, x: 10 },
    ]);
    expect(await ids("nan", { x: { $lt: 5 } })).to.deep.equal([2]);
    expect(await ids("nan", { x: { $gte: Number.NaN } })).to.deep.equal([1]);
    expect(await ids("nan", { x: { $lte: Number.NaN } })).to.deep.equal([1]);
    expect(await ids("nan", { x: { $gt: Number.NaN } })).to.deep.equal([]);
    expect(await ids("nan", { x: { $lt: Number.NaN } })).to.deep.equal([]);
    expect(await ids("nan", { x: Number.NaN })).to.deep.equal([1]);
  });

  it("when $mod meets a fractional number, then its integer part is divided", async () => {
    await t.db.collection<Numbered>("mod").insertMany([
      { _id: 1, a: 5.7 },
      { _id: 2, a: 5 },
      { _id: 3, a: -5.7 },
      { _id: 4, a: [4, 9.2] },
      { _id: 5, a: "5" },
    ]);
    expect(await ids("mod", { a: { $mod: [4, 1] } })).to.deep.equal([1, 2, 4]);
    expect(await ids("mod", { a: { $mod: [4, -1] } })).to.deep.equal([3]);
  });

  it("when $count counts no documents, then the pipeline returns no document", async () => {
    const coll = t.db.collection<Numbered>("countNone");
    expect(await coll.aggregate([{ $count: "n" }]).toArray()).to.deep.equal([]);
    await coll.insertOne({ _id: 1, k: 1 });
    expect(await coll.aggregate([{ $match: { k: 2 } }, { $count: "n" }]).toArray()).to.deep.equal([]);
    expect(await coll.aggregate([{ $count: "n" }]).toArray()).to.deep.equal([{ n: 1 }]);
  });

  it("when find gets a negative skip, limit or batchSize, then it fails with 51024", async () => {
    await t.db.collection<Numbered>("cursorArgs").insertOne({ _id: 1 });
    for (const field of ["skip", "limit", "batchSize"]) {
      const error = await rejection(t.db.command({ find: "cursorArgs", filter: {}, [field]: -1 }));
      expect(error.code, field).to.equal(51024);
      expect(error.message).to.match(/value must be >= 0, actual value '-1'/);
    }
  });

  it("when a pipeline limits to no document or skips a negative number, then it fails", async () => {
    const coll = t.db.collection<Numbered>("stageArgs");
    await coll.insertOne({ _id: 1 });
    expect((await rejection(coll.aggregate([{ $limit: 0 }]).toArray())).code).to.equal(15958);
    await rejection(coll.aggregate([{ $limit: -1 }]).toArray());
    await rejection(coll.aggregate([{ $skip: -1 }]).toArray());
  });
});
