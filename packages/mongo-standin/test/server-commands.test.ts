import { expect } from "chai";
import { rejection, useStandinDatabase } from "./standin-fixtures.js";

const MB = 1024 * 1024;

/** Diagnostics, plans and limits: serverStatus, explain, hint and the 16 MB document limit. */
describe("mongo-standin: serverStatus, explain, hint and size limits", () => {
  const t = useStandinDatabase("standin_server");

  it("when serverStatus is asked, then it answers the fields drivers, mongoose and monitors read", async () => {
    const status = await t.db.admin().command({ serverStatus: 1 });
    expect(status.ok).to.equal(1);
    expect(status.version).to.be.a("string");
    expect(status.process).to.be.a("string");
    expect(Number(status.uptime)).to.be.at.least(0);
    expect(status.localTime).to.be.instanceOf(Date);
    expect(status.connections.current).to.be.at.least(1);
    expect(status.connections).to.include.keys("available", "totalCreated");
    expect(status.opcounters).to.include.keys("insert", "query", "update", "delete", "getmore", "command");
    expect(status.mem).to.include.keys("resident", "virtual");
    expect(status.storageEngine.name).to.be.a("string");
  });

  it("when a bulk write of many statements is sent, then network counts one request and opcounters every statement", async () => {
    const coll = t.db.collection("counted");
    await coll.insertMany([{ _id: "a" as never }, { _id: "b" as never }, { _id: "c" as never }]);
    const counters = async () => {
      const s = await t.db.admin().command({ serverStatus: 1 });
      return {
        requests: Number(s.network.numRequests),
        updates: Number(s.opcounters.update),
        bytesIn: Number(s.network.bytesIn),
      };
    };
    const before = await counters();
    await coll.bulkWrite(
      ["a", "b", "c"].map((id) => ({
        updateOne: { filter: { _id: id as never }, update: { $set: { n: 1 } } },
      })),
      { ordered: false },
    );
    const after = await counters();
    // The bulk write and the second serverStatus: two messages (three if the driver's monitor
    // happened to send its heartbeat in between), against three update statements.
    expect(after.requests - before.requests).to.be.within(2, 3);
    expect(after.updates - before.updates).to.equal(3);
    expect(after.bytesIn).to.be.greaterThan(before.bytesIn);
  });

  it("when a find is explained, then the plan names the index an equality filter uses and the stats count the matches", async () => {
    const coll = t.db.collection("explained");
    await coll.insertMany([{ k: 1 }, { k: 2 }, { k: 2 }]);
    await coll.createIndex({ k: 1 });
    const plan = await coll.find({ k: 2 }).explain("executionStats");
    expect(JSON.stringify(plan.queryPlanner.winningPlan)).to.contain("k_1");
    expect(plan.executionStats.nReturned).to.equal(2);
    const scan = await coll.find({ other: 1 }).explain("queryPlanner");
    expect(JSON.stringify(scan.queryPlanner.winningPlan)).to.contain("COLLSCAN");
  });

  it("when a top-level $or has an index for every clause, then the plan scans those indexes and no collection", async () => {
    const coll = t.db.collection("explainedOr");
    await coll.insertMany([
      { k: 1, j: "a" },
      { k: 2, j: "b" },
      { k: 3, j: "c" },
    ]);
    await coll.createIndex({ k: 1 });
    await coll.createIndex({ j: 1 });
    const plan = await coll.find({ $or: [{ k: { $in: [1, 2] } }, { j: "c" }] }).explain("executionStats");
    const winning = JSON.stringify(plan.queryPlanner.winningPlan);
    expect(winning).to.contain("k_1").and.contain("j_1").and.not.contain("COLLSCAN");
    expect(plan.executionStats.nReturned).to.equal(3);
    const scan = await coll.find({ $or: [{ k: 1 }, { other: 1 }] }).explain("queryPlanner");
    expect(JSON.stringify(scan.queryPlanner.winningPlan)).to.contain("COLLSCAN");
  });

  it("when an update or an aggregation is explained, then the server answers a plan and writes nothing", async () => {
    const coll = t.db.collection("explainedWrite");
    await coll.insertOne({ _id: "d" as never, n: 1 });
    const update = await t.db.command({
      explain: { update: "explainedWrite", updates: [{ q: { _id: "d" }, u: { $set: { n: 2 } } }] },
      verbosity: "queryPlanner",
    });
    expect(update.ok).to.equal(1);
    expect(update.queryPlanner).to.be.an("object");
    expect((await coll.findOne({ _id: "d" as never }))?.n).to.equal(1);
    const pipeline = await coll.aggregate([{ $match: { n: 1 } }]).explain("queryPlanner");
    expect(pipeline.ok).to.equal(1);
  });

  it("when a hint names no existing index, then find, count and update fail with 2 BadValue", async () => {
    const coll = t.db.collection("hinted");
    await coll.insertOne({ a: 1 });
    const find = await rejection(coll.find({ a: 1 }).hint("missing_1").toArray());
    expect(find.code).to.equal(2);
    expect(find.message).to.match(/hint provided does not correspond to an existing index/);
    expect((await rejection(coll.countDocuments({}, { hint: { nope: 1 } }))).code).to.equal(2);
    expect(
      (await rejection(coll.updateOne({ a: 1 }, { $set: { b: 1 } }, { hint: "missing_1" }))).code,
    ).to.equal(2);
    expect(await coll.find({ a: 1 }).hint({ _id: 1 }).toArray()).to.have.length(1);
  });

  it("when a hint names a sparse index, then the query only sees the documents that index holds", async () => {
    const coll = t.db.collection("hintSparse");
    await coll.insertMany([{ a: 1 }, { b: 1 }]);
    await coll.createIndex({ a: 1 }, { sparse: true, name: "a_sparse" });
    expect(await coll.find({}).hint("a_sparse").toArray()).to.have.length(1);
  });

  it("when an inserted document is over 16 MB, then the insert fails with an error reply and the connection keeps working", async () => {
    const coll = t.db.collection("tooLarge");
    const big = { blob: "x".repeat(16 * MB + 100) };
    const error = await rejection(
      t.db.command({ insert: "tooLarge", documents: [big] }).then((reply) => {
        if (reply.writeErrors)
          throw Object.assign(new Error(String(reply.writeErrors[0].errmsg)), reply.writeErrors[0]);
        return reply;
      }),
    );
    expect([2, 10334]).to.include(error.code);
    await coll.insertOne({ small: true });
    expect(await coll.countDocuments({})).to.equal(1);
  });

  it("when an update would grow a document past 16 MB, then it fails and the document is unchanged", async () => {
    const coll = t.db.collection("growsTooLarge");
    await coll.insertOne({ _id: "d" as never, a: "x".repeat(9 * MB) });
    const error = await rejection(coll.updateOne({ _id: "d" as never }, { $set: { b: "y".repeat(8 * MB) } }));
    expect([17419, 10334]).to.include(error.code);
    const doc = await coll.findOne({ _id: "d" as never }, { projection: { b: 1 } });
    expect(doc).to.deep.equal({ _id: "d" });
  });
});
