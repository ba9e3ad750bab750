import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { MongoClient } from "mongodb";
import { skipOnRealMongo } from "./standin-fixtures.js";

describe("mongo-standin: command line", () => {
  it("when `db:standin` starts, then it prints one connection URI line that real drivers can use", async function () {
    skipOnRealMongo(this, "this starts the stand-in's own CLI");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("../src/cli.ts", import.meta.url)), "--port", "0"],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, "line")) as [string];
      expect(line).to.match(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
      const client = await new MongoClient(line).connect();
      await client.db("cli").collection("c").insertOne({ ok: true });
      expect(await client.db("cli").collection("c").countDocuments()).to.equal(1);
      await client.close();
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
  });

  it("when the stand-in runs with --gc-log, then each garbage collection is written to that file as one JSON line", async function () {
    skipOnRealMongo(this, "this starts the stand-in's own CLI");
    const dir = await mkdtemp(path.join(tmpdir(), "standin-gc-"));
    const file = path.join(dir, "gc.jsonl");
    const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0", "--gc-log", file], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
      const client = await new MongoClient(line).connect();
      // About 40 MB of documents through the stand-in's heap: more than one young generation.
      const big = "x".repeat(4000);
      for (let i = 0; i < 10; i++)
        await client
          .db("cli")
          .collection("gc")
          .insertMany(Array.from({ length: 1000 }, (_, j) => ({ i, j, big: `${big}${j}` })));
      await client.close();
      let entries: { at: string; gc: string; ms: number; heapMB: number }[] = [];
      for (let tries = 0; tries < 50 && entries.length === 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const text = await readFile(file, "utf8").catch(() => "");
        entries = text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as (typeof entries)[number]);
      }
      expect(entries.length).to.be.greaterThan(0);
      for (const e of entries) {
        expect(Date.parse(e.at)).to.be.a("number").and.not.be.NaN;
        expect(e.gc).to.be.oneOf(["minor", "major", "incremental", "weakcb"]);
        expect(e.ms).to.be.a("number");
        expect(e.heapMB).to.be.greaterThan(0);
      }
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
