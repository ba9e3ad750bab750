import { spawn } from "node:child_process";
import { once } from "node:events";
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
});
