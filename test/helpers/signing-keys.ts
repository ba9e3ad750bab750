import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { openKeyStore } from "../../server/certificates/index.js";
import { testDataDir } from "./test-config.js";

/**
 * A new folder for a node's certificate signing keys (CERT_KEYS_DIR) inside this test process's
 * data folder, removed at exit. With `madeAt` the keys are made now, as of that time: a node
 * refuses to sign a certificate dated before its key was made (every verifier would refuse it),
 * so tests that issue certificates years back, to renew or lapse them, need keys at least that old.
 * Without it the node makes its keys at its first start.
 */
export function signingKeysDir(options: { madeAt?: Date; suite?: "ed25519" | "sm2-sm3" } = {}): string {
  const dir = mkdtempSync(join(testDataDir(), "cert-keys-"));
  const { madeAt } = options;
  if (madeAt) openKeyStore(dir, options.suite ?? "ed25519", () => madeAt);
  return dir;
}
