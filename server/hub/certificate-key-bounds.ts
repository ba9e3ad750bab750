import {
  MAX_CERTIFICATE_KEYS,
  type CertificateKeysAnnouncement,
  type CertificateKeysReceipt,
} from "../contracts/hub-registry.js";

/*
 * How the hub dates the certificate keys it registers and publishes (the national trust list):
 * bounds as instants, a day meaning its UTC midnight, announced keys merged without back-dating.
 */

/**
 * A key bound as the hub answers it: an instant, always. Keys registered or announced now are kept
 * as instants; records from before keep the day they were stored with (a day means its UTC
 * midnight, as every verifier reads it, keyCoversIssue), converted here at each read rather than
 * rewritten, so an old record means exactly what it meant, now in the one form every reader gets.
 */
export const asInstant = (bound: string): string => new Date(Date.parse(bound)).toISOString();

/**
 * The start of a key kept from before starts were stored: its node's registration, from the UTC
 * midnight of that day, as the hub always dated such keys (not the instant: a certificate the key
 * signed earlier that day verified, and must go on verifying).
 */
export const legacyStart = (registeredAt: Date): string =>
  new Date(
    Date.UTC(registeredAt.getUTCFullYear(), registeredAt.getUTCMonth(), registeredAt.getUTCDate()),
  ).toISOString();

export interface HeldCertificateKey {
  kid: string;
  suite: "ed25519" | "sm2-sm3";
  publicKey: string;
  validFrom?: string | null;
  validTo?: string | null;
}

/** A held key with its bounds as instants (`asInstant`; a missing start is its node's `legacyStart`). */
export function datedKey(
  key: HeldCertificateKey,
  registeredAt: Date,
): HeldCertificateKey & { validFrom: string; validTo: string | null } {
  return {
    kid: key.kid,
    suite: key.suite,
    publicKey: key.publicKey,
    validFrom: key.validFrom ? asInstant(key.validFrom) : legacyStart(registeredAt),
    validTo: key.validTo ? asInstant(key.validTo) : null,
  };
}

/**
 * A key bound as an instant, in ms. Bounds arrive as an instant or (older nodes, the operator) a
 * day, and records stored before bounds were kept as instants hold days; a day means its UTC
 * midnight, as every verifier reads it (keyCoversIssue): a day-only end is the day after the key's
 * last day. Compared as strings, a day and an instant of that day were misordered, and an instant
 * ended nothing before the next day.
 */
const boundMs = (bound: string): number => Date.parse(bound);

/**
 * How long after its end the hub keeps listing a province's key when the list is full: a key signs
 * nothing after its end, and a certificate is valid six years from its issue (DOMAIN.md; renewal and
 * transfer seal a new version with the key then in use), so past six years and a year's margin no
 * certificate the key signed is still valid, and dropping it refuses nothing that was not expired.
 */
const KEPT_AFTER_END_MS = 7 * 366 * 86_400_000;

/**
 * Makes room for one more key in a full list: drops the key that ended longest ago, if it ended
 * more than KEPT_AFTER_END_MS before `now`. Its kid, or null when every key may still vouch for a
 * valid certificate (the new key is then refused, never an old certificate broken).
 */
function dropOneRetired(keys: HeldCertificateKey[], now: Date): string | null {
  let oldest = -1;
  for (const [i, k] of keys.entries()) {
    if (!k.validTo || boundMs(k.validTo) + KEPT_AFTER_END_MS >= now.getTime()) continue;
    const current = keys[oldest];
    if (!current?.validTo || boundMs(k.validTo) < boundMs(current.validTo)) oldest = i;
  }
  if (oldest < 0) return null;
  const [dropped] = keys.splice(oldest, 1);
  return dropped?.kid ?? null;
}

/** The hub's keys of a province with those it announced merged in (see announceCertificateKeys). */
export function mergeAnnouncedKeys(
  held: readonly HeldCertificateKey[],
  announced: CertificateKeysAnnouncement["certificateKeys"],
  now: Date,
): {
  keys: HeldCertificateKey[];
  changed: boolean;
  refused: CertificateKeysReceipt["refused"];
  /** The kids taken, those ended earlier, and those dropped to make room: what the audit entry names. */
  added: string[];
  ended: string[];
  dropped: string[];
} {
  const keys = held.map((k) => ({
    kid: k.kid,
    suite: k.suite,
    publicKey: k.publicKey,
    validFrom: k.validFrom ?? null,
    validTo: k.validTo ?? null,
  }));
  const refused: CertificateKeysReceipt["refused"] = [];
  const added: string[] = [];
  const ended: string[] = [];
  const dropped: string[] = [];
  /** Makes room in the full list (dropOneRetired), noting what went; false when nothing may go. */
  const madeRoom = (): boolean => {
    const kid = dropOneRetired(keys, now);
    if (kid) dropped.push(kid);
    return kid !== null;
  };
  for (const a of announced) {
    const known = keys.find((k) => k.kid === a.kid);
    if (known && known.publicKey !== a.publicKey) {
      refused.push({ kid: a.kid, code: "kid_in_use", message: `密钥标识 ${a.kid} 已登记为另一把公钥` });
    } else if (known) {
      if (a.validTo && (!known.validTo || boundMs(a.validTo) < boundMs(known.validTo))) {
        known.validTo = asInstant(a.validTo);
        ended.push(a.kid);
      }
    } else if (a.validTo && boundMs(a.validTo) <= now.getTime()) {
      // Ended before the hub heard of it: from now on it signs nothing the list could vouch for.
      continue;
    } else if (keys.length >= MAX_CERTIFICATE_KEYS && !madeRoom()) {
      refused.push({
        kid: a.kid,
        code: "too_many_keys",
        message: `每省至多登记 ${MAX_CERTIFICATE_KEYS} 把证照签名密钥，请联系全国中心运维人员`,
      });
    } else {
      // From when the hub heard of it at the earliest, to the instant: dated from the start of its
      // day, a key announced by a stolen node key was vouched for hours back.
      // Kept as instants, whatever form was sent (an older node sends days).
      const validFrom =
        a.validFrom && boundMs(a.validFrom) > now.getTime() ? asInstant(a.validFrom) : now.toISOString();
      keys.push({
        kid: a.kid,
        suite: a.suite,
        publicKey: a.publicKey,
        validFrom,
        validTo: a.validTo ? asInstant(a.validTo) : null,
      });
      added.push(a.kid);
    }
  }
  return {
    keys,
    changed: added.length + ended.length + dropped.length > 0,
    refused,
    added,
    ended: [...new Set(ended)],
    dropped,
  };
}
