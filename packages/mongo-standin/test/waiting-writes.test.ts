import { expect } from "chai";
import type { Document } from "bson";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

/**
 * A write outside any transaction that meets a document an open transaction has written waits, as
 * on the server (its write conflict is retried until the transaction commits or aborts), then
 * applies to the document as the transaction left it; an insert of a key the transaction inserted
 * then gets E11000.
 */
describe("mongo-standin: writes waiting for an open transaction", () => {
  const t = useStandinDatabase("standin_waiting_writes");

  /** The promise, and whether it has settled yet. */
  function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    // The rejection is awaited by the test; this only keeps Node from reporting it early.
    tracked.catch(() => undefined);
    return { promise: tracked, settled: () => done };
  }

  /** The commands on `collection` the server lists as in progress (`currentOp`). */
  async function inProgressOn(collection: string): Promise<Document[]> {
    const reply = await t.client
      .db("admin")
      .command({ currentOp: true, active: true, ns: `${t.dbName}.${collection}` });
    return reply.inprog as Document[];
  }

  /**
   * Resolves once the server lists a command on `collection` in progress: every command runs to the
   * end in one turn unless it waits, so this proves the write is held, not merely slow. Fails when
   * none is listed within 10 s (the write did not wait).
   */
  async function waitingOn(collection: string): Promise<Document> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [op] = await inProgressOn(collection);
      if (op) return op;
      if (Date.now() > deadline) throw new Error(`no command on ${collection} is waiting`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it("when an outside update meets a document the open transaction wrote, then it waits for the commit and applies to the committed document", async () => {
    const coll = t.db.collection("waitCommit");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $inc: { v: 1 } }, { session });
      const outside = watched(coll.updateOne({ _id: "doc" as never }, { $inc: { v: 10 } }));
      await waitingOn("waitCommit");
      expect(outside.settled()).to.equal(false);
      await session.commitTransaction();
      expect((await outside.promise).modifiedCount).to.equal(1);
    } finally {
      await session.endSession();
    }
    expect((await coll.findOne({ _id: "doc" as never }))?.v).to.equal(11);
  });

  it("when the transaction aborts instead, then the waiting write applies to the document as it was", async () => {
    const coll = t.db.collection("waitAbort");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $set: { v: 1 } }, { session });
      const outside = watched(
        coll.findOneAndUpdate({ _id: "doc" as never }, { $inc: { v: 10 } }, { returnDocument: "after" }),
      );
      await waitingOn("waitAbort");
      expect(outside.settled()).to.equal(false);
      await session.abortTransaction();
      expect((await outside.promise)?.v).to.equal(10);
    } finally {
      await session.endSession();
    }
  });

  it("when an outside insert repeats an _id or a unique key the open transaction inserted, then it waits and gets E11000 after the commit", async () => {
    const coll = t.db.collection("waitInsert");
    await coll.createIndex({ u: 1 }, { unique: true });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: "k" as never, u: "x" }, { session });
      const sameId = watched(coll.insertOne({ _id: "k" as never, u: "y" }));
      const sameKey = watched(coll.insertOne({ _id: "other" as never, u: "x" }));
      // Both wait, each on its own connection (one connection runs its commands in order).
      const deadline = Date.now() + 10_000;
      while ((await inProgressOn("waitInsert")).length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setImmediate(resolve));
      expect(await inProgressOn("waitInsert")).to.have.length(2);
      expect([sameId.settled(), sameKey.settled()]).to.deep.equal([false, false]);
      await session.commitTransaction();
      expect((await rejection(sameId.promise)).code).to.equal(11000);
      expect((await rejection(sameKey.promise)).code).to.equal(11000);
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).to.equal(1);
  });

  it("when the open transaction updated a document but kept its unique key, then an outside insert of that key fails at once", async () => {
    const coll = t.db.collection("keptKey");
    await coll.createIndex({ u: 1 }, { unique: true });
    await coll.insertOne({ _id: "held" as never, u: "x", v: 0 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "held" as never }, { $set: { v: 1 } }, { session });
      // Awaited before the commit: an insert that wrongly waited would hang here until the timeout.
      expect((await rejection(coll.insertOne({ _id: "new" as never, u: "x" }))).code).to.equal(11000);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
  });

  it("when the waiting write's maxTimeMS runs out before the transaction ends, then it fails with 50 MaxTimeMSExpired", async () => {
    const coll = t.db.collection("waitMaxTime");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $set: { v: 1 } }, { session });
      const error = await rejection(
        coll.updateOne({ _id: "doc" as never }, { $set: { v: 2 } }, { maxTimeMS: 100 }),
      );
      expect(error.code).to.equal(50);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect((await coll.findOne({ _id: "doc" as never }))?.v).to.equal(1);
  });

  it("when an outside updateMany meets a document the open transaction wrote among others, then it waits and applies to all of them as committed", async () => {
    const coll = t.db.collection("waitMany");
    await coll.insertMany([
      { _id: "a" as never, v: 0 },
      { _id: "b" as never, v: 0 },
      { _id: "c" as never, v: 0 },
    ]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "b" as never }, { $set: { v: 1 } }, { session });
      const outside = watched(coll.updateMany({}, { $inc: { v: 10 } }));
      await waitingOn("waitMany");
      const meanwhile = await coll.find().sort({ _id: 1 }).toArray();
      expect(meanwhile.map((doc) => doc.v as number)).to.deep.equal([0, 0, 0]);
      await session.commitTransaction();
      const result = await outside.promise;
      expect([result.matchedCount, result.modifiedCount]).to.deep.equal([3, 3]);
    } finally {
      await session.endSession();
    }
    const docs = await coll.find().sort({ _id: 1 }).toArray();
    expect(docs.map((doc) => doc.v as number)).to.deep.equal([10, 11, 10]);
  });

  it("when an outside $merge reaches a document the open transaction wrote, then it waits and merges into all of them as committed", async () => {
    const source = t.db.collection("mergeSource");
    const target = t.db.collection("mergeTarget");
    await source.insertMany([
      { _id: "a" as never, w: 1 },
      { _id: "b" as never, w: 2 },
    ]);
    await target.insertMany([
      { _id: "a" as never, v: 0 },
      { _id: "b" as never, v: 0 },
    ]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await target.updateOne({ _id: "b" as never }, { $set: { v: 1 } }, { session });
      const outside = watched(source.aggregate([{ $merge: { into: "mergeTarget" } }]).toArray());
      // The aggregate's own namespace is its source, as the server lists it.
      await waitingOn("mergeSource");
      await session.commitTransaction();
      await outside.promise;
    } finally {
      await session.endSession();
    }
    expect(await target.find().sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: "a", v: 0, w: 1 },
      { _id: "b", v: 1, w: 2 },
    ]);
  });

  it("when an outside insertMany repeats a unique key the open transaction inserted, then it waits and inserts nothing before it", async () => {
    const coll = t.db.collection("waitInsertMany");
    await coll.createIndex({ u: 1 }, { unique: true });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: "t" as never, u: "x" }, { session });
      const outside = watched(
        coll.insertMany([
          { _id: "p" as never, u: "p" },
          { _id: "q" as never, u: "x" },
        ]),
      );
      await waitingOn("waitInsertMany");
      expect(await coll.countDocuments()).to.equal(0);
      await session.abortTransaction();
      expect((await outside.promise).insertedCount).to.equal(2);
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).to.equal(2);
  });

  it("when an outside write waited for a transaction and ran again, then opcounters count it once", async function () {
    skipOnRealMongo(this, "other clients of a shared server move its counters");
    const coll = t.db.collection("waitCounted");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    const updates = async (): Promise<number> =>
      Number(((await t.db.admin().serverStatus()) as { opcounters: { update: number } }).opcounters.update);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $set: { v: 1 } }, { session });
      const before = await updates();
      const outside = watched(coll.updateOne({ _id: "doc" as never }, { $inc: { v: 10 } }));
      await session.commitTransaction();
      await outside.promise;
      expect((await updates()) - before).to.equal(1);
    } finally {
      await session.endSession();
    }
  });

  it("when an outside write waits for a transaction, then currentOp lists it on its namespace until it has run", async () => {
    const coll = t.db.collection("waitListed");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    expect(await inProgressOn("waitListed")).to.deep.equal([]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $set: { v: 1 } }, { session });
      const outside = watched(coll.updateOne({ _id: "doc" as never }, { $inc: { v: 10 } }));
      const op = await waitingOn("waitListed");
      expect([op.op, op.ns, op.active]).to.deep.equal(["update", `${t.dbName}.waitListed`, true]);
      expect(await inProgressOn("otherCollection")).to.deep.equal([]);
      await session.commitTransaction();
      await outside.promise;
      expect(await inProgressOn("waitListed")).to.deep.equal([]);
    } finally {
      await session.endSession();
    }
  });
});
