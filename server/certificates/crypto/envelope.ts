import base45 from "base45";
import { Tag, cdeEncodeOptions, decode, encode } from "cbor2";
import { deflateSync, inflateSync } from "node:zlib";
import type { QrClaims, SignatureSuite, VerificationCode } from "../../contracts/certificates.js";
import { COSE_ALG, suiteForCoseAlg, type Signer } from "./suites.js";

/**
 * The QR payload: CBOR claims signed as COSE_Sign1 (RFC 9052), optionally zlib-compressed, Base45
 * encoded (RFC 9285, the QR alphanumeric alphabet) behind the version prefix `RC1:` — the EU DCC's
 * layout (`HC1:`), because its tooling and failure modes are known. Keys are short strings; dates are
 * `YYYYMMDD` integers and the issue time epoch seconds, to keep the code at QR version ≤ 12 level M.
 *
 * Claims: v format version, s suite, p issuing province, n certificate number, r issuance version,
 * nm name, c category codes, vf/vt valid from/to, it issue time, si status-list index, h final hash
 * of the exam attempt's event chain (binds the certificate to its exam evidence).
 */
export const QR_PREFIX = "RC1:";
export const MAX_QR_TEXT = 2_000;
const COSE_SIGN1_TAG = 18;
const HDR_ALG = 1;
const HDR_KID = 4;

export interface SealingKey {
  kid: string;
  signer: Signer;
}

type ClaimsInput = Omit<QrClaims, "kid" | "suite">;

const toDateInt = (d: string): number => Number(d.replaceAll("-", ""));
const fromDateInt = (n: number): string => {
  const s = String(n).padStart(8, "0");
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
};

/**
 * A plain Uint8Array copy: cbor2 encodes a Node Buffer through its toJSON (an object), not as a byte
 * string, and its decoder hands byte strings back as Buffers in Node.
 */
const bytesOf = (b: Uint8Array): Uint8Array => new Uint8Array(b);

/** The COSE Sig_structure for Sign1 with empty external AAD: the exact bytes that are signed. */
function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(
    ["Signature1", bytesOf(protectedBytes), new Uint8Array(0), bytesOf(payload)],
    cdeEncodeOptions,
  );
}

/** Signs the claims and returns the QR text. Pure apart from the signature's own randomness (SM2). */
export function sealClaims(claims: ClaimsInput, key: SealingKey): string {
  const body = {
    v: 1,
    s: key.signer.suite,
    p: claims.provinceCode,
    n: claims.certificateNo,
    r: claims.version,
    nm: claims.name,
    c: claims.categories,
    vf: toDateInt(claims.validFrom),
    vt: toDateInt(claims.validTo),
    it: Math.floor(Date.parse(claims.issuedAt) / 1000),
    si: claims.statusIndex,
    h: bytesOf(Buffer.from(claims.chainHash, "hex")),
  };
  const payload = encode(body, cdeEncodeOptions);
  const protectedBytes = encode(
    new Map<number, unknown>([
      [HDR_ALG, COSE_ALG[key.signer.suite]],
      [HDR_KID, bytesOf(Buffer.from(key.kid, "base64url"))],
    ]),
    cdeEncodeOptions,
  );
  const signature = bytesOf(key.signer.sign(sigStructure(protectedBytes, payload)));
  const cose = encode(
    new Tag(COSE_SIGN1_TAG, [protectedBytes, new Map(), payload, signature]),
    cdeEncodeOptions,
  );
  // Signatures and hashes do not compress; zlib is used only when it actually saves bytes.
  const packed = deflateSync(cose, { level: 9 });
  return QR_PREFIX + base45.encode(packed.length < cose.length ? packed : cose);
}

export type OpenedEnvelope =
  | {
      ok: true;
      claims: QrClaims;
      /** The bytes the signature covers and the signature, for the caller's key lookup. */
      signedBytes: Uint8Array;
      signature: Uint8Array;
    }
  | { ok: false; code: VerificationCode; message: string };

const fail = (code: VerificationCode, message: string): OpenedEnvelope => ({ ok: false, code, message });
const BASE45 = /^[0-9A-Z $%*+\-./:]*$/;
const B45_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/** Every 3-character group must be ≤ 65535 and a final 2-character group ≤ 255. */
function base45InRange(s: string): boolean {
  for (let i = 0; i < s.length; i += 3) {
    const c = B45_CHARSET.indexOf(s[i] ?? "");
    const d = B45_CHARSET.indexOf(s[i + 1] ?? "");
    if (s.length - i >= 3) {
      if (c + d * 45 + B45_CHARSET.indexOf(s[i + 2] ?? "") * 2025 > 0xffff) return false;
    } else if (c + d * 45 > 0xff) return false;
  }
  return true;
}

/**
 * Parses QR text without checking the signature. Never throws: anything that is not a well-formed
 * `RC1:` COSE_Sign1 with the expected claims is `not_roadcert_certificate` or `malformed_payload`.
 */
export function openEnvelope(input: string): OpenedEnvelope {
  const text = input.trim();
  if (text.length > MAX_QR_TEXT) return fail("not_roadcert_certificate", "内容过长，不是 roadcert 证书");
  if (!text.startsWith(QR_PREFIX))
    return fail("not_roadcert_certificate", "不是 roadcert 证书（缺少 RC1: 前缀）");
  const b45 = text.slice(QR_PREFIX.length);
  if (!BASE45.test(b45) || b45.length % 3 === 1)
    return fail("malformed_payload", "证书数据已损坏（Base45 格式错误）");
  let bytes: Buffer;
  try {
    // The library does not reject out-of-range groups (RFC 9285 §4 says decoders must).
    if (!base45InRange(b45)) return fail("malformed_payload", "证书数据已损坏（Base45 格式错误）");
    bytes = base45.decode(b45);
    if (bytes[0] === 0x78) bytes = inflateSync(bytes, { maxOutputLength: 8_192 });
  } catch {
    return fail("malformed_payload", "证书数据已损坏（无法解压）");
  }
  try {
    const outer: unknown = decode(bytes);
    if (!(outer instanceof Tag) || Number(outer.tag) !== COSE_SIGN1_TAG)
      return fail("malformed_payload", "证书数据不是 COSE_Sign1 签名结构");
    const parts = outer.contents;
    if (!Array.isArray(parts) || parts.length !== 4) return fail("malformed_payload", "证书签名结构不完整");
    const [protectedBytes, , payload, signature] = parts as unknown[];
    if (
      !(protectedBytes instanceof Uint8Array) ||
      !(payload instanceof Uint8Array) ||
      !(signature instanceof Uint8Array)
    ) {
      return fail("malformed_payload", "证书签名结构不完整");
    }
    const header: unknown = decode(protectedBytes);
    if (!(header instanceof Map)) return fail("malformed_payload", "证书签名头不合法");
    const suite = suiteForCoseAlg(header.get(HDR_ALG));
    const kidBytes: unknown = header.get(HDR_KID);
    if (!suite || !(kidBytes instanceof Uint8Array))
      return fail("malformed_payload", "证书签名头缺少算法或密钥标识");
    const claims = readClaims(decode(payload), suite, Buffer.from(kidBytes).toString("base64url"));
    if (!claims) return fail("malformed_payload", "证书内容字段不完整或不合法");
    return { ok: true, claims, signedBytes: sigStructure(protectedBytes, payload), signature };
  } catch {
    return fail("malformed_payload", "证书数据已损坏（CBOR 解析失败）");
  }
}

function readClaims(body: unknown, suite: SignatureSuite, kid: string): QrClaims | null {
  if (!body || typeof body !== "object" || body instanceof Map || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const str = (v: unknown, re: RegExp): v is string => typeof v === "string" && re.test(v);
  const int = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (b.v !== 1 || b.s !== suite) return null;
  if (!str(b.p, /^\d{6}$/) || !str(b.n, /^\d{17}[\dX]$/) || !int(b.r) || !str(b.nm, /^.{1,60}$/u))
    return null;
  if (!Array.isArray(b.c) || b.c.length < 1 || b.c.length > 20 || !b.c.every((c) => str(c, /^\d{5}$/)))
    return null;
  if (!int(b.vf) || !int(b.vt) || !int(b.it) || !int(b.si)) return null;
  if (!(b.h instanceof Uint8Array) || b.h.length !== 32) return null;
  return {
    suite,
    kid,
    provinceCode: b.p,
    certificateNo: b.n,
    version: b.r,
    name: b.nm,
    categories: b.c as string[],
    validFrom: fromDateInt(b.vf),
    validTo: fromDateInt(b.vt),
    issuedAt: new Date(b.it * 1000).toISOString(),
    statusIndex: b.si,
    chainHash: Buffer.from(b.h).toString("hex"),
  };
}
