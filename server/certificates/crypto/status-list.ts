import { randomInt } from "node:crypto";
import {
  STATUS_CODES,
  SignedDocument,
  StatusListBody,
  type CertificateStatus,
  type SignatureSuite,
} from "../../contracts/certificates.js";
import * as bitstring from "../../lib/bitstring-status-list.js";
import { openSignedDocument, signDocument } from "./signed-document.js";
import type { Signer } from "./suites.js";

/**
 * W3C Bitstring Status List 1.0 with statusPurpose `message` and statusSize 2: every certificate
 * version owns a random 2-bit entry (herd privacy: the list reveals nothing about who is who) holding
 * 0 valid, 1 cancelled, 2 revoked, 3 withdrawn. At least the spec's 131,072 entries, more once the
 * province's capacity grew (record.ts). The bitstring itself is lib/bitstring-status-list.ts.
 */
const STATUS_SIZE = 2;

/** A random index among the first `capacity` entries (the province's capacity, see record.ts). */
export const randomStatusIndex = (capacity: number = bitstring.MIN_STATUS_ENTRIES): number =>
  randomInt(0, capacity);

/** A zeroed list (every certificate valid) of at least `entries` entries, never fewer than the minimum. */
export function emptyStatusBits(entries: number = bitstring.MIN_STATUS_ENTRIES): Uint8Array {
  return bitstring.allocate(entries, STATUS_SIZE);
}

export function setStatusBits(bits: Uint8Array, index: number, status: CertificateStatus): void {
  bitstring.set(bits, STATUS_SIZE, index, STATUS_CODES.indexOf(status));
}

/** How many entries a list holds. */
export const statusEntries = (bits: Uint8Array): number => (bits.length * 8) / STATUS_SIZE;

/** The slot `index` of a list (of any length: a peer's list may be longer than this node's). */
export function getStatusBits(bits: Uint8Array, index: number): CertificateStatus | null {
  const value = bitstring.get(bits, STATUS_SIZE, index);
  return value === null ? null : (STATUS_CODES[value] ?? null);
}

/**
 * How old another province's list, as the hub holds it, may be when this node relies on it to
 * issue (a transfer): at most a ttl behind, and never more than 15 minutes unless the list itself
 * says it is refreshed less often. The conformance kit's P06 holds the hub to the same bound.
 */
export const HUB_COPY_MAX_LAG_MS = 15 * 60_000;
export const hubCopyMaxLag = (ttlMs: number): number => Math.max(ttlMs, HUB_COPY_MAX_LAG_MS);

export interface StatusListInput {
  provinceCode: string;
  bits: Uint8Array;
  now: Date;
  validForSeconds: number;
}

/** The signed status list, signed with the province's current certificate key (which is on the trust list). */
export function buildStatusList(
  input: StatusListInput,
  key: { kid: string; signer: Signer },
): SignedDocument {
  const body: StatusListBody = {
    format: "roadcert-status-list/1",
    provinceCode: input.provinceCode,
    statusPurpose: "message",
    statusSize: STATUS_SIZE,
    statusMessages: STATUS_CODES.map((status, i) => ({ status: `0x${i}`, message: status })),
    encodedList: bitstring.encode(input.bits),
    generatedAt: input.now.toISOString(),
    validUntil: new Date(input.now.getTime() + input.validForSeconds * 1000).toISOString(),
    ttlMs: Math.min(input.validForSeconds * 1000, 300_000),
  };
  return signDocument(body, key);
}

export interface LoadedStatusList {
  body: StatusListBody;
  bits: Uint8Array;
}

/** A key a status list may be signed with: a trust list's, or one the hub registered for the province. */
export interface StatusListKey {
  provinceCode: string;
  kid: string;
  suite: SignatureSuite;
  publicKey: string;
  /** When the key was retired (an instant, or a date read as its midnight UTC); null while in use. */
  validTo: string | null;
}

/**
 * Whether `key` was retired before `generatedAt`: a retired key stays on the trust list so what it
 * signed still verifies, but it signs no list dated after its retirement. (A retired key, one taken
 * out of use because it may have leaked, could otherwise sign a list that turns any certificate of
 * the province back to valid.)
 */
export function retiredBefore(key: Pick<StatusListKey, "validTo">, generatedAt: string): boolean {
  // A time that does not parse (NaN, false in every comparison) counts as after retirement: refused.
  return key.validTo !== null && !(Date.parse(generatedAt) <= Date.parse(key.validTo));
}

/** Why a status list is not taken, step by step, so each reader can name the step in its own words. */
export type StatusListRefusal =
  | { step: "document" }
  | { step: "unknown_key"; kid: string; suite: string }
  | { step: "signature" }
  | { step: "body" }
  | { step: "province"; provinceCode: string; keyProvince: string }
  | { step: "key_retired"; kid: string; validTo: string; generatedAt: string }
  | { step: "bits"; decoded: Extract<bitstring.DecodedStatusList, { ok: false }> };

export type OpenedStatusList =
  | { ok: true; list: LoadedStatusList; entries: number; key: StatusListKey; document: SignedDocument }
  | { ok: false; refusal: StatusListRefusal };

/**
 * Opens a status list against `keys`, in order: the signed envelope, a key with the signer's kid
 * and suite whose signature verifies, the body's format, the key's province, the key's retirement
 * (no list dated after it), then the bitstring (lib/bitstring-status-list.ts). The node, the hub and
 * the conformance kit all open lists here.
 */
export function openStatusList(file: unknown, keys: readonly StatusListKey[]): OpenedStatusList {
  const doc = SignedDocument.safeParse(file);
  if (!doc.success) return { ok: false, refusal: { step: "document" } };
  const { signer } = doc.data;
  const candidates = keys.filter((k) => k.kid === signer.kid && k.suite === signer.suite);
  if (candidates.length === 0)
    return { ok: false, refusal: { step: "unknown_key", kid: signer.kid, suite: signer.suite } };
  let key: StatusListKey | undefined;
  let opened: unknown = null;
  for (const k of candidates) {
    opened = openSignedDocument(doc.data, k);
    if (opened !== null) {
      key = k;
      break;
    }
  }
  if (!key) return { ok: false, refusal: { step: "signature" } };
  const body = StatusListBody.safeParse(opened);
  if (!body.success) return { ok: false, refusal: { step: "body" } };
  if (body.data.provinceCode !== key.provinceCode)
    return {
      ok: false,
      refusal: { step: "province", provinceCode: body.data.provinceCode, keyProvince: key.provinceCode },
    };
  if (key.validTo !== null && retiredBefore(key, body.data.generatedAt))
    return {
      ok: false,
      refusal: {
        step: "key_retired",
        kid: key.kid,
        validTo: key.validTo,
        generatedAt: body.data.generatedAt,
      },
    };
  const decoded = bitstring.decode(body.data.encodedList, body.data.statusSize);
  if (!decoded.ok) return { ok: false, refusal: { step: "bits", decoded } };
  return {
    ok: true,
    list: { body: body.data, bits: decoded.bits },
    entries: decoded.entries,
    key,
    document: doc.data,
  };
}

/** Verifies a status list against the trust list's keys for its province; null if anything is off. */
export function loadStatusList(file: unknown, keys: readonly StatusListKey[]): LoadedStatusList | null {
  const opened = openStatusList(file, keys);
  return opened.ok ? opened.list : null;
}
