import { expect } from "chai";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { trackChild } from "../../helpers/interrupt.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Runs `scripts/node.ts` (with `args`) with exactly `env` (plus PATH) and collects how it ended. */
function bootNode(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/node.ts"), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "ignore", "pipe"],
      }),
    );
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

/**
 * Runs `entry` (default `scripts/node.ts`) with exactly `env` (plus PATH) until its log says
 * `marker`, then stops it (the database it names need not exist: the marker comes before any
 * connection is used).
 */
function bootUntilLogged(
  env: Record<string, string>,
  marker: string,
  entry = "scripts/node.ts",
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = trackChild(
      spawn(process.execPath, ["--import", "tsx", path.join(root, entry)], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let out = "";
    const collect = (chunk: string) => {
      out += chunk;
      if (out.includes(marker)) child.kill("SIGKILL");
    };
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    child.once("error", reject);
    child.once("exit", () => resolve(out));
  });
}

describe("boot", () => {
  it("when the environment has several bad keys, then the node refuses to start and names every one", async () => {
    const { code, stderr } = await bootNode({
      ROLE: "province",
      PORT: "-1",
      MONGODB_URI: "mysql://x",
      LOG_LEVEL: "chatty",
    });
    expect(code).to.equal(1);
    expect(stderr).to.include("Invalid configuration");
    for (const key of ["PROVINCE_CODE", "PORT", "MONGODB_URI", "LOG_LEVEL"])
      expect(stderr).to.include(`- ${key}:`);
  });

  for (const [args, says] of [
    [["--db-nam", "roadcert_js"], "Unknown option '--db-nam'"],
    [["--db-name", "roadcert.js"], '--db-name "roadcert.js": not a MongoDB database name'],
    [["--seed-demo=yes"], "--seed-demo"],
  ] as const)
    it(`when the node is started with ${args.join(" ")}, then it refuses to start and says which flag`, async () => {
      // A hub on its embedded database: everything else about this start is valid.
      const { code, stderr } = await bootNode({ ROLE: "hub", DATA_DIR: "/nonexistent-roadcert-data" }, [
        ...args,
      ]);
      expect(code).to.equal(1);
      expect(stderr).to.include(`node failed to start: `).and.to.include(says);
    });

  it("when production runs without SESSION_SECRET, then the node refuses to start and says so", async () => {
    const { code, stderr } = await bootNode({
      NODE_ENV: "production",
      ROLE: "hub",
      MONGODB_URI: "mongodb://127.0.0.1:1/x",
    });
    expect(code).to.equal(1);
    expect(stderr).to.include("- SESSION_SECRET: is required in production");
  });

  it("when production has neither TRUST_PROXY nor COOKIE_SECURE=false, then the node refuses to start and says so", async () => {
    const { code, stderr } = await bootNode({
      NODE_ENV: "production",
      ROLE: "hub",
      MONGODB_URI: "mongodb://127.0.0.1:1/x",
      SESSION_SECRET: "s".repeat(32),
    });
    expect(code).to.equal(1);
    expect(stderr).to.include("- TRUST_PROXY: production needs TRUST_PROXY=true");
  });

  it("when production opts out with COOKIE_SECURE=false, then the node starts and logs an insecure-configuration warning", async () => {
    const out = await bootUntilLogged(
      {
        NODE_ENV: "production",
        ROLE: "hub",
        MONGODB_URI: "mongodb://127.0.0.1:1/x",
        SESSION_SECRET: "s".repeat(32),
        COOKIE_SECURE: "false",
        PUBLIC_URL: "https://hub.example",
        SINGLE_INSTANCE: "true",
      },
      "INSECURE CONFIGURATION",
      // The production entry: scripts/node.ts refuses NODE_ENV=production.
      "server/main.ts",
    );
    expect(out)
      .to.include('"level":40')
      .and.include("INSECURE CONFIGURATION: COOKIE_SECURE=false in production");
  });
});
