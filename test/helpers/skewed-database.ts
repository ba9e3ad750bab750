import net from "node:net";
import mongoose from "mongoose";

const OP_MSG = 2013;
/** OP_MSG flag bit 0: a CRC-32C follows the sections (dropped here: the body changes). */
const CHECKSUM_PRESENT = 1;

/**
 * An OP_MSG reply whose body carries `localTime` (a `hello`), with that time moved by `offsetMs`;
 * any other message unchanged. The body is the first section (kind 0), as servers send it.
 */
function skewed(message: Buffer, offsetMs: number): Buffer {
  if (message.readInt32LE(12) !== OP_MSG || message.readUInt8(20) !== 0) return message;
  const flags = message.readUInt32LE(16);
  const size = message.readInt32LE(21);
  const body = mongoose.mongo.BSON.deserialize(message.subarray(21, 21 + size));
  if (!(body.localTime instanceof Date)) return message;
  body.localTime = new Date(body.localTime.getTime() + offsetMs);
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  const rest = message.subarray(21 + size, end);
  const doc = Buffer.from(mongoose.mongo.BSON.serialize(body));
  const head = Buffer.from(message.subarray(0, 21));
  head.writeUInt32LE(flags & ~CHECKSUM_PRESENT, 16);
  const out = Buffer.concat([head, doc, rest]);
  out.writeInt32LE(out.length, 0);
  return out;
}

/**
 * A TCP proxy in front of the test database whose server clock, as a node reads it (`hello`'s
 * `localTime`, see server/lib/database-clock.ts), is `offsetMs` away from this process's: how a
 * test runs a node whose own clock has drifted from its database's. The test database runs in this
 * process (or on this machine), so only the proxy can set the two clocks apart. Everything else
 * passes through unchanged.
 */
export async function startSkewedDatabase(
  targetUri: string,
  offsetMs: number,
): Promise<{ uri: string; stop(): Promise<void> }> {
  const target = new URL(targetUri.replace(/^mongodb(\+srv)?:/, "http:"));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 27017), target.hostname);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
    client.on("data", (chunk) => upstream.write(chunk));
    // Replies are cut into whole messages (a chunk may hold part of one, or several).
    let pending = Buffer.alloc(0);
    upstream.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        client.write(skewed(message, offsetMs));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
