import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connectMongo } from "../../../server/lib/mongo.js";
import { createLogger } from "../../../server/lib/logger.js";
import { startNode } from "../../../server/main.js";
import { testDatabase, uniqueDbName } from "../../helpers/database.js";
import { trackChild } from "../../helpers/interrupt.js";
import { testConfig } from "../../helpers/test-config.js";
import { startWireProxy } from "../../helpers/wire-proxy.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const silent = createLogger({ level: "silent" });

function provinceConfig() {
  return testConfig({
    NODE_ENV: "test",
    ROLE: "province",
    PROVINCE_CODE: "320000",
    PORT: "0",
    LOG_LEVEL: "silent",
    SHUTDOWN_TIMEOUT_MS: "2000",
  });
}

/** Starts a node and answers the error it refused to start with; a node that did start is stopped and fails the test. */
async function bootRefusal(mongoUri: string, dbName: string): Promise<Error> {
  const outcome = await startNode(provinceConfig(), { mongoUri, dbName, logger: silent }).then(
    (node) => node,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  if (outcome instanceof Error) return outcome;
  await outcome.ctx.conn.dropDatabase().catch(() => undefined);
  await outcome.stop();
  throw new Error("the node started");
}

/** Runs `node --import tsx <args>` in the repository with exactly `env` (plus PATH); how it ended. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, ["--import", "tsx", ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("boot checks of the database and the process", function () {
  this.timeout(120_000);

  it("when the database is a standalone server (no replica set), then the node refuses to start and says transactions need a replica set", async () => {
    const proxy = await startWireProxy((await testDatabase()).uri);
    proxy.actStandalone();
    try {
      const err = await bootRefusal(proxy.uri(), uniqueDbName("standalone"));
      expect(err.message).to.include("not a replica set").and.to.include("transactions");
    } finally {
      await proxy.stop();
    }
  });

  it("when a unique index cannot be built over duplicates already stored, then the node refuses to start naming the model and the index", async () => {
    const db = await testDatabase();
    const dbName = uniqueDbName("dupidx");
    const conn = await connectMongo(db.uri, { dbName });
    try {
      // As a release that adds a unique index would find them: two staff accounts of one name.
      await conn.collection("staff_users").insertMany([
        { username: "twice", displayName: "一", roles: [] },
        { username: "twice", displayName: "二", roles: [] },
      ]);
      const err = await bootRefusal(db.uri, dbName);
      expect(err.message).to.include("StaffUser").and.to.include("username_1");
    } finally {
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
    }
  });

  it("when the production entry runs without NODE_ENV=production, then it refuses to start and says why", async () => {
    const { code, out } = await run(["server/main.ts"], {
      ROLE: "hub",
      MONGODB_URI: "mongodb://127.0.0.1:1/x",
      LOG_LEVEL: "silent",
    });
    expect(code).to.equal(1);
    expect(out).to.include("NODE_ENV=production");
  });

  it("when a promise nobody awaits rejects, then the process logs it loudly and keeps serving", async () => {
    const script = [
      'const { logUnhandledRejections } = await import("./server/main.ts");',
      'const { createLogger } = await import("./server/lib/logger.ts");',
      'logUnhandledRejections(createLogger({ level: "info", name: "t" }));',
      'void Promise.reject(new Error("nobody awaits this"));',
      'setTimeout(() => console.log("STILL RUNNING"), 300);',
    ].join("\n");
    const { code, out } = await run(["--input-type=module", "-e", script], {});
    expect(code).to.equal(0);
    expect(out).to.include("STILL RUNNING").and.to.include("nobody awaits this");
    const line = out.split("\n").find((l) => l.includes("unhandled promise rejection"));
    expect(line, out).to.be.a("string");
    expect((JSON.parse(line ?? "{}") as { level: number }).level).to.equal(50);
  });
});
