import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { trackChild } from "../../helpers/interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Runs `scripts/node.ts` with exactly `env` (plus PATH). Stopped as soon as it names a database: a
 * script that got that far did not refuse production, and would go on to start or seed one.
 */
function runNodeScript(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; out: string; pastRefusal: boolean }> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/node.ts"), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let out = "";
    let pastRefusal = false;
    const collect = (chunk: string) => {
      out += chunk;
      if (!pastRefusal && out.includes("database:")) {
        pastRefusal = true;
        child.kill("SIGKILL");
      }
    };
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out, pastRefusal }));
  });
}

/** A production province whose settings all pass: only the entry it is started with is wrong. */
const production = {
  NODE_ENV: "production",
  ROLE: "province",
  PROVINCE_CODE: "320000",
  SESSION_SECRET: "s".repeat(32),
  TRUST_PROXY: "true",
  HUB_URL: "https://hub.example.gov.cn",
  HUB_PUBLIC_KEY: "A".repeat(43),
  SINGLE_INSTANCE: "true",
  LOG_LEVEL: "info",
};

describe("scripts/node.ts in production", () => {
  let dataDir = "";
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "roadcert-node-script-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("when NODE_ENV=production with --seed-demo and no MONGODB_URI, then it exits naming NODE_ENV before any database or demo account exists", async () => {
    const { code, out, pastRefusal } = await runNodeScript({ ...production, DATA_DIR: dataDir }, [
      "--seed-demo",
    ]);
    expect(pastRefusal, out).to.equal(false);
    expect(code, out).to.equal(1);
    expect(out).to.include("NODE_ENV=production").and.to.include("server/main");
    // Nothing was made: no embedded database folder, no keys.
    expect(readdirSync(dataDir)).to.deep.equal([]);
  });

  it("when NODE_ENV=production with a MONGODB_URI, then it still exits: the production entry is server/main", async () => {
    const { code, out, pastRefusal } = await runNodeScript(
      { ...production, DATA_DIR: dataDir, MONGODB_URI: "mongodb://127.0.0.1:1/x" },
      [],
    );
    expect(pastRefusal, out).to.equal(false);
    expect(code, out).to.equal(1);
    expect(out).to.include("NODE_ENV=production");
  });
});
