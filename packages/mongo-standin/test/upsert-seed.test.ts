import { expect } from "chai";
import { BSONRegExp } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * What an upsert's insert takes from its filter. A regular expression in a filter is a pattern
 * match, not an equality, so the server seeds nothing from it.
 */
describe("mongo-standin: upsert seeding from regular expressions", () => {
  const t = useStandinDatabase("standin_upsert_seed");

  it("when an upsert's filter matches a field by a regular expression, then the inserted document does not hold it", async () => {
    const coll = t.db.collection("regexSeed");
    const res = await coll.updateOne({ name: /^a/, kind: "card" }, { $set: { x: 1 } }, { upsert: true });
    expect(res.upsertedCount).to.equal(1);
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ kind: "card", x: 1 });
  });

  it("when the regular expression is dotted, inside $and or a BSON regex, then nothing is seeded from it either", async () => {
    const coll = t.db.collection("regexSeedNested");
    const res = await coll.updateOne(
      { $and: [{ "owner.name": /^a/ }, { tag: new BSONRegExp("^b", "i") }, { kind: "card" }] },
      { $set: { x: 1 } },
      { upsert: true },
    );
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).to.deep.equal({ kind: "card", x: 1 });
  });

  it("when an upsert would seed from $eq with a regular expression, then the stand-in refuses it", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection("regexSeedEq");
    const error = await rejection(
      coll.updateOne({ name: { $eq: /^a/ } }, { $set: { x: 1 } }, { upsert: true }),
    );
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support/);
    expect(await coll.countDocuments({})).to.equal(0);
  });
});
