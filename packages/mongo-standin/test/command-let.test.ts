import { expect } from "chai";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * `let` on a command (find, aggregate, update, delete, findAndModify; MongoDB 5.0+) defines
 * variables its filters and pipelines read as `$$name`. The stand-in does not pass them to its
 * engine, so a command carrying `let` is refused, never run as if the variables were not there.
 */
describe("mongo-standin: command-level let variables", () => {
  const t = useStandinDatabase("standin_command_let");
  const wanted = { $expr: { $eq: ["$s", "$$wanted"] } };
  const vars = { wanted: "a" };

  async function expectRefused(operation: Promise<unknown>): Promise<void> {
    const error = await rejection(operation);
    expect(error.code).to.equal(2);
    expect(error.message).to.match(/mongo-standin does not support the command option 'let'/);
  }

  it("when a read, an aggregate or a write carries let, then it is refused and nothing changes", async function () {
    skipOnRealMongo(this, "a real server applies let; the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("refused");
    await coll.insertMany([
      { _id: 1, s: "a" },
      { _id: 2, s: "b" },
    ]);
    await expectRefused(coll.find(wanted, { let: vars }).toArray());
    await expectRefused(coll.aggregate([{ $match: wanted }], { let: vars }).toArray());
    await expectRefused(coll.updateMany(wanted, { $set: { hit: true } }, { let: vars }));
    await expectRefused(coll.deleteMany(wanted, { let: vars }));
    await expectRefused(coll.findOneAndUpdate(wanted, { $set: { hit: true } }, { let: vars }));
    await expectRefused(t.db.command({ explain: { find: "refused", filter: wanted, let: vars } }));
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 1, s: "a" },
      { _id: 2, s: "b" },
    ]);
  });

  it("when a command carries no let, then $$ variables of a $lookup's own let still work", async () => {
    const coll = t.db.collection<Numbered>("lookupLet");
    await coll.insertMany([
      { _id: 1, s: "a" },
      { _id: 2, s: "b" },
    ]);
    const out = await coll
      .aggregate([
        { $match: { _id: 1 } },
        {
          $lookup: {
            from: "lookupLet",
            let: { v: "$s" },
            pipeline: [{ $match: { $expr: { $eq: ["$s", "$$v"] } } }, { $project: { _id: 1 } }],
            as: "same",
          },
        },
      ])
      .toArray();
    expect(out).to.deep.equal([{ _id: 1, s: "a", same: [{ _id: 1 }] }]);
  });
});
