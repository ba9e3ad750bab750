import { expect } from "chai";
import { rejection, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/** The `$elemMatch` projection's own rules (the manual's "Field Order" and its restrictions). */
describe("mongo-standin: $elemMatch projections", () => {
  const t = useStandinDatabase("standin_elemmatch_projection");

  it("when $elemMatch projects a field, then it comes after the other fields kept, wherever it stands", async () => {
    const coll = t.db.collection<Numbered>("order");
    await coll.insertOne({
      _id: 1,
      games: [
        { g: "a", s: 8 },
        { g: "b", s: 5 },
      ],
      joined: 1,
      last: 2,
    });
    const doc = await coll.findOne(
      { _id: 1 },
      { projection: { games: { $elemMatch: { s: { $gt: 5 } } }, joined: 1, last: 1 } },
    );
    expect(Object.keys(doc ?? {})).to.deep.equal(["_id", "joined", "last", "games"]);
    expect(doc?.games).to.deep.equal([{ g: "a", s: 8 }]);
  });

  it("when $elemMatch projects a nested field, then find fails with 31275", async () => {
    const coll = t.db.collection<Numbered>("nested");
    await coll.insertOne({ _id: 1, a: { b: [1, 2] } });
    const error = await rejection(coll.findOne({}, { projection: { "a.b": { $elemMatch: { $gt: 1 } } } }));
    expect(error.code).to.equal(31275);
    expect(error.message).to.equal("Cannot use $elemMatch projection on a nested field.");
  });
});
