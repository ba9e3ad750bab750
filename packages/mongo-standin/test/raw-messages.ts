import net from "node:net";
import { deserialize, serialize, type Document } from "bson";

const OP_MSG = 2013;

/**
 * A document's BSON with its null field `name` made a BSON undefined (type 6; both hold no bytes):
 * the codec writes a JavaScript undefined as null, so a test makes the deprecated type by hand.
 */
export function withUndefined(doc: Document, name: string): Buffer {
  const bytes = Buffer.from(serialize(doc));
  const at = bytes.indexOf(Buffer.from([10, ...Buffer.from(name), 0]));
  if (at < 0) throw new Error(`no null field ${name}`);
  bytes[at] = 6;
  return bytes;
}

/** The string a field must hold for `withDbPointer` to make it a DBPointer to "ns" (same size: 4 + 15 bytes). */
export const DB_POINTER_PLACEHOLDER = "ns\u0000abcdefghijk";

/**
 * A document's BSON with its string field `name` (holding `DB_POINTER_PLACEHOLDER`) made a BSON
 * DBPointer (type 12) to namespace "ns" and the ObjectId 6162…6b00: the codec cannot write that
 * type, and a same-size value keeps every enclosing length right.
 */
export function withDbPointer(doc: Document, name: string): Buffer {
  const bytes = Buffer.from(serialize(doc));
  const at = bytes.indexOf(Buffer.from([2, ...Buffer.from(name), 0, 15, 0, 0, 0, 0x6e, 0x73, 0]));
  if (at < 0) throw new Error(`no placeholder field ${name}`);
  bytes[at] = 12;
  bytes.writeInt32LE(3, at + 2 + Buffer.byteLength(name));
  return bytes;
}

/** One OP_MSG (a kind-0 body, optionally one kind-1 sequence of raw documents) sent on its own connection; its reply. */
export function send(
  uri: string,
  body: Buffer,
  sequence?: { id: string; docs: Buffer[] },
): Promise<Document> {
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
