import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { MongoClient } from "mongodb";
import { acquireDataLock, startStandin, type LockHolder, type Standin } from "../src/index.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/cli.ts");

/** The stand-in's lock beside its journal (what an operator is told to look at). */
const lockFile = (dataDir: string) => path.join(dataDir, "mongo-standin.lock");

/** A pid no process holds any more: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid ?? 0;
}

/** Runs the CLI on `dataDir` until it exits (or 20 s pass) and returns its exit code and stderr. */
function runCli(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe("mongo-standin: one process per data folder", () => {
  let dataDir = "";
  const running: Standin[] = [];

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests examine the stand-in's data folder");
    dataDir = await mkdtemp(path.join(tmpdir(), "standin-lock-"));
  });

  afterEach(async () => {
    for (const standin of running.splice(0)) await standin.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("when a second stand-in opens a folder another one serves, then it is refused before it touches the journal, and the first one's later writes stay", async () => {
    const first = await startStandin({ port: 0, dataDir });
    running.push(first);
    const client = await new MongoClient(first.uri).connect();
    try {
      const coll = client.db("app").collection("counters");
      await coll.insertOne({ _id: "c", n: 0 } as never);
      // Enough journal records that an opener compacts the journal (renames a copy over it).
      for (let i = 0; i < 1_100; i += 1) await coll.updateOne({ _id: "c" } as never, { $inc: { n: 1 } });
      const journal = path.join(dataDir, "journal.bin");
      const before = { inode: statSync(journal).ino, bytes: readFileSync(journal) };

      const second = await startStandin({ port: 0, dataDir }).then(
        (standin) => {
          running.push(standin);
          return "started";
        },
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      expect(second).to.include(dataDir);
      expect(second).to.include(String(process.pid));
      expect(second).to.match(/正被|in use/);
      expect(statSync(journal).ino, "the journal was replaced").to.equal(before.inode);
      expect(readFileSync(journal).equals(before.bytes), "the journal was changed").to.equal(true);

      await coll.insertOne({ _id: "after" } as never);
    } finally {
      await client.close();
    }
    await running.shift()?.stop();
    const reopened = await startStandin({ port: 0, dataDir });
    running.push(reopened);
    const check = await new MongoClient(reopened.uri).connect();
    try {
      const docs = await check.db("app").collection("counters").find().sort({ _id: 1 }).toArray();
      expect(docs).to.deep.equal([{ _id: "after" }, { _id: "c", n: 1_100 }]);
    } finally {
      await check.close();
    }
  });

  it("when a stand-in process is started on a folder a running one serves, then it exits non-zero naming the folder and the holder's pid", async () => {
    running.push(await startStandin({ port: 0, dataDir }));
    const { code, stderr } = await runCli(dataDir);
    expect(code).to.not.equal(0);
    expect(stderr).to.include(dataDir);
    expect(stderr).to.include(String(process.pid));
  });

  it("when the lock's holder died without releasing it, then the next stand-in takes it over and serves the data", async () => {
    const pid = deadPid();
    writeFileSync(
      lockFile(dataDir),
      JSON.stringify({
        pid,
        hostname: hostname(),
        owner: "mongo-standin",
        startedAt: new Date(0).toISOString(),
        token: "x",
      }),
    );
    const standin = await startStandin({ port: 0, dataDir });
    running.push(standin);
    const held = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as { pid: number };
    expect(held.pid).to.equal(process.pid);
  });

  it("when the lock names this very pid but a token this process never held (left before a restart reused the pid), then it is taken over with a message", () => {
    writeFileSync(
      lockFile(dataDir),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        owner: "mongo-standin",
        startedAt: new Date(0).toISOString(),
        token: "left-before-the-restart",
      }),
    );
    const takenOver: Array<LockHolder | null> = [];
    const lock = acquireDataLock(dataDir, {
      file: "mongo-standin.lock",
      owner: "test",
      onTakeover: (stale) => takenOver.push(stale),
    });
    try {
      expect(takenOver.map((stale) => stale?.token)).to.deep.equal(["left-before-the-restart"]);
      const held = JSON.parse(readFileSync(lockFile(dataDir), "utf8")) as LockHolder;
      expect([held.pid, held.owner]).to.deep.equal([process.pid, "test"]);
      expect(held.token).to.not.equal("left-before-the-restart");
    } finally {
      lock.release();
    }
    expect(existsSync(lockFile(dataDir))).to.equal(false);
  });

  it("when this process holds the lock and opens the folder again, then the second opening is refused naming its own pid", () => {
    const lock = acquireDataLock(dataDir, { file: "mongo-standin.lock", owner: "test" });
    try {
      expect(() => acquireDataLock(dataDir, { file: "mongo-standin.lock", owner: "test" }))
        .to.throw(/in use/)
        .with.property("message")
        .that.includes(String(process.pid));
    } finally {
      lock.release();
    }
  });

  it("when a stand-in stops, then its lock is gone and the folder opens again", async () => {
    const first = await startStandin({ port: 0, dataDir });
    expect(existsSync(lockFile(dataDir))).to.equal(true);
    await first.stop();
    expect(existsSync(lockFile(dataDir))).to.equal(false);
    running.push(await startStandin({ port: 0, dataDir }));
  });

  it("when a stand-in cannot listen on its port, then it releases the folder again", async () => {
    const first = await startStandin({ port: 0 });
    running.push(first);
    const refused = await startStandin({ port: first.port, dataDir }).then(
      () => "started",
      () => "refused",
    );
    expect(refused).to.equal("refused");
    expect(existsSync(lockFile(dataDir))).to.equal(false);
  });
});
