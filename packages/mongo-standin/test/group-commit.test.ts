import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { MongoClient } from "mongodb";
import { Journal } from "../src/journal.js";
import { startStandin } from "../src/index.js";
import { skipOnRealMongo } from "./standin-fixtures.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/cli.ts");

/** Starts the CLI on `dataDir` in its own process (so the test can kill it outright). */
function startProcess(dataDir: string): Promise<{ uri: string; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "--port", "0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout.once("data", (chunk: Buffer) =>
      resolve({
        uri: chunk.toString().trim(),
        kill: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.kill("SIGKILL");
          }),
      }),
    );
  });
}

describe("mongo-standin: grouped journal syncs", () => {
  let dataDir = "";

  beforeEach(async function () {
    skipOnRealMongo(this, "these tests examine the stand-in's journal");
    dataDir = await mkdtemp(path.join(tmpdir(), "standin-group-"));
  });

  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("when records are appended while a sync runs, then they wait for one next sync together and nothing is durable early", async () => {
    const { journal } = Journal.open(dataDir);
    journal.append([{ op: "create", ns: "app.a", options: {} }]);
    const first = journal.durable();
    journal.append([{ op: "create", ns: "app.b", options: {} }]);
    const second = journal.durable();
    journal.append([{ op: "create", ns: "app.c", options: {} }]);
    const third = journal.durable();
    expect(second).to.equal(third);
    expect(second).to.not.equal(first);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await first;
    expect(secondDone).to.equal(false);
    await third;
    expect(secondDone).to.equal(true);
    await journal.close();
    expect(Journal.open(dataDir).replay.records.map((r) => r.ns)).to.deep.equal(["app.a", "app.b", "app.c"]);
  });

  it("when many clients write at once and the server process is killed, then every acknowledged write is there after the restart", async () => {
    const server = await startProcess(dataDir);
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => new MongoClient(server.uri, { maxPoolSize: 10 }).connect()),
    );
    const acknowledged: number[] = [];
    try {
      await Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: 10 }, async (_, w) => {
            for (let i = 0; i < 10; i += 1) {
              const n = c * 1000 + w * 100 + i;
              await client.db("app").collection("acks").insertOne({ n });
              acknowledged.push(n);
            }
          }),
        ),
      );
    } finally {
      await server.kill();
      await Promise.all(clients.map((client) => client.close(true).catch(() => undefined)));
    }
    const standin = await startStandin({ port: 0, dataDir });
    const client = await new MongoClient(standin.uri).connect();
    try {
      const stored = (await client.db("app").collection("acks").find().toArray()).map((d) => d.n as number);
      expect(stored.sort((a, b) => a - b)).to.deep.equal(acknowledged.sort((a, b) => a - b));
      expect(stored).to.have.length(400);
    } finally {
      await client.close();
      await standin.stop();
    }
  });
});
