import net from "node:net";
import { expect } from "chai";
import { deserialize, serialize, type Document } from "bson";
import { BSONSymbol } from "mongodb";
import { rejection, skipOnRealMongo, useStandinDatabase, type Numbered } from "./standin-fixtures.js";

const OP_MSG = 2013;

/** A document's BSON with its null field `name` made a BSON undefined (type 6; both hold no bytes). */
function withUndefined(doc: Document, name: string): Buffer {
  const bytes = Buffer.from(serialize(doc));
  const at = bytes.indexOf(Buffer.from([10, ...Buffer.from(name), 0]));
  if (at < 0) throw new Error(`no null field ${name}`);
  bytes[at] = 6;
  return bytes;
}

/** One OP_MSG (a kind-0 body, optionally one kind-1 sequence of raw documents) sent on its own connection; its reply. */
function send(uri: string, body: Buffer, sequence?: { id: string; docs: Buffer[] }): Promise<Document> {
  const parts = [Buffer.alloc(4), Buffer.from([0]), body];
  if (sequence) {
    const id = Buffer.from(`${sequence.id}\0`);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + sequence.docs.reduce((n, doc) => n + doc.length, 0), 0);
    parts.push(Buffer.from([1]), size, id, ...sequence.docs);
  }
  const message = Buffer.concat(parts);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + message.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(OP_MSG, 12);
  const { hostname, port } = new URL(uri);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = net.connect(Number(port), hostname, () => socket.write(Buffer.concat([header, message])));
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 16 || received.length < received.readInt32LE(0)) return;
      socket.destroy();
      resolve(deserialize(received.subarray(16 + 5, received.readInt32LE(0))));
    });
  });
}

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
