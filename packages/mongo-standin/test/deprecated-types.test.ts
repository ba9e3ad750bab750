import { expect } from "chai";
import { serialize } from "bson";
import { BSONSymbol } from "mongodb";
import { send, withUndefined } from "./raw-messages.js";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const refusal = (message: string): boolean =>
  message.startsWith("mongo-standin does not support storing a BSON");

/**
 * BSON symbol (14) and undefined (6) are deprecated types the server still stores and returns as
 * such (`$type` "symbol", "undefined"). The stand-in decodes them as bson does, a symbol as a
 * string and undefined as null, so it would store a different type than was sent: it refuses any
 * insert, update or replacement carrying one, with 2 (BadValue), the code of its other refusals.
 */
describe("mongo-standin: deprecated BSON types", () => {
  const t = useStandinDatabase("standin_deprecated_types");

  it("when an insert, update or replacement carries a BSON symbol, then the stand-in refuses it and stores nothing", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("symbols");
    await coll.insertOne({ _id: 1, s: "x" });
    const errors = [
      await rejection(coll.insertOne({ _id: 2, s: new BSONSymbol("x") })),
      await rejection(coll.updateOne({ _id: 1 }, { $set: { s: new BSONSymbol("y") } })),
      await rejection(coll.replaceOne({ _id: 1 }, { s: [new BSONSymbol("z")] })),
      await rejection(coll.findOneAndUpdate({ _id: 1 }, { $set: { t: { deep: new BSONSymbol("w") } } })),
    ];
    expect(errors.map((error) => [error.code, refusal(error.message)])).to.deep.equal([
      [2, true],
      [2, true],
      [2, true],
      [2, true],
    ]);
    expect(await coll.find().toArray()).to.deep.equal([{ _id: 1, s: "x" }]);
  });

  it("when an insert or update carries a BSON undefined, then the stand-in refuses it and stores nothing", async function () {
    skipOnRealMongo(this, "the refusal is the stand-in's own");
    const coll = t.db.collection<Numbered>("undefineds");
    await coll.insertOne({ _id: 1, u: 1 });
    const inserted = await send(t.uri, Buffer.from(serialize({ insert: "undefineds", $db: t.dbName })), {
      id: "documents",
      docs: [withUndefined({ _id: 2, u: null }, "u")],
    });
    const updated = await send(
      t.uri,
      withUndefined(
        { update: "undefineds", $db: t.dbName, updates: [{ q: { _id: 1 }, u: { $set: { u: null } } }] },
        "u",
      ),
    );
    // In a sequence the statement fails; in the command's own body the whole command does.
    const [error] = (inserted.writeErrors ?? []) as Array<{ code: number; errmsg: string }>;
    expect([
      [inserted.ok, error?.code, refusal(error?.errmsg ?? "")],
      [updated.ok, updated.code, refusal(String(updated.errmsg))],
    ]).to.deep.equal([
      [1, 2, true],
      [0, 2, true],
    ]);
    expect(await coll.find().toArray()).to.deep.equal([{ _id: 1, u: 1 }]);
  });
});
