import base45 from "base45";
import { Tagged, decode, encode, rfc8949EncodeOptions, type DecodeOptions } from "cborg";
import { deflateSync, inflateSync } from "node:zlib";
import type { QrClaims, SignatureSuite, VerificationCode } from "../../contracts/certificates.js";
import { IsoDate, IsoInstant } from "../../contracts/validation.js";
import { errors } from "../../lib/errors.js";
import { calendarDateText } from "../../contracts/calendar-text.js";
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
/**
 * The `YYYY-MM-DD` of a claimed date, or null unless it is a real calendar day of at most eight
 * digits: `20261399` read as `2026-13-99` did not parse, compared false with every bound (NaN), and
 * a certificate with it read as valid; a ninth digit was silently cut off.
 */
const fromDateInt = (n: number): string | null => {
  if (n > 99_991_231) return null;
  const s = String(n).padStart(8, "0");
  const date = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
  return IsoDate.safeParse(date).success ? date : null;
};

/** RFC 8949 §4.2.1 core deterministic encoding, so the same claims always give the same bytes. */
const ENCODE = rfc8949EncodeOptions;
/**
 * Strict decoding: shortest-form integers and lengths only, no indefinite lengths, no undefined, no
 * duplicate map keys, and no tags but COSE_Sign1's — a payload has exactly one byte form. Maps stay
 * Maps because COSE headers have integer keys.
 */
const DECODE: DecodeOptions = {
  strict: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: false,
  tags: Tagged.preserve(COSE_SIGN1_TAG),
};

/** The COSE Sig_structure for Sign1 with empty external AAD: the exact bytes that are signed. */
function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(["Signature1", protectedBytes, new Uint8Array(0), payload], ENCODE);
}

/**
 * Refuses claims whose dates no verifier would read: a validity day that is not a real calendar day
 * (`2026-13-99`, `2027-02-29`), an issue time that does not parse, or a validity ending before it
 * starts. Verifiers refuse such a QR as malformed, so sealing one would hand the holder a signed
 * card that never verifies; the fault is the issuer's, caught before anything is signed.
 */
function assertSealableDates(claims: ClaimsInput): void {
  const refuse = (message: string) =>
    errors.unprocessable("certificate_date_invalid", `${message}，已拒绝签发`, {
      certificateNo: claims.certificateNo,
    });
  for (const [field, label] of [
    ["validFrom", "有效期自"],
    ["validTo", "有效期至"],
  ] as const) {
    if (!IsoDate.safeParse(claims[field]).success)
      throw refuse(`证书的${label}（${claims[field]}）不是真实的日期`);
  }
  // IsoInstant refuses days like 02-30 (Date.parse rolls them over); Date.parse must read it too, as `it` does.
  if (!IsoInstant.safeParse(claims.issuedAt).success || Number.isNaN(Date.parse(claims.issuedAt)))
    throw refuse(`证书的签发时间（${claims.issuedAt}）不是有效的时间`);
  if (claims.validTo < claims.validFrom)
    throw refuse(
      `证书的有效期至（${calendarDateText(claims.validTo)}）早于有效期自（${calendarDateText(claims.validFrom)}）`,
    );
}

/**
 * Signs the claims and returns the QR text. Pure apart from the signature's own randomness (SM2).
 * Throws AppError `certificate_date_invalid` (nothing signed) for dates no verifier would accept.
 */
export function sealClaims(claims: ClaimsInput, key: SealingKey): string {
  assertSealableDates(claims);
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
    h: Buffer.from(claims.chainHash, "hex"),
  };
  const payload = encode(body, ENCODE);
  const protectedBytes = encode(
    new Map<number, unknown>([
      [HDR_ALG, COSE_ALG[key.signer.suite]],
      [HDR_KID, Buffer.from(key.kid, "base64url")],
    ]),
    ENCODE,
  );
  const signature = key.signer.sign(sigStructure(protectedBytes, payload));
  const cose = encode(new Tagged(COSE_SIGN1_TAG, [protectedBytes, new Map(), payload, signature]), ENCODE);
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
const B45_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const B45_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B45_CHARSET.length; i++) B45_VALUE[B45_CHARSET.charCodeAt(i)] = i;

/**
 * Strict Base45 decoding (RFC 9285) in one pass: null for a character outside the alphabet, a
 * dangling single character, or a group above 65535 (a final pair above 255), which §4 says decoders
 * must reject and the `base45` package lets through. Verification decodes every QR it is shown, so
 * this sits on the hot path too.
 */
function decodeBase45(s: string): Uint8Array | null {
  if (s.length % 3 === 1) return null;
  const out = new Uint8Array(Math.floor(s.length / 3) * 2 + (s.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < s.length; i += 3) {
    const c = B45_VALUE[s.charCodeAt(i)] ?? -1;
    const d = B45_VALUE[s.charCodeAt(i + 1)] ?? -1;
    if (c < 0 || d < 0) return null;
    if (i + 2 < s.length) {
      const e = B45_VALUE[s.charCodeAt(i + 2)] ?? -1;
      const n = c + d * 45 + e * 2025;
      if (e < 0 || n > 0xffff) return null;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = c + d * 45;
      if (n > 0xff) return null;
      out[o++] = n;
    }
  }
  return out;
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
  let bytes = decodeBase45(text.slice(QR_PREFIX.length));
  if (!bytes) return fail("malformed_payload", "证书数据已损坏（Base45 格式错误）");
  try {
    if (bytes[0] === 0x78) bytes = inflateSync(bytes, { maxOutputLength: 8_192 });
  } catch {
    return fail("malformed_payload", "证书数据已损坏（无法解压）");
  }
  try {
    const outer: unknown = decode(bytes, DECODE);
    if (!(outer instanceof Tagged) || outer.tag !== COSE_SIGN1_TAG)
      return fail("malformed_payload", "证书数据不是 COSE_Sign1 签名结构");
    const parts: unknown = outer.value;
    if (!Array.isArray(parts) || parts.length !== 4) return fail("malformed_payload", "证书签名结构不完整");
    const [protectedBytes, , payload, signature] = parts as unknown[];
    if (
      !(protectedBytes instanceof Uint8Array) ||
      !(payload instanceof Uint8Array) ||
      !(signature instanceof Uint8Array)
    ) {
      return fail("malformed_payload", "证书签名结构不完整");
    }
    const header: unknown = decode(protectedBytes, DECODE);
    if (!(header instanceof Map)) return fail("malformed_payload", "证书签名头不合法");
    const suite = suiteForCoseAlg(header.get(HDR_ALG));
    const kidBytes: unknown = header.get(HDR_KID);
    if (!suite || !(kidBytes instanceof Uint8Array))
      return fail("malformed_payload", "证书签名头缺少算法或密钥标识");
    const claims = readClaims(decode(payload, DECODE), suite, Buffer.from(kidBytes).toString("base64url"));
    if (!claims) return fail("malformed_payload", "证书内容字段不完整或不合法");
    return { ok: true, claims, signedBytes: sigStructure(protectedBytes, payload), signature };
  } catch {
    return fail("malformed_payload", "证书数据已损坏（CBOR 解析失败）");
  }
}

const str = (v: unknown, re: RegExp): v is string => typeof v === "string" && re.test(v);
const MAX_EPOCH_SECONDS = 8.64e12;
const int = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function readClaims(body: unknown, suite: SignatureSuite, kid: string): QrClaims | null {
  if (!(body instanceof Map)) return null;
  for (const k of body.keys()) if (typeof k !== "string") return null;
  const b = Object.fromEntries(body) as Record<string, unknown>;
  if (b.v !== 1 || b.s !== suite) return null;
  if (!str(b.p, /^\d{6}$/) || !str(b.n, /^\d{17}[\dX]$/) || !int(b.r) || !str(b.nm, /^.{1,60}$/u))
    return null;
  if (!Array.isArray(b.c) || b.c.length < 1 || b.c.length > 20 || !b.c.every((c) => str(c, /^\d{5}$/)))
    return null;
  if (!int(b.vf) || !int(b.vt) || !int(b.it) || !int(b.si)) return null;
  if (!(b.h instanceof Uint8Array) || b.h.length !== 32) return null;
  const validFrom = fromDateInt(b.vf);
  const validTo = fromDateInt(b.vt);
  // Seconds up to ECMAScript's last representable instant; beyond it there is no issue time.
  if (validFrom === null || validTo === null || b.it > MAX_EPOCH_SECONDS) return null;
  return {
    suite,
    kid,
    provinceCode: b.p,
    certificateNo: b.n,
    version: b.r,
    name: b.nm,
    categories: b.c as string[],
    validFrom,
    validTo,
    issuedAt: new Date(b.it * 1000).toISOString(),
    statusIndex: b.si,
    chainHash: Buffer.from(b.h).toString("hex"),
  };
}
