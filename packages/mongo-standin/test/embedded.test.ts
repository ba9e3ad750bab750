import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { tmpdir } from "node:os";
import { expect } from "chai";
import { keptData, mongodPort, planEmbedded, startEmbeddedDatabase } from "../src/embedded.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

/** What a real mongod leaves in its dbPath (WiredTiger's own metadata file). */
function keepMongodData(dataDir: string): void {
  mkdirSync(path.join(dataDir, "mongod"), { recursive: true });
  writeFileSync(path.join(dataDir, "mongod", "WiredTiger"), "WiredTiger\n");
}

function keepStandinData(dataDir: string): void {
  mkdirSync(path.join(dataDir, "standin"), { recursive: true });
  writeFileSync(path.join(dataDir, "standin", "journal.bin"), Buffer.from([1, 2, 3]));
}

const mongodNever = { mongodCanBeHad: () => Promise.resolve(false) };

describe("embedded database: which one serves a kept data folder", () => {
  let dataDir = "";

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests start the embedded default database");
    dataDir = await mkdtemp(path.join(tmpdir(), "embedded-"));
  });

  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("when the folder holds nothing, then nothing is kept; a mongod's dbPath or a stand-in journal each count", () => {
    expect(keptData(dataDir)).to.equal("none");
    // An empty dbPath or an empty journal (a start that stored nothing) is not data.
    mkdirSync(path.join(dataDir, "mongod"));
    mkdirSync(path.join(dataDir, "standin"));
    writeFileSync(path.join(dataDir, "standin", "journal.bin"), "");
    expect(keptData(dataDir)).to.equal("none");
    keepMongodData(dataDir);
    expect(keptData(dataDir)).to.equal("mongod");
    keepStandinData(dataDir);
    expect(keptData(dataDir)).to.equal("both");
  });

  it("when data are kept, then the database that wrote them serves them, without a fallback to an empty one", () => {
    expect(planEmbedded("none", true)).to.deep.equal({ kind: "try-mongod", fallback: true });
    expect(planEmbedded("none", false)).to.deep.equal({ kind: "standin" });
    expect(planEmbedded("mongod", true)).to.deep.equal({ kind: "try-mongod", fallback: false });
    expect(planEmbedded("standin", true)).to.deep.equal({ kind: "standin" });
    expect(planEmbedded("standin", false)).to.deep.equal({ kind: "standin" });
    // mongodb-memory-server runs a binary it downloaded before without asking the network: the
    // kept data's mongod is tried even where none could be downloaded now.
    expect(planEmbedded("mongod", false)).to.deep.equal({ kind: "try-mongod", fallback: false });
    expect(planEmbedded("both", true).kind).to.equal("refuse");
  });

  it("when a kept mongod data folder's mongod fails to start, then the start is refused naming the folder and the cause, without asking whether a mongod can be downloaded", async () => {
    keepMongodData(dataDir);
    writeFileSync(path.join(dataDir, "mongod.port"), "27999\n");
    let asked = false;
    const tried: unknown[] = [];
    const outcome = await startEmbeddedDatabase(
      { dataDir },
      {
        mongodCanBeHad: () => {
          asked = true;
          return Promise.resolve(false);
        },
        startMongod: (instance) => {
          tried.push(instance);
          return Promise.reject(new Error("no mongod binary in the cache"));
        },
      },
    ).then(
      async (db) => {
        await db.stop();
        return `started ${db.kind}`;
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(asked, "an offline probe is no reason to refuse").to.equal(false);
    expect(tried).to.deep.equal([{ dbPath: path.join(dataDir, "mongod"), port: 27999 }]);
    expect(outcome).to.include(path.join(dataDir, "mongod"));
    expect(outcome).to.include("no mongod binary in the cache");
    expect(existsSync(path.join(dataDir, "standin", "journal.bin"))).to.equal(false);
    expect(existsSync(path.join(dataDir, "mongod", "WiredTiger")), "the kept data stay").to.equal(true);
  });

  it("when mongod data were kept before their port was recorded, then the start is refused saying how to read them or start afresh, and no port is made up", async () => {
    keepMongodData(dataDir);
    const tried: unknown[] = [];
    const outcome = await startEmbeddedDatabase(
      { dataDir },
      {
        startMongod: (instance) => {
          tried.push(instance);
          return Promise.reject(new Error("not reached"));
        },
      },
    ).then(
      async (db) => {
        await db.stop();
        return `started ${db.kind}`;
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(tried).to.deep.equal([]);
    expect(outcome).to.include(`--dbpath ${path.join(dataDir, "mongod")}`);
    expect(outcome).to.match(/移开|move .* aside/);
    expect(outcome).to.not.match(/write the old port/);
    expect(existsSync(path.join(dataDir, "mongod.port"))).to.equal(false);
  });

  it("when both a mongod's and a stand-in's data are kept, then the start is refused naming both folders", async () => {
    keepMongodData(dataDir);
    keepStandinData(dataDir);
    const outcome = await startEmbeddedDatabase({ dataDir }, mongodNever).then(
      async (db) => {
        await db.stop();
        return "started";
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(outcome).to.include(path.join(dataDir, "mongod"));
    expect(outcome).to.include(path.join(dataDir, "standin"));
  });

  it("when a stand-in's data are kept and a mongod could be had, then the stand-in serves them and says why", async () => {
    keepStandinData(dataDir);
    let asked = false;
    const db = await startEmbeddedDatabase(
      { dataDir },
      {
        mongodCanBeHad: () => {
          asked = true;
          return Promise.resolve(true);
        },
      },
    );
    try {
      expect(db.kind).to.equal("standin");
      expect(asked, "no need to look for a mongod").to.equal(false);
    } finally {
      await db.stop();
    }
  });

  it("when a second embedded database starts on a folder in use, then it is refused naming the folder and the holder's pid", async () => {
    const first = await startEmbeddedDatabase({ dataDir }, mongodNever);
    try {
      const second = await startEmbeddedDatabase({ dataDir }, mongodNever).then(
        async (db) => {
          await db.stop();
          return "started";
        },
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(second).to.include(dataDir);
      expect(second).to.include(String(process.pid));
    } finally {
      await first.stop();
    }
  });

  it("when a mongod port is asked for a folder twice, then it is the same port, kept in the folder (its replica-set config names it)", async () => {
    const first = await mongodPort(dataDir);
    expect(first).to.be.within(1, 65_535);
    expect(await mongodPort(dataDir)).to.equal(first);
    expect(readFileSync(path.join(dataDir, "mongod.port"), "utf8").trim()).to.equal(String(first));
  });
});
