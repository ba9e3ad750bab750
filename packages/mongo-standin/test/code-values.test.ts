import { expect } from "chai";
import { Code } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * JavaScript code (BSON 13) and code with scope (15) are values like others: equal only to the
 * same code (and the same scope), so `$addToSet`, `$pull` and equality filters tell them apart.
 * The manual's sort order does not place them, so ordering two different ones is refused.
 */
describe("mongo-standin: JavaScript code values", () => {
  const t = useStandinDatabase("standin_code_values");

  it("when an update adds or pulls JavaScript code, then only the same code (and scope) counts as equal", async () => {
    const coll = t.db.collection<{ _id: number; arr: Code[] }>("updates");
    await coll.insertMany([
      { _id: 1, arr: [new Code("a")] },
      { _id: 2, arr: [new Code("a"), new Code("b"), new Code("a", { x: 1 })] },
    ]);
    await coll.updateOne(
      { _id: 1 },
      { $addToSet: { arr: { $each: [new Code("b"), new Code("a", { x: 1 }), new Code("a")] } } },
    );
    await coll.updateOne({ _id: 2 }, { $pull: { arr: new Code("a") } });
    const docs = await coll.find({}, { sort: { _id: 1 } }).toArray();
    expect(docs.map((doc) => doc.arr.map((code) => [code.code, code.scope ?? null]))).to.deep.equal([
      [
        ["a", null],
        ["b", null],
        ["a", { x: 1 }],
      ],
      [
        ["b", null],
        ["a", { x: 1 }],
      ],
    ]);
  });

  it("when a filter or $pull compares with JavaScript code in a document, then other code does not match", async () => {
    const coll = t.db.collection<Numbered>("filters");
    await coll.insertMany([
      { _id: 1, o: { c: new Code("a") } },
      { _id: 2, o: { c: new Code("b") } },
      { _id: 3, o: { c: new Code("a", { x: 1 }) } },
    ]);
    const ids = async (filter: object): Promise<unknown[]> =>
      (await coll.find(filter, { sort: { _id: 1 } }).toArray()).map((doc) => doc._id);
    expect([
      await ids({ o: { c: new Code("a") } }),
      await ids({ o: { $in: [{ c: new Code("b") }] } }),
    ]).to.deep.equal([[1], [2]]);
  });

  it("when a sort or range meets different JavaScript code values, then the stand-in refuses it", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("orders");
    await coll.insertMany([
      { _id: 1, c: new Code("b") },
      { _id: 2, c: new Code("a") },
    ]);
    const errors = [
      await rejection(coll.find({}, { sort: { c: 1 } }).toArray()),
      await rejection(coll.find({ c: { $gt: new Code("a") } }).toArray()),
    ];
    expect(
      errors.map((error) => [error.code, error.message.startsWith("mongo-standin does not support")]),
    ).to.deep.equal([
      [2, true],
      [2, true],
    ]);
  });
});
