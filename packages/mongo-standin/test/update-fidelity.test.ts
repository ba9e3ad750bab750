import { expect } from "chai";
import { Binary, Code, Decimal128, Long, MinKey, Timestamp } from "mongodb";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/** Update operators where the server's rules are narrower than a query's. */
describe("mongo-standin: update operators, server rules", () => {
  const t = useStandinDatabase("standin_update_fidelity");

  it("when $pull removes a value, then only elements equal to it go, not arrays that hold it", async () => {
    const coll = t.db.collection<{ _id: number; a: unknown[] }>("pullValue");
    await coll.insertMany([
      { _id: 1, a: [[1, 2], 1, 3] },
      { _id: 2, a: [[1, 2], [[1, 2], 5], [2, 1], 1] },
      { _id: 3, a: ["x", "y", "x"] },
    ]);
    await coll.updateOne({ _id: 1 }, { $pull: { a: 1 } });
    await coll.updateOne({ _id: 2 }, { $pull: { a: [1, 2] } });
    await coll.updateOne({ _id: 3 }, { $pull: { a: "x" } });
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1, a: [[1, 2], 3] },
      { _id: 2, a: [[[1, 2], 5], [2, 1], 1] },
      { _id: 3, a: ["y"] },
    ]);
  });

  it("when the filter only negates conditions on the array, then a positional update fails as on the server", async () => {
    const coll = t.db.collection<Numbered>("positionalNegation");
    await coll.insertOne({ _id: 1, a: [1, 2, 3] });
    for (const filter of [
      { _id: 1, a: { $ne: 9 } },
      { _id: 1, a: { $nin: [9] } },
      { _id: 1, a: { $not: { $gt: 5 } } },
    ]) {
      const error = await rejection(coll.updateOne(filter, { $set: { "a.$": 0 } }));
      expect(error.code, JSON.stringify(filter)).to.equal(2);
      expect(error.message).to.equal("The positional operator did not find the match needed from the query.");
    }
    await coll.updateOne({ _id: 1, a: { $ne: 9, $gt: 1 } }, { $set: { "a.$": 0 } });
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: [1, 0, 3] });
  });

  it("when $inc takes an int32 past its range, then the result is a 64-bit integer", async () => {
    const coll = t.db.collection<{ _id: number; n: number; m: number }>("incOverflow");
    await coll.insertOne({ _id: 1, n: 2147483647, m: -2147483648 });
    await coll.updateOne({ _id: 1 }, { $inc: { n: 1, m: -1 } });
    const doc = await coll.findOne({ _id: 1 }, { promoteLongs: false });
    expect(doc?.n).to.be.instanceOf(Long);
    expect(String(doc?.n)).to.equal("2147483648");
    expect(doc?.m).to.be.instanceOf(Long);
    expect(String(doc?.m)).to.equal("-2147483649");
  });
});

/**
 * The update operators' errors name a value's type as the server's typeName(BSONType) does, the
 * names the `$type` expression answers: binData, regex, decimal, javascript, timestamp, minKey.
 */
describe("mongo-standin: update errors name types as the server does", () => {
  const t = useStandinDatabase("standin_update_type_names");

  it("when an update is malformed and its filter matches nothing, then it is still refused as the server's parser refuses it", async () => {
    const coll = t.db.collection<Numbered>("parsedFirst");
    await coll.insertOne({ _id: 1, a: [1, 2] });
    const nothing = { _id: 99 };
    const unused = await rejection(
      coll.updateOne(nothing, { $set: { "a.$[x]": 0 } }, { arrayFilters: [{ x: 1 }, { y: 2 }] }),
    );
    expect(unused.code).to.equal(9);
    expect(unused.message).to.match(/^The array filter for identifier 'y' was not used in the update/);
    expect(
      (await rejection(coll.updateMany(nothing, { $set: { b: 1 } }, { arrayFilters: [{ x: 1 }] }))).code,
    ).to.equal(9);
    expect(
      (await rejection(coll.findOneAndUpdate(nothing, { $set: { b: 1 } }, { arrayFilters: [{ x: 1 }] })))
        .code,
    ).to.equal(9);
    expect((await rejection(coll.updateOne(nothing, { $set: { "a.$[x]": 0 } }))).code).to.equal(2);
    expect((await rejection(coll.updateOne(nothing, { $set: { a: 1, "a.b": 2 } }))).code).to.equal(40);
    expect((await rejection(coll.updateOne(nothing, { $bogus: { a: 1 } } as never))).code).to.equal(9);
    // Operator arguments are parsed too (ModifierNode::init): a non-number to $inc, $each not an array.
    expect((await rejection(coll.updateOne(nothing, { $inc: { a: "x" } } as never))).code).to.equal(14);
    expect((await rejection(coll.updateOne(nothing, { $push: { a: { $each: 1 } } } as never))).code).to.equal(2);
    expect((await rejection(coll.updateOne(nothing, { $pop: { a: 2 } } as never))).code).to.equal(9);
    expect((await rejection(coll.updateMany(nothing, { $pullAll: { a: 1 } } as never))).code).to.equal(2);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: [1, 2] });
  });

  it("when $push's $slice or $position is not an integer number, then the update fails with BadValue and changes nothing", async () => {
    const coll = t.db.collection<Numbered>("pushModifiers");
    await coll.insertOne({ _id: 1, a: [1, 2] });
    for (const [key, value] of [
      ["$slice", null],
      ["$slice", "1"],
      ["$slice", true],
      ["$slice", 1.5],
      ["$position", "0"],
      ["$position", null],
    ] as const) {
      const error = await rejection(
        coll.updateOne({ _id: 1 }, { $push: { a: { $each: [3], [key]: value } } } as never),
      );
      expect(error.code, `${key}: ${String(value)}`).to.equal(2);
      expect(error.message, `${key}: ${String(value)}`).to.match(
        new RegExp(`^The value for \\${key} must be an integer`),
      );
    }
    await coll.updateOne({ _id: 1 }, { $push: { a: { $each: [3], $slice: -2, $position: 0 } } } as never);
    expect(await coll.findOne({ _id: 1 })).to.deep.equal({ _id: 1, a: [1, 2] });
  });

  it("when an update operator meets a field of the wrong type, then its error names the type as $type does", async () => {
    const coll = t.db.collection<Numbered>("wrongTypes");
    await coll.insertOne({
      _id: 1,
      bin: new Binary(Buffer.from("ab")),
      re: /a/i,
      dec: Decimal128.fromString("1.5"),
      code: new Code("f()"),
      ts: new Timestamp({ t: 1, i: 1 }),
      min: new MinKey(),
    });
    const messages: string[] = [];
    for (const update of [
      { $inc: { bin: 1 } },
      { $push: { re: 1 } },
      { $addToSet: { dec: 1 } },
      { $mul: { code: 2 } },
      { $bit: { ts: { and: 1 } } },
      { $inc: { min: 1 } },
    ])
      messages.push((await rejection(coll.updateOne({ _id: 1 }, update as never))).message);
    expect(
      messages.map((message) => message.replace(/^.*type:? /, "").replace(/ in document.*$/, "")),
    ).to.deep.equal(["binData", "regex", "decimal", "javascript", "timestamp", "minKey"]);
  });
});
