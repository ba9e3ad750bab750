import { expect } from "chai";
import { Long, serialize, UUID, type Document } from "bson";
import { send } from "./raw-messages.js";
import { useStandinDatabase } from "./standin-fixtures.js";

/**
 * Retryable writes (`lsid` and `txnNumber` without `autocommit: false`): a driver with
 * retryWrites resends a write whose reply it lost with the same `txnNumber`, and the server answers
 * the repeat from the session's record of executed statements instead of applying it again.
 * The commands are sent as raw messages so that both copies carry the same session and number.
 */
describe("mongo-standin: retryable writes", () => {
  const t = useStandinDatabase("standin_retryable");

  function write(body: Document, lsid: Document, txnNumber: number): Promise<Document> {
    return send(
      t.uri,
      Buffer.from(serialize({ ...body, $db: t.dbName, lsid, txnNumber: Long.fromNumber(txnNumber) })),
    );
  }

  it("when an update is sent twice with the same txnNumber, then it is applied once and the repeat gets the same answer", async () => {
    await t.db.collection("counters").insertOne({ _id: 1 as never, n: 0 });
    const lsid = { id: new UUID() };
    const update = { update: "counters", updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }] };
    const first = await write(update, lsid, 1);
    const repeat = await write(update, lsid, 1);
    expect([first.ok, first.n, first.nModified]).to.deep.equal([1, 1, 1]);
    expect([repeat.ok, repeat.n, repeat.nModified]).to.deep.equal([1, 1, 1]);
    expect((await t.db.collection("counters").findOne({ _id: 1 as never }))?.n).to.equal(1);
    await write(update, lsid, 2);
    expect((await t.db.collection("counters").findOne({ _id: 1 as never }))?.n).to.equal(2);
  });

  it("when an insert or a findAndModify is repeated, then no duplicate key and no second change", async () => {
    const lsid = { id: new UUID() };
    const insert = { insert: "items", documents: [{ _id: 1, v: 1 }] };
    expect((await write(insert, lsid, 5)).n).to.equal(1);
    const repeat = await write(insert, lsid, 5);
    expect([repeat.ok, repeat.n, repeat.writeErrors]).to.deep.equal([1, 1, undefined]);
    const modify = { findAndModify: "items", query: { _id: 1 }, update: { $inc: { v: 1 } }, new: true };
    expect(((await write(modify, lsid, 6)).value as Document).v).to.equal(2);
    expect(((await write(modify, lsid, 6)).value as Document).v).to.equal(2);
    expect((await t.db.collection("items").findOne({ _id: 1 as never }))?.v).to.equal(2);
  });

  it("when a write comes with a txnNumber lower than the session's last, then it fails with TransactionTooOld", async () => {
    const lsid = { id: new UUID() };
    await write({ insert: "old", documents: [{ _id: 1 }] }, lsid, 3);
    const reply = await write({ insert: "old", documents: [{ _id: 2 }] }, lsid, 2);
    expect([reply.ok, reply.code, reply.codeName]).to.deep.equal([0, 225, "TransactionTooOld"]);
    expect(await t.db.collection("old").countDocuments()).to.equal(1);
  });
});
