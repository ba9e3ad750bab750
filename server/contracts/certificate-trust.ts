import { z } from "zod";
import { CertificateStatus, SignatureSuite } from "./certificate-base.js";
import { IsoDate, IsoInstant } from "./validation.js";

/**
 * The trust-list and status-list formats and the verification answer: what a verifier needs to
 * check a certificate offline (certificates.ts re-exports them).
 */

/**
 * A key's validity bound: an instant (a province's own list; the hub's national list, which
 * answers instants since it converts the days older nodes and operators registered at read), or a
 * day (an older hub's list); either parses with Date.parse, a day as its UTC midnight. An end
 * sent as a day is the day after the key's last day, so both mean "up to this instant".
 */
export const KeyBound = z.union([IsoInstant, IsoDate]);

// ---- trust list and status list ----

/** One issuer key on a trust list. A key signs from `validFrom`; after rotation `validTo` closes it, and what it signed stays valid. */
export const TrustListKey = z.strictObject({
  provinceCode: z.string().regex(/^\d{6}$/),
  kid: z.string().min(1).max(32),
  suite: SignatureSuite,
  /** base64url: raw Ed25519 key (32 B) or uncompressed SM2 point (65 B). */
  publicKey: z.string().min(1).max(200),
  validFrom: KeyBound,
  validTo: KeyBound.nullable(),
  /** Set only on the committed demo list, so verifiers can say the result is a demonstration. */
  demo: z.boolean().optional(),
});
export type TrustListKey = z.infer<typeof TrustListKey>;

export const TrustListBody = z.strictObject({
  format: z.literal("roadcert-trust-list/1"),
  /** Who compiled the list: a province node (`province:320000`) now, the hub (`hub`) later. */
  issuer: z.string().max(40),
  generatedAt: IsoInstant,
  validUntil: IsoInstant,
  refreshSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600),
  keys: z.array(TrustListKey).max(10_000),
});
export type TrustListBody = z.infer<typeof TrustListBody>;

/** A signed JSON document: `payload` is base64url of the exact signed bytes, so no canonicalisation is needed. */
export const SignedDocument = z.strictObject({
  format: z.enum(["roadcert-signed/1"]),
  signer: z.strictObject({ kid: z.string().min(1).max(32), suite: SignatureSuite }),
  payload: z.string().max(4_000_000),
  signature: z.string().max(200),
});
export type SignedDocument = z.infer<typeof SignedDocument>;

/** Trust anchors: the keys allowed to sign trust lists, and for which provinces (`*` = the hub). */
export const TrustAnchor = z.strictObject({
  name: z.string().max(80),
  kid: z.string().min(1).max(32),
  suite: SignatureSuite,
  publicKey: z.string().min(1).max(200),
  provinces: z.union([z.literal("*"), z.array(z.string().regex(/^\d{6}$/)).max(64)]),
  demo: z.boolean().optional(),
});
export type TrustAnchor = z.infer<typeof TrustAnchor>;
export const TrustAnchorsFile = z.strictObject({
  format: z.literal("roadcert-trust-anchors/1"),
  anchors: z.array(TrustAnchor).max(64),
});

/** W3C Bitstring Status List, status purpose `message` with 2-bit entries (0 valid … 3 withdrawn). */
export const StatusListBody = z.strictObject({
  format: z.literal("roadcert-status-list/1"),
  provinceCode: z.string().regex(/^\d{6}$/),
  statusPurpose: z.literal("message"),
  statusSize: z.literal(2),
  statusMessages: z
    .array(z.strictObject({ status: z.string().max(4), message: z.string().max(20) }))
    .length(4),
  /** Multibase base64url (`u` prefix) of the GZIP-compressed bitstring. */
  encodedList: z.string().max(1_000_000),
  generatedAt: IsoInstant,
  validUntil: IsoInstant,
  ttlMs: z.number().int().min(0),
});
export type StatusListBody = z.infer<typeof StatusListBody>;
export const STATUS_CODES: readonly CertificateStatus[] = ["valid", "cancelled", "revoked", "withdrawn"];

// ---- verification ----

export const VerificationCode = z.enum([
  "valid",
  "not_roadcert_certificate",
  "malformed_payload",
  "signature_invalid",
  "unknown_issuer_key",
  "issuer_mismatch",
  "key_not_valid_at_issue",
  "trust_list_expired",
  "no_trust_list",
  "certificate_expired",
  "certificate_not_yet_valid",
  "status_not_valid",
  /** Authentic and in force, but an earlier version: a newer card was issued (renewal, added category). */
  "superseded",
  /**
   * Signed with the issuing province's key, yet that province's node has no record of the
   * certificate number at that status index (a leaked key, an index never handed out).
   */
  "unknown_certificate",
  /**
   * Signed, but its status index lies past the end of the issuing province's status list made
   * after its issue, which covers every index the province had handed out: a forged or malformed
   * certificate.
   */
  "status_index_out_of_range",
  "qr_not_found",
]);
export type VerificationCode = z.infer<typeof VerificationCode>;

/**
 * What a verdict's warning is about, stable for programs (the words in `warnings` are for people
 * and may change).
 */
export const VerificationWarningCode = z.enum([
  /** The key is on the committed demo trust list: the certificate proves nothing. */
  "demo_trust_list",
  /** The trust list is past its refresh interval (still in force). */
  "trust_list_stale",
  /** Issued later than this verifier's clock reads (beyond the clock margin). */
  "issued_in_future",
  /** No status list of the province: status unknown. */
  "status_list_missing",
  /**
   * The status list was made before the certificate was issued and ends before its status index
   * (the province's capacity grew since): status unknown.
   */
  "status_list_predates_certificate",
  /** The only status list of the province is past its validUntil: status unknown. */
  "status_list_expired",
  /**
   * The status list is older than the hub copy's lag bound (`hubCopyMaxLag`: its ttl, at least 15
   * minutes), though before its validUntil: the status is as of its generation, and a cancellation
   * or revocation since may not be in it.
   */
  "status_list_stale",
]);
export type VerificationWarningCode = z.infer<typeof VerificationWarningCode>;

/** The decoded fields of a signed QR payload. */
export interface QrClaims {
  suite: SignatureSuite;
  kid: string;
  provinceCode: string;
  certificateNo: string;
  version: number;
  name: string;
  categories: string[];
  validFrom: string;
  validTo: string;
  issuedAt: string;
  statusIndex: number;
  chainHash: string;
}

export interface TrustState {
  state: "fresh" | "stale" | "expired";
  issuer: string;
  generatedAt: string;
  validUntil: string;
  ageSeconds: number;
  demo: boolean;
}

export interface VerificationResultDto {
  /** True only for an authentic, currently valid certificate. */
  ok: boolean;
  /** True when the signature checked out against a trusted key (a revoked certificate is authentic). */
  authentic: boolean;
  code: VerificationCode;
  message: string;
  /** For people, in Chinese. */
  warnings: string[];
  /** The code of each of `warnings`, in the same order. */
  warningCodes: VerificationWarningCode[];
  trust: TrustState | null;
  claims: QrClaims | null;
  status: {
    state: CertificateStatus | "unknown";
    asOf: string | null;
    source: "status_list" | "registry" | "none";
    reason?: string | null;
    changedAt?: string | null;
  } | null;
}

export const VerifyBody = z.strictObject({ text: z.string().max(50_000) });
