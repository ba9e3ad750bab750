import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { openKeyStore } from "../../server/certificates/index.js";
import { testDataDir } from "./test-config.js";

/**
 * A new folder of certificate signing keys (for CERT_KEYS_DIR) made as of `madeAt`, inside this
 * test process's data folder. A node refuses to sign a certificate dated before its key was made
 * (every verifier would refuse it), so tests that issue certificates years back, to renew or lapse
 * them, start their node on keys at least that old.
 */
export function signingKeysMadeAt(madeAt: Date, suite: "ed25519" | "sm2-sm3" = "ed25519"): string {
  const dir = mkdtempSync(join(testDataDir(), "cert-keys-"));
  openKeyStore(dir, suite, () => madeAt);
  return dir;
}
