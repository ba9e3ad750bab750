import net from "node:net";
import mongoose from "mongoose";

type Doc = Record<string, unknown>;

const OP_REPLY = 1;
const OP_MSG = 2013;
const { BSON } = mongoose.mongo;

/** The command or reply document of an OP_MSG (its kind-0 body), or of an OP_REPLY (its first document). */
function bodyOf(message: Buffer): { doc: Doc; at: number } | null {
  const opCode = message.readInt32LE(12);
  // OP_MSG: header (16), flag bits (4), then the kind-0 section: kind byte, then the document.
  if (opCode === OP_MSG && message.readUInt8(20) === 0)
    // Only the body's own bytes: a bulk write's document sequences (kind 1) follow it.
    return { doc: BSON.deserialize(message.subarray(21, 21 + message.readInt32LE(21))) as Doc, at: 21 };
  // OP_REPLY (the answer to the driver's first, legacy handshake): header, flags (4), cursor id (8),
  // starting from (4), number returned (4), then the documents.
  if (opCode === OP_REPLY)
    return {
      doc: BSON.deserialize(message.subarray(36), { allowObjectSmallerThanBufferSize: true }) as Doc,
      at: 36,
    };
  return null;
}

/** `message` with its body document replaced by `doc` (lengths rewritten; OP_MSG checksums are never sent here). */
function withBody(message: Buffer, at: number, doc: Doc): Buffer {
  const body = Buffer.from(BSON.serialize(doc));
  const oldSize = message.readInt32LE(at);
  const out = Buffer.concat([message.subarray(0, at), body, message.subarray(at + oldSize)]);
  out.writeInt32LE(out.length, 0);
  return out;
}

/** An OP_MSG reply to request `requestId` whose body is `doc`. */
function reply(requestId: number, doc: Doc): Buffer {
  const body = Buffer.from(BSON.serialize(doc));
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(0, 4);
  header.writeInt32LE(requestId, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}

/** Splits a byte stream into whole wire messages, handing each to `onMessage` in order. */
function framer(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const message = pending.subarray(0, pending.readInt32LE(0));
      pending = pending.subarray(message.length);
      onMessage(message);
    }
  };
}

/**
 * A TCP proxy in front of the test database that changes what the node is told, to stage what
 * the stand-in never says: a standalone server (hello without `setName`), or one command that
 * fails. Connect with `?directConnection=true` (the URI it returns has it), or the driver would
 * follow the replica set's member address past the proxy.
 */
export async function startWireProxy(targetUri: string): Promise<{
  /** The proxy's URI, with `dbName` as its default database when given. */
  uri: (dbName?: string) => string;
  /** From now on, hello answers look like a standalone mongod's (no setName, hosts, primary). */
  actStandalone(): void;
  /**
   * From now on, hello answers' `localTime` is `offsetMs` away from the server's: how a test runs a
   * node whose own clock has drifted from its database's (server/lib/database-clock.ts reads it).
   */
  skewClock(offsetMs: number): void;
  /** Answers the next `times` commands matching `match` with `{ ok: 0 }` instead of forwarding them. */
  fail(match: (command: Doc) => boolean, times?: number): void;
  /** Commands failed so far. */
  failed(): number;
  stop(): Promise<void>;
}> {
  const target = new URL(targetUri.replace(/^mongodb(\+srv)?:/, "http:"));
  const sockets = new Set<net.Socket>();
  let standalone = false;
  let clockSkewMs = 0;
  const failures: { match: (c: Doc) => boolean; left: number }[] = [];
  let failedCount = 0;

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
    upstream.on(
      "data",
      framer((message) => {
        const body = standalone || clockSkewMs !== 0 ? bodyOf(message) : null;
        if (body && ((standalone && "setName" in body.doc) || body.doc.localTime instanceof Date)) {
          let doc = body.doc;
          if (standalone) {
            const {
              setName: _s,
              setVersion: _v,
              hosts: _h,
              primary: _p,
              me: _m,
              electionId: _e,
              ...rest
            } = doc;
            doc = rest;
          }
          if (doc.localTime instanceof Date) doc.localTime = new Date(doc.localTime.getTime() + clockSkewMs);
          client.write(withBody(message, body.at, doc));
        } else client.write(message);
      }),
    );
    client.on(
      "data",
      framer((message) => {
        const body = message.readInt32LE(12) === OP_MSG ? bodyOf(message) : null;
        const failure = body ? failures.find((f) => f.left > 0 && f.match(body.doc)) : undefined;
        if (failure) {
          failure.left -= 1;
          failedCount += 1;
          client.write(
            reply(message.readInt32LE(4), {
              ok: 0,
              errmsg: "failed by the test's wire proxy",
              code: 2,
              codeName: "BadValue",
            }),
          );
          return;
        }
        upstream.write(message);
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    uri: (dbName = "") => `mongodb://127.0.0.1:${port}/${dbName}?directConnection=true`,
    actStandalone() {
      standalone = true;
    },
    skewClock(offsetMs) {
      clockSkewMs = offsetMs;
    },
    fail(match, times = 1) {
      failures.push({ match, left: times });
    },
    failed: () => failedCount,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
