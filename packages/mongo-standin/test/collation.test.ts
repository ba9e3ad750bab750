import { expect } from "chai";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * The stand-in compares strings by their bytes, which is the "simple" collation. Any other
 * collation would change what matches and how results sort, so it is refused wherever a command
 * can carry one, never accepted and ignored.
 */
describe("mongo-standin: collations", () => {
  const t = useStandinDatabase("standin_collation");
  const CASELESS = { locale: "en", strength: 2 };

  async function expectRefused(operation: Promise<unknown>): Promise<void> {
    const error = await rejection(operation);
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support collation \{"locale":"en","strength":2\}/);
  }

  it("when a command asks for the simple collation, then it runs as without one", async () => {
    const coll = t.db.collection<Numbered>("simple");
    await coll.insertMany([
      { _id: 1, s: "a" },
      { _id: 2, s: "A" },
    ]);
    const found = await coll.find({ s: "a" }, { collation: { locale: "simple" } }).toArray();
    expect(found).to.deep.equal([{ _id: 1, s: "a" }]);
  });

  it("when a read or aggregate asks for another collation, then it is refused", async function () {
    skipOnRealMongo(this, "a real server applies collations; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("reads");
    await coll.insertOne({ _id: 1, s: "a" });
    await expectRefused(coll.find({ s: "A" }, { collation: CASELESS }).toArray());
    await expectRefused(coll.aggregate([{ $match: { s: "A" } }], { collation: CASELESS }).toArray());
    await expectRefused(coll.countDocuments({ s: "A" }, { collation: CASELESS }));
    await expectRefused(t.db.command({ count: "reads", query: { s: "A" }, collation: CASELESS }));
    await expectRefused(coll.distinct("s", {}, { collation: CASELESS }));
  });

  it("when a write asks for another collation, then it is refused and nothing changes", async function () {
    skipOnRealMongo(this, "a real server applies collations; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("writes");
    await coll.insertOne({ _id: 1, s: "a" });
    await expectRefused(coll.updateOne({ s: "A" }, { $set: { x: 1 } }, { collation: CASELESS }));
    await expectRefused(coll.deleteMany({ s: "A" }, { collation: CASELESS }));
    await expectRefused(coll.findOneAndUpdate({ s: "A" }, { $set: { x: 1 } }, { collation: CASELESS }));
    expect(await coll.find({}).toArray()).to.deep.equal([{ _id: 1, s: "a" }]);
  });

  it("when an index or a collection is created with another collation, then it is refused", async function () {
    skipOnRealMongo(this, "a real server applies collations; the refusal is the stand-in's own");
    await expectRefused(t.db.collection("indexed").createIndex({ s: 1 }, { collation: CASELESS }));
    await expectRefused(t.db.createCollection("collated", { collation: CASELESS }));
    const names = (await t.db.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);
    expect(names).to.not.include("collated");
  });
});
