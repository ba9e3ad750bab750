import { expect } from "chai";
import { Schema } from "mongoose";
import { rejection, skipOnRealMongo, useStandinDatabase } from "./standin-fixtures.js";

describe("mongo-standin: transactions", () => {
  const t = useStandinDatabase("standin_txn");

  it("when a mongoose transaction commits, then all of its writes are visible together", async () => {
    const Account = t.conn.model("TxnAccount", new Schema({ name: String, balance: Number }));
    await Account.createCollection();
    const [a, b] = await Account.create([
      { name: "a", balance: 100 },
      { name: "b", balance: 0 },
    ]);
    await t.conn.transaction(async (session) => {
      await Account.updateOne({ _id: a?._id }, { $inc: { balance: -30 } }, { session });
      await Account.updateOne({ _id: b?._id }, { $inc: { balance: 30 } }, { session });
    });
    const balances = (await Account.find().sort({ name: 1 }).lean()).map((d) => d.balance);
    expect(balances).to.deep.equal([70, 30]);
  });

  it("when a mongoose transaction callback throws, then none of its writes remain", async () => {
    const Log = t.conn.model("TxnLog", new Schema({ line: String }));
    await Log.createCollection();
    const error = await rejection(
      t.conn.transaction(async (session) => {
        await Log.create([{ line: "one" }], { session });
        await Log.create([{ line: "two" }], { session });
        throw new Error("callback failed");
      }),
    );
    expect(error.message).to.equal("callback failed");
    expect(await Log.countDocuments()).to.equal(0);
  });

  it("when a transaction reads after an outside write, then it still sees its snapshot and its own writes", async () => {
    const coll = t.db.collection("snap");
    await coll.insertMany([
      { _id: "x" as never, v: 1 },
      { _id: "y" as never, v: 1 },
    ]);
    const session = t.client.startSession();
    try {
      session.startTransaction({ readConcern: { level: "snapshot" } });
      expect((await coll.findOne({ _id: "x" as never }, { session }))?.v).to.equal(1);
      await coll.updateOne({ _id: "x" as never }, { $set: { v: 2 } });
      await coll.updateOne({ _id: "y" as never }, { $set: { v: 5 } }, { session });
      expect((await coll.findOne({ _id: "x" as never }, { session }))?.v).to.equal(1);
      expect((await coll.findOne({ _id: "y" as never }, { session }))?.v).to.equal(5);
      expect((await coll.findOne({ _id: "y" as never }))?.v).to.equal(1);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect((await coll.find().sort({ _id: 1 }).toArray()).map((d) => d.v)).to.deep.equal([2, 5]);
  });

  it("when a write outside the transaction lands on another document before commit, then the commit merges and both writes survive", async () => {
    const coll = t.db.collection("merge");
    await coll.insertMany([
      { _id: "in" as never, v: 0 },
      { _id: "out" as never, v: 0 },
    ]);
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: "in" as never }, { $set: { v: 1 } }, { session });
      await coll.insertOne({ _id: "new" as never, v: 3 }, { session });
      await coll.updateOne({ _id: "out" as never }, { $set: { v: 2 } });
      await coll.insertOne({ _id: "outside" as never, v: 4 });
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    const docs = await coll.find().sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d._id, d.v])).to.deep.equal([
      ["in", 1],
      ["new", 3],
      ["out", 2],
      ["outside", 4],
    ]);
  });

  it("when two transactions write the same document, then the second gets 112 WriteConflict labelled TransientTransactionError", async () => {
    const coll = t.db.collection("conflict");
    await coll.insertOne({ _id: "doc" as never, v: 0 });
    const first = t.client.startSession();
    const second = t.client.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await coll.updateOne({ _id: "doc" as never }, { $set: { v: 1 } }, { session: first });
      const error = await rejection(
        coll.updateOne({ _id: "doc" as never }, { $set: { v: 2 } }, { session: second }),
      );
      expect(error.code).to.equal(112);
      expect(error.hasErrorLabel?.("TransientTransactionError")).to.equal(true);
      await second.abortTransaction();
      await first.commitTransaction();
    } finally {
      await first.endSession();
      await second.endSession();
    }
    expect((await coll.findOne({ _id: "doc" as never }))?.v).to.equal(1);
  });

  it("when a document changes after the transaction's snapshot and the transaction then writes it, then withTransaction retries and the retry wins", async () => {
    const coll = t.db.collection<{ _id: string; v: number; log: string[] }>("retry");
    await coll.insertOne({ _id: "doc", v: 0, log: [] });
    const session = t.client.startSession();
    let attempts = 0;
    try {
      await session.withTransaction(async () => {
        attempts += 1;
        await coll.findOne({ _id: "doc" }, { session });
        if (attempts === 1) await coll.updateOne({ _id: "doc" }, { $push: { log: "outside" } });
        await coll.updateOne({ _id: "doc" }, { $push: { log: `txn${attempts}` } }, { session });
      });
    } finally {
      await session.endSession();
    }
    expect(attempts).to.equal(2);
    expect((await coll.findOne({ _id: "doc" }))?.log).to.deep.equal(["outside", "txn2"]);
  });

  it("when a command fails inside a transaction, then the transaction is aborted and later commands get 251 NoSuchTransaction", async () => {
    const coll = t.db.collection("aborted");
    await coll.createIndex({ k: 1 }, { unique: true });
    await coll.insertOne({ k: "taken" });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ k: "fresh" }, { session });
      expect((await rejection(coll.insertOne({ k: "taken" }, { session }))).code).to.equal(11000);
      const error = await rejection(coll.insertOne({ k: "later" }, { session }));
      expect(error.code).to.equal(251);
      expect(error.hasErrorLabel?.("TransientTransactionError")).to.equal(true);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect((await coll.find({}, { projection: { _id: 0 } }).toArray()).map((d) => d.k)).to.deep.equal([
      "taken",
    ]);
  });

  it("when a transaction inserts a key that is unique, then a duplicate within the same transaction is refused", async () => {
    const coll = t.db.collection("txn_unique");
    await coll.createIndex({ k: 1 }, { unique: true });
    const session = t.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ k: 1 }, { session });
      expect((await rejection(coll.insertOne({ k: 1 }, { session }))).code).to.equal(11000);
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).to.equal(0);
  });
  it("when another transaction commits a unique key after this one's snapshot and this one inserts it, then WriteConflict, and the retry sees the winner", async () => {
    const coll = t.db.collection<{ k: string; by: string }>("txn_unique_race");
    await coll.createIndex({ k: 1 }, { unique: true });
    const session = t.client.startSession();
    let attempts = 0;
    const errors: number[] = [];
    try {
      await session.withTransaction(async () => {
        attempts += 1;
        // The snapshot is taken here; the winner commits after it.
        const seen = await coll.findOne({ k: "message-1" }, { session });
        if (attempts === 1) await coll.insertOne({ k: "message-1", by: "winner" });
        if (seen) return;
        await coll
          .insertOne({ k: "message-1", by: "loser" }, { session })
          .catch((error: { code?: number }) => {
            errors.push(error.code ?? 0);
            throw error;
          });
      });
    } finally {
      await session.endSession();
    }
    expect(errors).to.deep.equal([112]);
    expect(attempts).to.equal(2);
    expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).to.deep.equal([
      { k: "message-1", by: "winner" },
    ]);
  });

  it("when two open transactions insert one unique key and the first commits, then the second's commit is a retryable WriteConflict, not E11000", async function () {
    skipOnRealMongo(this, "a real server refuses the second insert at once, while the first holds the key");
    const coll = t.db.collection("txn_unique_commit_race");
    await coll.createIndex({ k: 1 }, { unique: true });
    const first = t.client.startSession();
    const second = t.client.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await coll.insertOne({ k: "message-2", by: "first" }, { session: first });
      await coll.insertOne({ k: "message-2", by: "second" }, { session: second });
      await first.commitTransaction();
      const error = await rejection(second.commitTransaction());
      expect(error.code).to.equal(112);
      expect(error.hasErrorLabel?.("TransientTransactionError")).to.equal(true);
    } finally {
      await first.endSession();
      await second.endSession();
    }
    expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).to.deep.equal([
      { k: "message-2", by: "first" },
    ]);
  });
});
