import { expect } from "chai";
import { Binary, Code, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * BSON type names as the server spells them. The manual's `$type` (expression operator) page,
 * "Available Types": double, string, object, array, binData, undefined, objectId, bool, date,
 * null, regex, javascript, javascriptWithScope, int, timestamp, long, decimal, minKey, maxKey,
 * and "missing" for a field the document lacks; the query `$type` takes the same aliases (and
 * "number"), or their numbers, and refuses any other (matcher_type_set.cpp: "Unknown type name
 * alias", "Invalid numerical type code", BadValue). `$toBool` (manual, "Behavior"): a document,
 * an array and every other non-number is true, a number is true unless zero, null is null.
 * `$toLong` and `$convert` to "long" give a long (`$type` "long"), truncating a double.
 */
describe("mongo-standin: BSON type names and conversions", () => {
  const t = useStandinDatabase("standin_type_names");

  /** One document holding one value of each type the stand-in stores as such. */
  async function everyType(name: string): Promise<void> {
    await t.db.collection<Numbered>(name).insertOne({
      _id: 1,
      double: 2.5,
      string: "x",
      object: { a: 1 },
      array: [1],
      binData: new Binary(Buffer.from("ab")),
      objectId: new ObjectId(),
      bool: true,
      date: new Date("2026-01-02T03:04:05Z"),
      null: null,
      regex: /a/i,
      javascript: new Code("f()"),
      javascriptWithScope: new Code("f()", { a: 1 }),
      timestamp: new Timestamp({ t: 1, i: 1 }),
      long: Long.fromString("9007199254740993"),
      minKey: new MinKey(),
      maxKey: new MaxKey(),
    });
  }

  const NAMES = [
    "double",
    "string",
    "object",
    "array",
    "binData",
    "objectId",
    "bool",
    "date",
    "null",
    "regex",
    "javascript",
    "javascriptWithScope",
    "timestamp",
    "long",
    "minKey",
    "maxKey",
  ];

  it("when $type reads a value of each BSON type, then it answers the manual's name, and missing for no field", async () => {
    await everyType("expressionNames");
    const project: Document = { _id: 0, missing: { $type: "$nothing" } };
    for (const name of NAMES) project[name] = { $type: `$${name}` };
    const [row] = await t.db
      .collection("expressionNames")
      .aggregate([{ $project: project }])
      .toArray();
    const expected: Record<string, string> = { missing: "missing" };
    for (const name of NAMES) expected[name] = name;
    expect(row).to.deep.equal(expected);
  });

  it("when $isNumber reads each BSON type, then only the numbers are numbers", async () => {
    await everyType("isNumber");
    const project: Document = { _id: 0, missing: { $isNumber: "$nothing" } };
    for (const name of NAMES) project[name] = { $isNumber: `$${name}` };
    const [row] = await t.db
      .collection("isNumber")
      .aggregate([{ $project: project }])
      .toArray();
    const expected: Record<string, boolean> = { missing: false };
    for (const name of NAMES) expected[name] = name === "double" || name === "long";
    expect(row).to.deep.equal(expected);
  });

  it("when the query $type names each BSON type, by alias or number, then only that type matches", async () => {
    await everyType("queryNames");
    const coll = t.db.collection("queryNames");
    const numbers: Record<string, number> = {
      double: 1,
      string: 2,
      object: 3,
      array: 4,
      binData: 5,
      objectId: 7,
      bool: 8,
      date: 9,
      null: 10,
      regex: 11,
      javascript: 13,
      javascriptWithScope: 15,
      timestamp: 17,
      long: 18,
      minKey: -1,
      maxKey: 127,
    };
    for (const name of NAMES) {
      const byAlias = await coll.countDocuments({ [name]: { $type: name } });
      const byNumber = await coll.countDocuments({ [name]: { $type: numbers[name] } });
      expect([byAlias, byNumber], name).to.deep.equal([1, 1]);
    }
    expect(await coll.countDocuments({ javascriptWithScope: { $type: "javascript" } })).to.equal(0);
    expect(await coll.countDocuments({ javascript: { $type: "javascriptWithScope" } })).to.equal(0);
  });

  it("when the query $type names no BSON type, then the server's errors answer", async () => {
    const coll = t.db.collection<Numbered>("queryErrors");
    await coll.insertOne({ _id: 1, s: "x" });
    const unknown = await rejection(coll.find({ s: { $type: "String" as never } }).toArray());
    expect([unknown.code, unknown.message]).to.deep.equal([2, "Unknown type name alias: String"]);
    const invalid = await rejection(coll.find({ s: { $type: 99 as never } }).toArray());
    expect([invalid.code, invalid.message]).to.deep.equal([2, "Invalid numerical type code: 99"]);
    const none = await rejection(coll.find({ s: { $type: [] as never } }).toArray());
    expect([none.code, none.message]).to.deep.equal([9, "s must match at least one type"]);
  });

  it("when $type meets a whole number, whose int32, int64 or double type the stand-in does not keep, then it refuses", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("wholeNumbers");
    await coll.insertOne({ _id: 1, n: 2, d: 2.5 });
    const [row] = await coll.aggregate([{ $project: { _id: 0, d: { $type: "$d" } } }]).toArray();
    expect(row).to.deep.equal({ d: "double" });
    const error = await rejection(coll.aggregate([{ $project: { t: { $type: "$n" } } }]).toArray());
    expect([error.code, error.message]).to.satisfy(
      ([code, message]: [number, string]) =>
        code === 2 && message.startsWith("mongo-standin does not support $type of a whole number"),
    );
  });

  it("when $toBool and $convert to bool take documents, arrays and other non-numbers, then each is true; zero is false, null null", async () => {
    await everyType("toBool");
    const coll = t.db.collection("toBool");
    const project: Document = {
      _id: 0,
      emptyObject: { $toBool: { $literal: {} } },
      emptyArray: { $toBool: { $literal: [] } },
      zero: { $toBool: 0 },
      nothing: { $toBool: "$nothing" },
      convertObject: { $convert: { input: "$object", to: "bool" } },
      convertArray: { $convert: { input: "$array", to: 8 } },
    };
    const truthy = NAMES.filter((name) => name !== "null");
    for (const name of truthy) project[name] = { $toBool: `$${name}` };
    const [row] = await coll.aggregate([{ $project: project }]).toArray();
    const expected: Record<string, boolean | null> = {
      emptyObject: true,
      emptyArray: true,
      zero: false,
      nothing: null,
      convertObject: true,
      convertArray: true,
    };
    for (const name of truthy) expected[name] = true;
    expect(row).to.deep.equal(expected);
  });

  it("when $toLong and $convert to long take ints, doubles, strings, bools and dates, then each gives a long a later stage computes with", async () => {
    const coll = t.db.collection<Numbered>("toLong");
    const date = new Date("2026-01-02T03:04:05Z");
    await coll.insertOne({
      _id: 1,
      i: 3,
      d: -2.7,
      s: "12",
      b: true,
      date,
      big: Long.fromString("9007199254740993"),
    });
    const [row] = await coll
      .aggregate(
        [
          {
            $project: {
              _id: 0,
              literal: { $toLong: 5 },
              int: { $toLong: "$i" },
              double: { $toLong: "$d" },
              string: { $toLong: "$s" },
              bool: { $toLong: "$b" },
              date: { $toLong: "$date" },
              big: { $toLong: "$big" },
              convert: { $convert: { input: "$i", to: "long" } },
              convert18: { $convert: { input: "$d", to: 18 } },
              onError: { $convert: { input: "x", to: "long", onError: 0 } },
              overflow: { $convert: { input: "1".repeat(100_000), to: "long", onError: "too big" } },
              zeros: { $toLong: "-042" },
              type: { $type: { $toLong: "$i" } },
            },
          },
          { $addFields: { sum: { $add: ["$int", 1] }, typeLater: { $type: "$literal" } } },
        ],
        { promoteValues: false },
      )
      .toArray();
    const shown = Object.fromEntries(
      Object.entries(row ?? {}).map(([key, value]) => {
        const tag = (value as { _bsontype?: string } | null)?._bsontype;
        return [key, tag ? `${tag}:${String(value)}` : value];
      }),
    );
    expect(shown).to.deep.equal({
      literal: "Long:5",
      int: "Long:3",
      double: "Long:-2",
      string: "Long:12",
      bool: "Long:1",
      date: `Long:${date.getTime()}`,
      big: "Long:9007199254740993",
      convert: "Long:3",
      convert18: "Long:-2",
      onError: "Int32:0",
      overflow: "too big",
      zeros: "Long:-42",
      type: "long",
      sum: "Long:4",
      typeLater: "long",
    });
  });

  it("when $convert names a target the stand-in does not convert to as the server does, then it refuses", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("convertTargets");
    await coll.insertOne({ _id: 1, hex: "0123456789abcdef01234567", decimal: "decimal" });
    for (const to of ["boolean", "number", "objectId", 7, "$decimal", "array"]) {
      const convert = { $convert: { input: "$hex", to, onError: "fallback" } };
      const error = await rejection(coll.aggregate([{ $project: { v: convert } }]).toArray());
      expect([error.code, error.message], String(to)).to.satisfy(
        ([code, message]: [number, string]) =>
          code === 2 && message.startsWith("mongo-standin does not support $convert to"),
      );
    }
  });
});
