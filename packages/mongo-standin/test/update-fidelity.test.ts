import { expect } from "chai";
import { Long } from "mongodb";
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
