import { expect } from "chai";
import { skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

/**
 * `$$NOW` is one time for a whole command on the server: every stage, every document and every
 * statement of it see the same value. The clock is made to move on each reading here (the
 * stand-in runs in this process), so a value read twice within one command would show.
 */
describe("mongo-standin: $$NOW is one time per command", () => {
  const t = useStandinDatabase("standin_command_now");

  /** Runs `work` with a clock that moves one millisecond further on every reading. */
  async function withMovingClock<T>(work: () => Promise<T>): Promise<T> {
    const realNow = Date.now;
    let readings = 0;
    Date.now = () => realNow() + (readings += 1);
    try {
      return await work();
    } finally {
      Date.now = realNow;
    }
  }

  function times(values: unknown[]): number[] {
    return [...new Set(values.map((value) => (value as Date).getTime()))];
  }

  it("when an update pipeline sets two fields to $$NOW on many documents, then every field of every document holds one time", async function () {
    skipOnRealMongo(this, "the moving clock is the stand-in's process clock");
    const coll = t.db.collection<Numbered>("pipelineNow");
    await coll.insertMany([1, 2, 3, 4, 5].map((_id) => ({ _id })));
    await withMovingClock(() => coll.updateMany({}, [{ $set: { a: "$$NOW", b: "$$NOW" } }]));
    const docs = await coll.find().toArray();
    expect(docs).to.have.length(5);
    expect(times(docs.flatMap((doc) => [doc.a, doc.b]))).to.have.length(1);
  });

  it("when an update command has several statements, then each statement's $$NOW is the same", async function () {
    skipOnRealMongo(this, "the moving clock is the stand-in's process clock");
    const coll = t.db.collection<Numbered>("statementsNow");
    await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
    await withMovingClock(() =>
      coll.bulkWrite([
        { updateOne: { filter: { _id: 1 }, update: [{ $set: { at: "$$NOW" } }] } },
        { updateOne: { filter: { _id: 2 }, update: [{ $set: { at: "$$NOW" } }] } },
      ]),
    );
    const docs = await coll.find().toArray();
    expect(times(docs.map((doc) => doc.at))).to.have.length(1);
  });

  it("when a find projects $$NOW, then every document shows the same time", async function () {
    skipOnRealMongo(this, "the moving clock is the stand-in's process clock");
    const coll = t.db.collection<Numbered>("projectNow");
    await coll.insertMany([1, 2, 3, 4].map((_id) => ({ _id })));
    const docs = await withMovingClock(() => coll.find({}, { projection: { at: "$$NOW" } }).toArray());
    expect(docs).to.have.length(4);
    expect(times(docs.map((doc) => doc.at))).to.have.length(1);
  });

  it("when a $expr filter reads $$NOW, then every document is tested at the time the pipeline's stages see", async function () {
    skipOnRealMongo(this, "the moving clock is the stand-in's process clock");
    const coll = t.db.collection<Numbered>("filterNow");
    // Residues of the time's milliseconds mod 3, in runs: one time matches exactly one residue.
    await coll.insertMany(Array.from({ length: 27 }, (_, i) => ({ _id: i, r: Math.floor(i / 3) % 3 })));
    const found = await withMovingClock(() =>
      coll
        .aggregate<Numbered>([
          { $match: { $expr: { $eq: [{ $mod: [{ $millisecond: "$$NOW" }, 3] }, "$r"] } } },
          { $set: { at: "$$NOW" } },
          { $sort: { _id: 1 } },
        ])
        .toArray(),
    );
    expect(found).to.have.length(9);
    const [at] = times(found.map((doc) => doc.at));
    expect(times(found.map((doc) => doc.at))).to.have.length(1);
    expect(found.every((doc) => doc.r === ((at as number) % 1000) % 3)).to.equal(true);
    const filtered = await withMovingClock(() =>
      coll.find({ $expr: { $eq: [{ $mod: [{ $millisecond: "$$NOW" }, 3] }, "$r"] } }).toArray(),
    );
    expect(new Set(filtered.map((doc) => doc.r)).size).to.equal(1);
    expect(filtered).to.have.length(9);
  });

  it("when $facet and $lookup sub-pipelines read $$NOW, then they see the outer pipeline's time", async function () {
    skipOnRealMongo(this, "the moving clock is the stand-in's process clock");
    const coll = t.db.collection<Numbered>("subPipelinesNow");
    await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
    const [out] = await withMovingClock(() =>
      coll
        .aggregate<{ a: Numbered[]; b: Numbered[] }>([
          { $set: { at: "$$NOW" } },
          {
            $lookup: {
              from: "subPipelinesNow",
              let: { when: "$$NOW" },
              pipeline: [{ $set: { inner: "$$NOW", bound: "$$when" } }],
              as: "joined",
            },
          },
          { $facet: { a: [{ $set: { f: "$$NOW" } }], b: [{ $set: { f: "$$NOW" } }] } },
        ])
        .toArray(),
    );
    const docs = [...(out?.a ?? []), ...(out?.b ?? [])];
    expect(docs).to.have.length(4);
    const joined = docs.flatMap((doc) => doc.joined as Numbered[]);
    expect(
      times([...docs.flatMap((doc) => [doc.at, doc.f]), ...joined.flatMap((doc) => [doc.inner, doc.bound])]),
    ).to.have.length(1);
  });
});
