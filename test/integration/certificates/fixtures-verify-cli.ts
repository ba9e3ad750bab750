import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEMO_TRUST_DIR, createSigner, sealClaims } from "../../../server/certificates/index.js";
import type { SignatureSuite } from "../../../server/contracts/certificates.js";

const run = promisify(execFile);

/** The demo province's committed ed25519 certificate key (on the demo trust list the command trusts). */
export function demoKey() {
  const keys = JSON.parse(readFileSync(join(DEMO_TRUST_DIR, "DEMO-ONLY-signing-keys.json"), "utf8")) as {
    provinceCode: string;
    certificate: Record<
      SignatureSuite,
      { kid: string; suite: SignatureSuite; publicKey: string; privateKey: string }
    >;
  };
  const key = keys.certificate.ed25519;
  return { provinceCode: keys.provinceCode, sealing: { kid: key.kid, signer: createSigner(key) } };
}

/** A QR sealed with the demo key for a valid 01001 certificate; the caller picks what each test is about. */
export function demoQr(claims: { certificateNo: string; statusIndex: number; issuedAt?: string }): string {
  const { provinceCode, sealing } = demoKey();
  return sealClaims(
    {
      provinceCode,
      certificateNo: claims.certificateNo,
      version: 1,
      name: "示例持证人",
      categories: ["01001"],
      validFrom: "2026-12-07",
      validTo: "2032-12-06",
      issuedAt: claims.issuedAt ?? "2026-12-06T16:30:05.000Z",
      statusIndex: claims.statusIndex,
      chainHash: "5e".repeat(32),
    },
    sealing,
  );
}

/** `npm run cert:verify <args>` quietly; rejects when the command exits non-zero. */
export function verifyCli(args: string[]): Promise<{ stdout: string }> {
  return run("node_modules/.bin/tsx", ["scripts/cert-verify.ts", ...args], {
    env: { ...process.env, LOG_LEVEL: "silent" },
  });
}

/** `npm run cert:verify <args>` quietly, with its exit code instead of a rejection (refusals exit 1). */
export function verifyCliOutcome(args: string[]): Promise<{ code: number; stdout: string }> {
  return verifyCli(args).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
}
