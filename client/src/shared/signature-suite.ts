import { SIGNATURE_SUITE_NAMES } from "@contracts/certificate-base.js";
import { ownEntry } from "@contracts/own-entry.js";

/**
 * The suite's name; a suite this client does not know (a newer node's, or whatever a QR claims) is
 * said to be unknown, with its code, so no code passes for an algorithm's name.
 */
export function signatureSuiteName(suite: string): string {
  return ownEntry(SIGNATURE_SUITE_NAMES, suite) ?? `未知签名算法（${suite}）`;
}
