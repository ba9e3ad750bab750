import { randomInt } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  STATUS_CODES,
  SignedDocument,
  StatusListBody,
  type CertificateStatus,
  type TrustListKey,
} from "../../contracts/certificates.js";
import { openSignedDocument, signDocument } from "./signed-document.js";
import type { Signer } from "./suites.js";

/**
 * W3C Bitstring Status List 1.0 with statusPurpose `message` and statusSize 2: every certificate
 * owns a random 2-bit slot (herd privacy: the list reveals nothing about who is who) holding 0 valid,
 * 1 cancelled, 2 revoked, 3 withdrawn. 131,072 entries (the spec's minimum), GZIP, multibase
 * base64url (`u` prefix). Bit 0 is the most significant bit of the first byte, as the spec says.
 */
export const STATUS_LIST_ENTRIES = 131_072;
const STATUS_SIZE = 2;
const LIST_BYTES = (STATUS_LIST_ENTRIES * STATUS_SIZE) / 8;

export const randomStatusIndex = (): number => randomInt(0, STATUS_LIST_ENTRIES);

export function emptyStatusBits(): Uint8Array {
  return new Uint8Array(LIST_BYTES);
}

export function setStatusBits(bits: Uint8Array, index: number, status: CertificateStatus): void {
  const value = STATUS_CODES.indexOf(status);
  const bit = index * STATUS_SIZE;
  const byte = bit >> 3;
  const shift = 8 - STATUS_SIZE - (bit & 7);
  bits[byte] = ((bits[byte] ?? 0) & ~(0b11 << shift)) | (value << shift);
}

/** The slot `index` of a list (of any length: a peer's list may be longer than this node's). */
export function getStatusBits(bits: Uint8Array, index: number): CertificateStatus | null {
  if (!Number.isSafeInteger(index) || index < 0 || index >= (bits.length * 8) / STATUS_SIZE) return null;
  const bit = index * STATUS_SIZE;
  const shift = 8 - STATUS_SIZE - (bit & 7);
  return STATUS_CODES[((bits[bit >> 3] ?? 0) >> shift) & 0b11] ?? null;
}

export function encodeStatusBits(bits: Uint8Array): string {
  return `u${gzipSync(bits, { level: 9 }).toString("base64url")}`;
}

/**
 * The most a list is inflated to (16 MiB, 64 million entries): GZIP shrinks a run of zeros about a
 * thousandfold, so an unbounded inflate of a small download could take gigabytes.
 */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

/**
 * Decodes an encoded list: at least the spec's 131,072 entries (this node publishes exactly that
 * many; another province's software may publish more, which the spec allows), within the bound.
 * Anything else is null. Every byte holds four whole 2-bit entries.
 */
export function decodeStatusBits(encoded: string): Uint8Array | null {
  if (!encoded.startsWith("u")) return null;
  try {
    const bits = gunzipSync(Buffer.from(encoded.slice(1), "base64url"), { maxOutputLength: MAX_LIST_BYTES });
    return bits.length >= LIST_BYTES ? new Uint8Array(bits) : null;
  } catch {
    return null;
  }
}

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
    statusSize: 2,
    statusMessages: STATUS_CODES.map((status, i) => ({ status: `0x${i}`, message: status })),
    encodedList: encodeStatusBits(input.bits),
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

/** Verifies a status list against the trust list's keys for its province; null if anything is off. */
export function loadStatusList(file: unknown, keys: readonly TrustListKey[]): LoadedStatusList | null {
  const doc = SignedDocument.safeParse(file);
  if (!doc.success) return null;
  for (const key of keys.filter((k) => k.kid === doc.data.signer.kid && k.suite === doc.data.signer.suite)) {
    const body = StatusListBody.safeParse(openSignedDocument(doc.data, key));
    if (!body.success || body.data.provinceCode !== key.provinceCode) continue;
    const bits = decodeStatusBits(body.data.encodedList);
    if (bits) return { body: body.data, bits };
  }
  return null;
}
