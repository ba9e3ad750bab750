import { z } from "zod";
import { Ed25519PublicKey, ProvinceCode, Timestamp } from "./hub-base.js";
import { KeyBound, TrustListKey } from "./certificate-trust.js";
import { visibleName } from "./validation.js";

/**
 * The hub's node registry and what a registered node tells the hub about its keys and lists: the
 * operator's registration, the hub's own identity, a province's certificate-key announcements and
 * its status-list receipts.
 */

/** The certificate signing suites of the certificates feature (issue 11): Ed25519 or SM2 with SM3. */
export const CertificateKeySuite = z.enum(["ed25519", "sm2-sm3"]);
export const CertificateSigningKey = z
  .object({
    // The trust list's own fields (one definition): a key the national list's format refuses made
    // every verifier refuse the whole list (loadTrustList), so it is refused here, at the door.
    kid: TrustListKey.shape.kid,
    suite: CertificateKeySuite,
    /** base64url: raw Ed25519 key (32 B) or uncompressed SM2 point (65 B). */
    publicKey: TrustListKey.shape.publicKey,
    /**
     * When the key starts signing: the province's own list's validFrom, as sent (an instant; a day,
     * from older nodes, means from its UTC midnight). Absent, the hub dates the key from the instant
     * it is first registered (keys kept from before, from their node's registration day) and keeps
     * that start on later registrations: a certificate the key signed
     * before then is refused by provinces that only have the national list, so send it (conformance
     * P05 checks the national dates cover the province's own).
     */
    validFrom: KeyBound.optional(),
    /**
     * When the key stops signing: the instant it was ended (a rotation, a leak). A day, from older
     * nodes, is the day after its last day (its UTC midnight); the hub keeps what was sent, so an
     * instant ends the key on the national list then, not at the next midnight.
     */
    validTo: KeyBound.optional(),
  })
  .strict();

export const RegisterNodeBody = z
  .object({
    provinceCode: ProvinceCode,
    name: visibleName(1, 50),
    nodeKey: Ed25519PublicKey,
    /** Where the hub reaches the province (exchange notices, issue 13); optional for now. */
    endpoint: z.url().max(300).optional(),
    /**
     * The province's certificate signing keys, replacing those registered; absent keeps them (a
     * node key rotated from the operator page used to wipe them, and every certificate the
     * province had signed then failed national verification).
     */
    certificateKeys: z.array(CertificateSigningKey).max(20).optional(),
  })
  .strict();
export type RegisterNodeBody = z.infer<typeof RegisterNodeBody>;

export interface RegisteredNodeDto {
  provinceCode: string;
  name: string;
  status: "active" | "suspended";
  nodeKeys: { keyId: string; publicKey: string; addedAt: string; retiredAt: string | null }[];
  certificateKeys: z.infer<typeof CertificateSigningKey>[];
  endpoint: string | null;
  registeredAt: string;
}

/** The hub's own identity (GET /identity), which provinces pin. */
export const HubIdentity = z.object({
  /** RFC 7638 JWK thumbprint of the key: the `keyid` of every answer the hub signs. */
  keyId: z.string().min(1).max(64),
  publicKey: Ed25519PublicKey,
  alg: z.literal("ed25519"),
});
export type HubIdentityDto = z.infer<typeof HubIdentity>;

// ---------------------------------------------------------------- status lists at the hub

/** The hub's answer to a province publishing its signed status list. */
export const StatusListReceipt = z.object({
  provinceCode: z.string().max(6),
  outcome: z.enum(["accepted", "stale"]),
  generatedAt: Timestamp,
});
export type StatusListReceipt = z.infer<typeof StatusListReceipt>;

/** The most certificate keys the hub lists for one province (as many as one registration may name). */
export const MAX_CERTIFICATE_KEYS = 20;

/**
 * A province's own certificate signing keys, announced by the province (POST /certificate-keys,
 * signed with its node key) ahead of the time it signs with a new one: the hub adds keys it does not
 * list and ends listed keys earlier, never later, and never removes one except, in a full list, a
 * key ended more than seven years ago (RegistryService.announceCertificateKeys).
 */
export const CertificateKeysAnnouncement = z
  .object({ certificateKeys: z.array(CertificateSigningKey).min(1).max(MAX_CERTIFICATE_KEYS) })
  .strict();
export type CertificateKeysAnnouncement = z.infer<typeof CertificateKeysAnnouncement>;

/** The hub's answer: every key its national list now carries for the province, and what it did not take. */
export const CertificateKeysReceipt = z.object({
  provinceCode: ProvinceCode,
  listed: z
    .array(z.object({ kid: z.string().min(1).max(64), validFrom: KeyBound, validTo: KeyBound.nullable() }))
    .max(MAX_CERTIFICATE_KEYS),
  refused: z
    .array(
      z.object({
        kid: z.string().min(1).max(64),
        code: z.enum(["kid_in_use", "too_many_keys"]),
        message: z.string().max(200),
      }),
    )
    .max(MAX_CERTIFICATE_KEYS),
});
export type CertificateKeysReceipt = z.infer<typeof CertificateKeysReceipt>;

/** Which provinces' status lists the hub holds, and how fresh each is. */
export interface StatusListIndexDto {
  lists: {
    provinceCode: string;
    url: string;
    generatedAt: string;
    validUntil: string;
    ttlMs: number;
    receivedAt: string;
  }[];
}
