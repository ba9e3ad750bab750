import { z } from "zod";
import { boolish, envInt } from "./config-values.js";
import { MAX_KEY_ROTATION_LEAD_HOURS } from "./contracts/certificates.js";

/**
 * The environment keys of certificates (signature suite, signing keys and their rotation, peers
 * and their pinned anchors, the demo trust list), with the settings they become. Part of
 * config.ts's key list, kept apart by concern.
 */
export const CertificateKeys = z.object({
  /** Signature suite of this node's certificate keys (SM2 with SM3 per GB/T 32918, or Ed25519). */
  CERT_SUITE: z.enum(["ed25519", "sm2-sm3"]).default("ed25519"),
  /** Where the node's signing keys live (outside the repository). Default `<DATA_DIR>/<NODE_NAME>/keys`. */
  CERT_KEYS_DIR: z.string().optional(),
  /** Issue certificates as soon as a pass arrives instead of waiting for an officer. */
  CERT_AUTO_ISSUE: boolish.default(false),
  /** How many days before expiry renewal opens. */
  CERT_RENEWAL_WINDOW_DAYS: envInt(30, 365).default(90),
  /**
   * Hours a rotated certificate key waits before it signs, announced to the hub meanwhile. 48: the
   * hub's national list tells verifiers to refresh daily, so one day has the key on every list that
   * follows that; the second is for the announcement's retries while the hub is unreachable.
   */
  CERT_KEY_ROTATION_LEAD_HOURS: envInt(0, MAX_KEY_ROTATION_LEAD_HOURS).default(48),
  /**
   * Days a certificate key signs before the node rotates it on its own (the new key is made and
   * announced CERT_KEY_ROTATION_LEAD_HOURS ahead and takes over at the end); 0: only when an
   * operator rotates. Keep it well above the lead. 365: a year, as DCC signing keys commonly run.
   */
  CERT_KEY_LIFETIME_DAYS: envInt(0, 3650).default(365),
  /** Other nodes whose trust and status lists this node fetches: `110000=http://host:port,…`. */
  CERT_PEERS: z
    .string()
    .regex(
      /^(\d{6}=https?:\/\/[^,\s]+)(,\d{6}=https?:\/\/[^,\s]+)*$/,
      "must look like 110000=http://host:port,…",
    )
    .optional(),
  /**
   * The list-signing (anchor) key of each peer in CERT_PEERS, pinned: `110000=<public key>,…`, a
   * province repeated for each key it signs with (a rotation adds one). The anchor a peer serves
   * counts only if it is pinned here: the address alone is no proof of whom it reaches. A peer
   * with no pinned key is verified only through the hub's national trust list (HUB_URL).
   */
  CERT_PEER_ANCHORS: z
    .string()
    .regex(
      /^(\d{6}=[A-Za-z0-9_-]{40,200})(,\d{6}=[A-Za-z0-9_-]{40,200})*$/,
      "must look like 110000=<public key>,…",
    )
    .optional(),
  /**
   * Also trust the committed demo trust list (province 990000). Defaults to true outside
   * production; `true` in production is a config error (its private keys are public).
   */
  CERT_TRUST_DEMO: boolish.optional(),
});

/**
 * The `certificates` settings of the configuration (config.ts). The keys folder defaults to
 * `<DATA_DIR>/<node name>/keys`; the demo trust list is trusted by default outside production.
 */
export function certificateSettings(
  e: z.infer<typeof CertificateKeys>,
  node: { dataDir: string; nodeName: string; production: boolean },
) {
  return {
    suite: e.CERT_SUITE,
    keysDir: e.CERT_KEYS_DIR ?? `${node.dataDir}/${node.nodeName}/keys`,
    autoIssue: e.CERT_AUTO_ISSUE,
    renewalWindowDays: e.CERT_RENEWAL_WINDOW_DAYS,
    rotationLeadMs: e.CERT_KEY_ROTATION_LEAD_HOURS * 3_600_000,
    keyLifetimeMs: e.CERT_KEY_LIFETIME_DAYS * 86_400_000,
    peers: (e.CERT_PEERS ?? "")
      .split(",")
      .filter(Boolean)
      .map((p) => ({
        provinceCode: p.slice(0, 6),
        url: p.slice(7),
        anchorKeys: (e.CERT_PEER_ANCHORS ?? "")
          .split(",")
          .filter((a) => a.startsWith(`${p.slice(0, 6)}=`))
          .map((a) => a.slice(7)),
      })),
    trustDemo: e.CERT_TRUST_DEMO ?? !node.production,
  };
}
