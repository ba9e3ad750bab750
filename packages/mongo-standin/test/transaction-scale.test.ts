import { expect } from "chai";
import { Index } from "../src/indexes.js";
import { filterWork } from "../src/query.js";
import { Store } from "../src/storage/store.js";
import { valueKey } from "../src/storage/values.js";
import { Transaction } from "../src/transactions.js";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: large transactions", () => {
  const t = useStandinDatabase("standin_txn_scale");

  it("when a transaction inserts 1,000 new documents, then their _id checks compile no filter, and a read that finds one compiles its filter once", async function () {
    skipOnRealMongo(this, "counts the stand-in's own work");
    const coll = t.db.collection("insert_work");
    await coll.insertOne({ _id: "seed" as never, n: 0 });
    const session = t.client.startSession();
    filterWork.compiled = 0;
    try {
      await session.withTransaction(async () => {
        await coll.insertMany(
          Array.from({ length: 1000 }, (_, i) => ({ n: i })),
          { session },
        );
      });
    } finally {
      await session.endSession();
    }
    expect(filterWork.compiled).to.equal(0);
    expect(await coll.findOne({ _id: "seed" as never })).to.deep.equal({ _id: "seed", n: 0 });
    expect(filterWork.compiled).to.equal(1);
    expect(await coll.countDocuments()).to.equal(1001);
  });

  it("when a transaction inserts a key another of its own documents holds, then it gets E11000 and the transaction writes nothing", async () => {
    const coll = t.db.collection("unique_in_txn");
    await coll.createIndex({ ref: 1 }, { unique: true });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertMany(
        Array.from({ length: 300 }, (_, i) => ({ ref: `r${i}` })),
        { session },
      );
      const error = await rejection(coll.insertOne({ ref: "r150" }, { session }));
      expect((error as { code?: number }).code).to.equal(11000);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).to.equal(0);
  });

  it("when a transaction moves a unique key from one of its documents to another, then the commit holds the moved key once", async () => {
    const coll = t.db.collection("unique_swap");
    await coll.createIndex({ ref: 1 }, { unique: true });
    await coll.insertMany([
      { _id: "a" as never, ref: "one" },
      { _id: "b" as never, ref: "two" },
    ]);
    const session = t.client.startSession();
    try {
      await session.withTransaction(async () => {
        await coll.updateOne({ _id: "a" as never }, { $set: { ref: "three" } }, { session });
        await coll.updateOne({ _id: "b" as never }, { $set: { ref: "one" } }, { session });
        await coll.insertOne({ _id: "c" as never, ref: "two" }, { session });
        expect((await coll.findOne({ ref: "one" }, { session }))?._id).to.equal("b");
      });
    } finally {
      await session.endSession();
    }
    const docs = await coll.find().sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d._id, d.ref])).to.deep.equal([
      ["a", "three"],
      ["b", "one"],
      ["c", "two"],
    ]);
  });

  it("when another transaction has written a document, then writing it fails with a retryable WriteConflict", async () => {
    const coll = t.db.collection("conflict_scale");
    await coll.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}` as never, v: 0 })));
    const first = t.client.startSession();
    const second = t.client.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await coll.updateMany({}, { $set: { v: 1 } }, { session: first });
      const error = await rejection(
        coll.updateOne({ _id: "d49" as never }, { $set: { v: 2 } }, { session: second }),
      );
      expect((error as { code?: number }).code).to.equal(112);
      expect((error as { errorLabels?: string[] }).errorLabels).to.include("TransientTransactionError");
      await first.commitTransaction();
    } finally {
      await second.endSession();
      await first.endSession();
    }
    expect(await coll.countDocuments({ v: 1 })).to.equal(50);
  });

  describe("work per insert", () => {
    beforeEach(function () {
      skipOnRealMongo(this, "this counts the stand-in's own index work");
    });

    /** Index keys computed while one transaction inserts `n` documents one at a time, then commits. */
    function keyComputationsFor(n: number): number {
      const store = new Store();
      store.ensure("app.q").addIndex({ v: 2, key: { ref: 1 }, name: "ref_1", unique: true });
      const keysFor = Object.getOwnPropertyDescriptor(Index.prototype, "keysFor")?.value as Index["keysFor"];
      const levelKeysFor = Object.getOwnPropertyDescriptor(Index.prototype, "levelKeysFor")
        ?.value as Index["levelKeysFor"];
      let calls = 0;
      Index.prototype.keysFor = function (this: Index, doc) {
        calls += 1;
        return keysFor.call(this, doc);
      };
      Index.prototype.levelKeysFor = function (this: Index, doc) {
        calls += 1;
        return levelKeysFor.call(this, doc);
      };
      try {
        const txn = new Transaction(store, new Map(), 1n);
        for (let i = 0; i < n; i += 1) {
          const doc = { _id: `q${i}`, ref: `r${i}` };
          expect(txn.find("app.q", { _id: doc._id })).to.have.length(0);
          txn.write("app.q", [{ id: valueKey(doc._id), doc }]);
        }
        txn.commit();
      } finally {
        Index.prototype.keysFor = keysFor;
        Index.prototype.levelKeysFor = levelKeysFor;
      }
      expect(store.collection("app.q")?.size).to.equal(n);
      return calls;
    }

    it("when a transaction inserts twice as many documents, then it computes about twice as many index keys, not four times", () => {
      const small = keyComputationsFor(500);
      const large = keyComputationsFor(1000);
      expect(large / small).to.be.below(2.2);
    });
  });
});
