import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../../server/config.js";

let dataDir: string | null = null;

/**
 * This test process's own data folder, made on first use in the system's temporary folder and
 * removed when the process exits. A node keeps its signing keys and node key under DATA_DIR, whose
 * default is the working copy's `./data`, the folder `npm start` uses: test nodes left their keys
 * there (made at test time), and the next `npm start` signed the demo's back-dated history with
 * them, so 北京 refused 江苏's certificates as issued before their key existed.
 */
export function testDataDir(): string {
  if (!dataDir) {
    const dir = mkdtempSync(join(tmpdir(), "roadcert-test-data-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    dataDir = dir;
  }
  return dataDir;
}

/** `loadConfig` for tests: the same keys, with DATA_DIR in this process's own data folder unless given. */
export function testConfig(env: Record<string, string | undefined>): Config {
  return loadConfig({ DATA_DIR: testDataDir(), ...env });
}
