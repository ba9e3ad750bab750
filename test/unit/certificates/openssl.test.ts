import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEnvelope, publicKeyPem, rawSignatureToDer } from "../../../server/certificates/index.js";
import type { SignatureSuite } from "../../../server/contracts/certificates.js";
import { aProvinceKey, sealSample } from "./trust-fixtures.js";

/** Runs `openssl pkeyutl -verify` (OpenSSL 3) on the COSE Sig_structure; true when OpenSSL says so. */
function opensslVerifies(
  suite: SignatureSuite,
  publicKey: string,
  message: Uint8Array,
  rawSignature: Uint8Array,
): boolean {
  const dir = mkdtempSync(join(tmpdir(), "openssl-"));
  try {
    writeFileSync(join(dir, "pub.pem"), publicKeyPem(suite, publicKey));
    writeFileSync(join(dir, "msg.bin"), message);
    // Ed25519 signatures are raw; OpenSSL wants SM2 signatures DER-encoded.
    writeFileSync(join(dir, "sig.bin"), suite === "ed25519" ? rawSignature : rawSignatureToDer(rawSignature));
    const args = [
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      join(dir, "pub.pem"),
      "-rawin",
      "-in",
      join(dir, "msg.bin"),
      "-sigfile",
      join(dir, "sig.bin"),
    ];
    // GB/T 32918 with SM3 and the default distinguishing id (OpenSSL 3.0 defaults to an empty id).
    if (suite === "sm2-sm3") args.push("-digest", "sm3", "-pkeyopt", "distid:1234567812345678");
    try {
      return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).includes(
        "Signature Verified Successfully",
      );
    } catch {
      return false;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const suite of ["ed25519", "sm2-sm3"] as SignatureSuite[]) {
  describe(`an independent implementation (OpenSSL) checks ${suite} QR signatures`, () => {
    it("when OpenSSL verifies the COSE signature, then it accepts the original and refuses a changed byte", () => {
      const key = aProvinceKey(suite);
      const opened = openEnvelope(sealSample(key.sealing));
      if (!opened.ok) throw new Error(opened.message);
      expect(opensslVerifies(suite, key.pair.publicKey, opened.signedBytes, opened.signature)).to.equal(true);
      const changed = Buffer.from(opened.signedBytes);
      changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
      expect(opensslVerifies(suite, key.pair.publicKey, changed, opened.signature)).to.equal(false);
    });
  });
}
