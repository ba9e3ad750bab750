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

/**
 * The failure message of a config that must not boot (plain `loadConfig`, no DATA_DIR added).
 * Shared because every config test file wrote this same try/catch for itself.
 */
export function bootError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error("expected loadConfig to throw");
}

/**
 * A production hub on a single instance keeping its node key in `nodeKeyDir`, with `extra` keys
 * beside (plain `loadConfig`). Shared because the node-key pin and repin tests boot this same hub.
 */
export function singleInstanceHubConfig(nodeKeyDir: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "production",
    ROLE: "hub",
    SESSION_SECRET: "s".repeat(32),
    TRUST_PROXY: "true",
    PUBLIC_URL: "https://hub.example.gov.cn",
    SINGLE_INSTANCE: "true",
    NODE_KEY_DIR: nodeKeyDir,
    ...extra,
  });
}

/** A valid base64url Ed25519 public key (43 characters); any will do for the config's shape check. */
export const ANY_HUB_PUBLIC_KEY = "A".repeat(43);

/**
 * A production hub behind a proxy with Redis, every setting valid: a fresh object per call for
 * tests to change one key of. Shared because the config test files each wrote this same hub.
 */
export function productionHubEnv() {
  return {
    NODE_ENV: "production",
    ROLE: "hub",
    SESSION_SECRET: "s".repeat(32),
    TRUST_PROXY: "true",
    PUBLIC_URL: "https://hub.example.gov.cn",
    REDIS_URL: "redis://redis:6379",
  };
}
