import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { sm2 } from "sm-crypto-v2";
import type { SignatureSuite } from "../../contracts/certificates.js";

/**
 * The two signature suites a node can sign with. Keys travel as base64url strings so key files,
 * trust lists and outbox payloads stay JSON:
 * - `ed25519`: public = the raw 32-byte key, private = PKCS#8 DER; node:crypto does the maths.
 * - `sm2-sm3`: GB/T 32918 SM2 over SM3 with the default distinguishing id `1234567812345678`;
 *   public = the uncompressed point (65 bytes), private = the 32-byte scalar. node:crypto cannot
 *   make GB/T 32918 signatures (its SM2 keys sign with SHA-256 and no Z value), so sm-crypto-v2 does
 *   it: it is maintained, built on @noble/curves, and measured fastest of the npm candidates
 *   (sm-crypto ~115 ms a verify, sm-crypto-v2 with a precomputed public key ~4 ms; gm-crypto has no
 *   signatures).
 * Signatures are raw `r || s` (64 bytes) for both, as COSE expects for EC signatures.
 */
export interface SuiteKeyPair {
  suite: SignatureSuite;
  publicKey: string;
  privateKey: string;
}

/** COSE algorithm ids: EdDSA is registered (-8); SM2-with-SM3 has no IANA entry, so a private-use id. */
export const COSE_ALG: Record<SignatureSuite, number> = { ed25519: -8, "sm2-sm3": -70_001 };

export function suiteForCoseAlg(alg: unknown): SignatureSuite | null {
  if (alg === COSE_ALG.ed25519) return "ed25519";
  if (alg === COSE_ALG["sm2-sm3"]) return "sm2-sm3";
  return null;
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** SubjectPublicKeyInfo prefix for an SM2 point: id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301. */
const SM2_SPKI_PREFIX = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");
/** GB/T 32918's default distinguishing identifier (ENTL/ID in Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA)). */
export const SM2_DEFAULT_ID = "1234567812345678";

const b64u = (b: Uint8Array): string => Buffer.from(b).toString("base64url");
const fromB64u = (s: string): Buffer => Buffer.from(s, "base64url");

export function generateKeyPair(suite: SignatureSuite): SuiteKeyPair {
  if (suite === "ed25519") {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const spki = publicKey.export({ format: "der", type: "spki" });
    return {
      suite,
      publicKey: b64u(spki.subarray(ED25519_SPKI_PREFIX.length)),
      privateKey: b64u(privateKey.export({ format: "der", type: "pkcs8" })),
    };
  }
  const kp = sm2.generateKeyPairHex();
  return {
    suite,
    publicKey: b64u(Buffer.from(kp.publicKey, "hex")),
    privateKey: b64u(Buffer.from(kp.privateKey, "hex")),
  };
}

/** The public key as DER SubjectPublicKeyInfo, which OpenSSL and X.509 tooling read. */
export function publicKeySpki(suite: SignatureSuite, publicKey: string): Buffer {
  const raw = fromB64u(publicKey);
  return Buffer.concat([suite === "ed25519" ? ED25519_SPKI_PREFIX : SM2_SPKI_PREFIX, raw]);
}

export function publicKeyPem(suite: SignatureSuite, publicKey: string): string {
  const lines =
    publicKeySpki(suite, publicKey)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

/** Key id as in the EU DCC: the first 8 bytes of SHA-256 over the public key's SPKI, base64url. */
export function keyIdOf(suite: SignatureSuite, publicKey: string): string {
  return b64u(createHash("sha256").update(publicKeySpki(suite, publicKey)).digest().subarray(0, 8));
}

/** True when `publicKey` has the right shape for the suite (length, point encoding). */
export function isWellFormedPublicKey(suite: SignatureSuite, publicKey: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(publicKey)) return false;
  const raw = fromB64u(publicKey);
  if (suite === "ed25519") return raw.length === 32;
  if (raw.length !== 65 || raw[0] !== 4) return false;
  try {
    return sm2.verifyPublicKey(raw.toString("hex"));
  } catch {
    return false;
  }
}

/** A signer holds the parsed private key, so hot paths (bench, bulk issuance) parse it once. */
export interface Signer {
  suite: SignatureSuite;
  sign(message: Uint8Array): Uint8Array;
}
export interface Verifier {
  suite: SignatureSuite;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export function createSigner(pair: SuiteKeyPair): Signer {
  if (pair.suite === "ed25519") {
    const key: KeyObject = createPrivateKey({ key: fromB64u(pair.privateKey), format: "der", type: "pkcs8" });
    return { suite: pair.suite, sign: (m) => sign(null, m, key) };
  }
  const priv = fromB64u(pair.privateKey).toString("hex");
  const pub = fromB64u(pair.publicKey).toString("hex");
  return {
    suite: pair.suite,
    // `publicKey` given so the library does not re-derive it (a scalar multiplication) per signature.
    sign: (m) =>
      Buffer.from(
        sm2.doSignature(m, priv, { hash: true, der: false, publicKey: pub, userId: SM2_DEFAULT_ID }),
        "hex",
      ),
  };
}

/**
 * A verifier for one public key. Never throws: a malformed key or signature verifies as false.
 * SM2 verifiers precompute the public point's multiples once (about 6× faster per verification).
 */
export function createVerifier(suite: SignatureSuite, publicKey: string): Verifier {
  if (!isWellFormedPublicKey(suite, publicKey)) return { suite, verify: () => false };
  if (suite === "ed25519") {
    const key = createPublicKey({ key: publicKeySpki(suite, publicKey), format: "der", type: "spki" });
    return {
      suite,
      verify: (m, s) => {
        try {
          return s.length === 64 && verify(null, m, key, s);
        } catch {
          return false;
        }
      },
    };
  }
  const point = sm2.precomputePublicKey(fromB64u(publicKey).toString("hex"));
  return {
    suite,
    verify: (m, s) => {
      if (s.length !== 64) return false;
      try {
        return sm2.doVerifySignature(m, Buffer.from(s).toString("hex"), point, {
          hash: true,
          der: false,
          userId: SM2_DEFAULT_ID,
        });
      } catch {
        return false;
      }
    },
  };
}

/** DER `SEQUENCE { r INTEGER, s INTEGER }` from raw r‖s, the form OpenSSL's pkeyutl expects. */
export function rawSignatureToDer(raw: Uint8Array): Buffer {
  const int = (b: Uint8Array): Buffer => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = Buffer.from(b.subarray(i));
    return (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
  };
  const half = raw.length / 2;
  const r = int(raw.subarray(0, half));
  const s = int(raw.subarray(half));
  const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, s.length]), s]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
