import { appendFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { MongoClient } from "mongodb";
import { startStandin } from "../src/index.js";
import { rejection, skipOnRealMongo } from "./standin-fixtures.js";

/** Runs `work` against a stand-in on `dataDir`, then stops it (a clean restart boundary). */
async function withServer<T>(dataDir: string, work: (client: MongoClient) => Promise<T>): Promise<T> {
  const standin = await startStandin({ port: 0, dataDir });
  const client = await new MongoClient(standin.uri).connect();
  try {
    return await work(client);
  } finally {
    await client.close();
    await standin.stop();
  }
}

describe("mongo-standin: persistence in a data directory", () => {
  let dataDir = "";

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests restart a stand-in on its own data directory");
    dataDir = await mkdtemp(path.join(tmpdir(), "standin-persist-"));
  });

  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("when the server restarts, then documents, unique indexes, drops and committed transactions are all still there", async () => {
    await withServer(dataDir, async (client) => {
      const coll = client.db("app").collection("users");
      await coll.createIndex({ email: 1 }, { unique: true });
      await coll.insertMany([
        { email: "a@x", n: 1 },
        { email: "b@x", n: 2 },
      ]);
      await coll.updateOne({ email: "a@x" }, { $set: { n: 10 } });
      await coll.deleteOne({ email: "b@x" });
      await client.db("app").collection("gone").insertOne({ x: 1 });
      await client.db("app").collection("gone").drop();
      const session = client.startSession();
      await session.withTransaction(async () => {
        await coll.insertOne({ email: "t@x", n: 3 }, { session });
      });
      await session.endSession();
      const aborted = client.startSession();
      aborted.startTransaction();
      await coll.insertOne({ email: "never@x" }, { session: aborted });
      await aborted.abortTransaction();
      await aborted.endSession();
    });
    await withServer(dataDir, async (client) => {
      const coll = client.db("app").collection("users");
      const docs = await coll
        .find({}, { projection: { _id: 0 } })
        .sort({ email: 1 })
        .toArray();
      expect(docs).to.deep.equal([
        { email: "a@x", n: 10 },
        { email: "t@x", n: 3 },
      ]);
      expect((await rejection(coll.insertOne({ email: "a@x" }))).code).to.equal(11000);
      const names = (await client.db("app").listCollections({}, { nameOnly: true }).toArray()).map(
        (c) => c.name,
      );
      expect(names).to.deep.equal(["users"]);
    });
  });

  it("when the last journal record is torn by a crash, then the server starts, keeps everything before it and journals on", async () => {
    await withServer(dataDir, async (client) => {
      await client
        .db("app")
        .collection("c")
        .insertMany([{ i: 1 }, { i: 2 }]);
    });
    // A record header promising 200 bytes followed by only a few: a write cut short.
    const torn = Buffer.alloc(14);
    torn.writeUInt32LE(200, 0);
    await appendFile(path.join(dataDir, "journal.bin"), torn);
    await withServer(dataDir, async (client) => {
      const coll = client.db("app").collection("c");
      expect(await coll.countDocuments()).to.equal(2);
      await coll.insertOne({ i: 3 });
    });
    await withServer(dataDir, async (client) => {
      const values = (await client.db("app").collection("c").find().sort({ i: 1 }).toArray()).map((d) => d.i);
      expect(values).to.deep.equal([1, 2, 3]);
    });
  });

  it("when the last journal record fails its checksum, then it is skipped and the rest replays", async () => {
    await withServer(dataDir, async (client) => {
      await client.db("app").collection("c").insertOne({ keep: true });
      await client.db("app").collection("c").insertOne({ corrupt: true });
    });
    const file = path.join(dataDir, "journal.bin");
    const { size } = await stat(file);
    const handle = await import("node:fs/promises").then((fs) => fs.open(file, "r+"));
    await handle.write(Buffer.from([0xee]), 0, 1, size - 3);
    await handle.close();
    await withServer(dataDir, async (client) => {
      const docs = await client
        .db("app")
        .collection("c")
        .find({}, { projection: { _id: 0 } })
        .toArray();
      expect(docs).to.deep.equal([{ keep: true }]);
    });
  });

  it("when the journal has grown far beyond the live data, then a restart compacts it without losing anything", async () => {
    await withServer(dataDir, async (client) => {
      const coll = client.db("app").collection("counter");
      await coll.insertOne({ _id: "c" as never, n: 0 });
      for (let i = 0; i < 1_100; i += 1) await coll.updateOne({ _id: "c" as never }, { $inc: { n: 1 } });
    });
    const before = (await stat(path.join(dataDir, "journal.bin"))).size;
    await withServer(dataDir, async (client) => {
      expect(
        (
          await client
            .db("app")
            .collection("counter")
            .findOne({ _id: "c" as never })
        )?.n,
      ).to.equal(1_100);
    });
    const after = (await stat(path.join(dataDir, "journal.bin"))).size;
    expect(after).to.be.lessThan(before / 10);
    await withServer(dataDir, async (client) => {
      expect(
        (
          await client
            .db("app")
            .collection("counter")
            .findOne({ _id: "c" as never })
        )?.n,
      ).to.equal(1_100);
    });
  });
});
