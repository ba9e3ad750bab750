import { expect } from "chai";
import { BSONRegExp, Decimal128, Long } from "mongodb";
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

  it("when a pattern uses \\s, \\S or ., then they are ASCII spaces and whole code points as in PCRE2's UTF mode", async () => {
    await t.db.collection<Numbered>("regexUtf").insertMany([
      { _id: 1, s: "a b" },
      { _id: 2, s: "a\u3000b" },
      { _id: 3, s: "a\u00a0b" },
      { _id: 4, s: "\u{20BB7}a" },
      { _id: 5, s: "a\tb" },
    ]);
    expect(await ids("regexUtf", { s: /^a\sb$/ })).to.deep.equal([1, 5]);
    expect(await ids("regexUtf", { s: { $regex: "^a[\\s]b$" } })).to.deep.equal([1, 5]);
    expect(await ids("regexUtf", { s: /^a\Sb$/ })).to.deep.equal([2, 3]);
    expect(await ids("regexUtf", { s: /^a[^\s]b$/ })).to.deep.equal([2, 3]);
    expect(await ids("regexUtf", { s: /^.{2}$/ })).to.deep.equal([4]);
  });

  it("when a pattern is read without case, then Unicode's simple case folding applies", async () => {
    await t.db.collection<Numbered>("regexFold").insertMany([
      { _id: 1, s: "\u212A" },
      { _id: 2, s: "k" },
      { _id: 3, s: "x" },
    ]);
    expect(await ids("regexFold", { s: /^K$/i })).to.deep.equal([1, 2]);
  });

  it("when a pattern escapes a character with no meaning of its own, then it matches the character", async () => {
    await t.db.collection<Numbered>("regexEscapes").insertMany([
      { _id: 1, s: "a-b #c" },
      { _id: 2, s: "a{b}" },
    ]);
    expect(await ids("regexEscapes", { s: { $regex: "^a\\-b\\ \\#c$" } })).to.deep.equal([1]);
    expect(await ids("regexEscapes", { s: { $regex: "^a[\\-]b" } })).to.deep.equal([1]);
    expect(await ids("regexEscapes", { s: { $regex: "^a{b}$" } })).to.deep.equal([2]);
  });

  it("when a BSON regular expression carries the s option, then . also matches a newline", async () => {
    await t.db.collection<Numbered>("regexDotAll").insertMany([
      { _id: 1, s: "a\nc" },
      { _id: 2, s: "abc" },
    ]);
    // bson decodes the option s as JavaScript's flag g: it must not be dropped as a JavaScript flag.
    expect(await ids("regexDotAll", { s: new BSONRegExp("^a.c$", "s") })).to.deep.equal([1, 2]);
    expect(await ids("regexDotAll", { s: { $regex: new BSONRegExp("^a.c$", "s") } })).to.deep.equal([1, 2]);
    expect(await ids("regexDotAll", { s: new BSONRegExp("^a.c$", "") })).to.deep.equal([2]);
  });

  it("when a stored regular expression carries the s option, then an equality filter with the same pattern and option finds it, and one without the option does not", async () => {
    await t.db
      .collection<Numbered>("storedDotAll")
      .insertMany([
        { _id: 1, re: new BSONRegExp("^x.y$", "s") } as never,
        { _id: 2, re: new BSONRegExp("^x.y$", "") } as never,
      ]);
    expect(await ids("storedDotAll", { re: new BSONRegExp("^x.y$", "s") })).to.deep.equal([1]);
    expect(await ids("storedDotAll", { re: new BSONRegExp("^x.y$", "") })).to.deep.equal([2]);
  });

  it("when a BSON regular expression carries the x option, then the stand-in refuses it rather than drop it", async function () {
    skipOnRealMongo(this, "a real server reads the x option; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("regexExtended");
    await coll.insertOne({ _id: 1, s: "a b" });
    for (const operation of [
      () => coll.find({ s: new BSONRegExp("^a b$", "x") }).toArray(),
      () => coll.insertOne({ _id: 2, re: new BSONRegExp("a", "x") } as never),
    ]) {
      const error = await rejection(operation());
      expect(error.code).to.equal(2);
      expect(error.message).to.match(/mongo-standin does not support the regular expression option 'x'/);
    }
    // The connection still serves.
    expect(await ids("regexExtended", {})).to.deep.equal([1]);
  });

  it("when a pattern does not compile, then the query fails with 51091", async () => {
    const coll = t.db.collection<Numbered>("regexInvalid");
    await coll.insertOne({ _id: 1, s: "abc" });
    for (const pattern of ["a(b", "a\\y", "\\u0061", "[\\s-z]"]) {
      const error = await rejection(coll.find({ s: { $regex: pattern } }).toArray());
      expect(error.code, pattern).to.equal(51091);
    }
  });

  it("when $all lists an operator, then it fails with BadValue unless every element is an $elemMatch", async () => {
    const coll = t.db.collection<Numbered>("allOperators");
    await coll.insertMany([
      { _id: 1, a: [{ x: 1 }, { x: 5 }] },
      { _id: 2, a: [{ x: 1 }] },
    ]);
    for (const values of [
      [{ $gt: 1 }],
      [1, { $elemMatch: { x: 1 } }],
      [{ $elemMatch: { x: 1 } }, { x: 5 }],
    ]) {
      const error = await rejection(coll.find({ a: { $all: values } }).toArray());
      expect(error.code, JSON.stringify(values)).to.equal(2);
    }
    expect(
      await ids("allOperators", {
        a: { $all: [{ $elemMatch: { x: 1 } }, { $elemMatch: { x: { $gt: 2 } } }] },
      }),
    ).to.deep.equal([1]);
  });

  it("when count gets a negative skip, then it fails with 51024", async () => {
    await t.db.collection<Numbered>("countArgs").insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    const error = await rejection(t.db.command({ count: "countArgs", query: {}, skip: -1 }));
    expect(error.code).to.equal(51024);
    expect(error.message).to.match(/'count\.skip' value must be >= 0/);
    expect((await t.db.command({ count: "countArgs", query: {}, skip: 1, limit: -1 })).n).to.equal(1);
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
