import type { Model } from "mongoose";
import type { SignatureSuite } from "../contracts/certificates.js";
import type { Logger } from "../lib/logger.js";
import type { KeyRegistryDoc } from "./certificate.model.js";
import type { KeyStore, StoredKey } from "./crypto/key-store.js";

/**
 * Registers the public parts of the key file's keys (the node's trust list is built from the
 * registry). A key's end, once registered, only ever moves earlier: an instance started on a stale
 * copy of the key file (a restored volume, a folder not shared) shows a rotated-out key open, or
 * ending later, and writing that back reopened the key, perhaps a leaked one, on every verifier's
 * trust list. So a new key is inserted as the file has it, and an existing one takes the file's
 * end only when that is earlier than the registry's (or the registry has none).
 */
export async function registerKeys(
  Registry: Model<KeyRegistryDoc>,
  provinceCode: string,
  keys: readonly StoredKey[],
): Promise<void> {
  for (const k of keys) {
    await Registry.updateOne(
      { kid: k.kid },
      {
        $setOnInsert: {
          provinceCode,
          purpose: k.purpose,
          suite: k.suite,
          publicKey: k.publicKey,
          validFrom: k.validFrom,
          validTo: k.validTo,
        },
      },
      { upsert: true },
    );
    // ISO instants of one form (toISOString, key-store.ts) order as strings.
    if (k.validTo !== null)
      await Registry.updateOne(
        { kid: k.kid, $or: [{ validTo: null }, { validTo: { $gt: k.validTo } }] },
        { $set: { validTo: k.validTo } },
      );
  }
}

/**
 * Says at start when an open key is of another suite than CERT_SUITE: the configured suite only
 * takes effect with the next rotation (a suite change is a rotation, README), so a node whose
 * operator changed CERT_SUITE keeps signing with the old suite until then.
 */
export function warnOnSuiteChange(
  keys: Pick<KeyStore, "open">,
  suite: SignatureSuite,
  logger: Pick<Logger, "warn">,
): void {
  for (const purpose of ["certificate", "trust-list"] as const) {
    const open = keys.open(purpose);
    if (open && open.suite !== suite)
      logger.warn(
        { purpose, kid: open.kid, keySuite: open.suite, configuredSuite: suite },
        "the open signing key's suite is not CERT_SUITE: it signs in its own suite until the key is rotated (npm run cert:rotate-key), which makes the new key in CERT_SUITE",
      );
  }
}
