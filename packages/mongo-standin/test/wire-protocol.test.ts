import net from "node:net";
import { expect } from "chai";
import { deserialize, serialize, type Document } from "bson";
import { MongoClient } from "mongodb";
import { startStandin, type Standin } from "../src/index.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;

function frame(requestId: number, opCode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

function opMsg(
  requestId: number,
  command: Document,
  options: { flags?: number; sequence?: { id: string; docs: Document[] } } = {},
): Buffer {
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(options.flags ?? 0, 0);
  const parts = [flags, Buffer.from([0]), Buffer.from(serialize(command))];
  if (options.sequence) {
    const id = Buffer.from(`${options.sequence.id}\0`);
    const docs = options.sequence.docs.map((doc) => Buffer.from(serialize(doc)));
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + docs.reduce((n, d) => n + d.length, 0), 0);
    parts.push(Buffer.from([1]), size, id, ...docs);
  }
  return frame(requestId, OP_MSG, Buffer.concat(parts));
}

/** A raw connection that collects replies (decoded OP_MSG/OP_REPLY documents) and notices close. */
class RawConnection {
  readonly replies: Array<{ responseTo: number; doc: Document }> = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private readonly socket: net.Socket;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 16 && this.buffer.length >= this.buffer.readInt32LE(0)) {
        const length = this.buffer.readInt32LE(0);
        const message = this.buffer.subarray(0, length);
        const opCode = message.readInt32LE(12);
        const docStart = opCode === OP_REPLY ? 16 + 20 : 16 + 5;
        this.replies.push({
          responseTo: message.readInt32LE(8),
          doc: deserialize(message.subarray(docStart)),
        });
        this.buffer = this.buffer.subarray(length);
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `done()` holds (checked on every reply and on close). */
  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  end(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

describe("mongo-standin: wire protocol and bad input", () => {
  let standin: Standin;
  let client: MongoClient;

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests send raw frames to a stand-in they start themselves");
    standin = await startStandin({ port: 0 });
    client = await new MongoClient(standin.uri).connect();
  });

  afterEach(async () => {
    await client?.close();
    await standin?.stop();
  });

  it("when a legacy OP_QUERY isMaster arrives, then the answer is an OP_REPLY describing a writable primary", async () => {
    const conn = await RawConnection.open(standin.port);
    const body = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from("admin.$cmd\0"),
      Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from(serialize({ isMaster: 1, helloOk: true })),
    ]);
    conn.send(frame(7, OP_QUERY, body));
    await conn.until(() => conn.replies.length === 1);
    expect(conn.replies[0]?.responseTo).to.equal(7);
    expect(conn.replies[0]?.doc).to.include({ ok: 1, ismaster: true, helloOk: true });
    expect(conn.replies[0]?.doc).to.not.have.property("topologyVersion");
    conn.end();
  });

  it("when an OP_MSG carries a kind-1 document sequence, then the documents are merged into the command", async () => {
    const conn = await RawConnection.open(standin.port);
    conn.send(
      opMsg(1, { insert: "seq", $db: "wire" }, { sequence: { id: "documents", docs: [{ a: 1 }, { a: 2 }] } }),
    );
    await conn.until(() => conn.replies.length === 1);
    expect(conn.replies[0]?.doc).to.include({ ok: 1, n: 2 });
    expect(await client.db("wire").collection("seq").countDocuments()).to.equal(2);
    conn.end();
  });

  it("when an OP_MSG sets moreToCome, then it is executed without a reply", async () => {
    const conn = await RawConnection.open(standin.port);
    conn.send(opMsg(1, { insert: "quiet", documents: [{ q: 1 }], $db: "wire" }, { flags: MORE_TO_COME }));
    conn.send(opMsg(2, { ping: 1, $db: "admin" }));
    await conn.until(() => conn.replies.length === 1);
    expect(conn.replies.map((r) => r.responseTo)).to.deep.equal([2]);
    expect(await client.db("wire").collection("quiet").countDocuments()).to.equal(1);
    conn.end();
  });

  const badInputs: Array<[string, () => Buffer]> = [
    ["a length shorter than the header", () => Buffer.from([5, 0, 0, 0, 1, 2, 3, 4])],
    ["an unknown opcode", () => frame(1, 9999, Buffer.alloc(8))],
    ["a declared size beyond maxMessageSizeBytes", () => Buffer.from([0, 0, 0, 0x7f])],
    [
      "invalid BSON in an OP_MSG",
      () =>
        frame(
          1,
          OP_MSG,
          Buffer.concat([
            Buffer.alloc(4),
            Buffer.from([0]),
            Buffer.from([12, 0, 0, 0, 0x02, 0x61, 0, 0xff, 0xff, 0xff, 0x7f, 0]),
          ]),
        ),
    ],
    [
      "a document whose length runs past the message",
      () =>
        frame(1, OP_MSG, Buffer.concat([Buffer.alloc(4), Buffer.from([0]), Buffer.from([0xff, 0, 0, 0, 0])])),
    ],
  ];
  for (const [what, bytes] of badInputs) {
    it(`when a client sends ${what}, then only that connection is closed and others keep working`, async () => {
      const bystander = await RawConnection.open(standin.port);
      const offender = await RawConnection.open(standin.port);
      offender.send(bytes());
      await offender.until(() => offender.closed);
      bystander.send(opMsg(3, { ping: 1, $db: "admin" }));
      await bystander.until(() => bystander.replies.length === 1);
      expect(bystander.replies[0]?.doc.ok).to.equal(1);
      expect((await client.db("admin").command({ ping: 1 })).ok).to.equal(1);
      bystander.end();
    });
  }
});
