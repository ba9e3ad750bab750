import { sign } from "node:crypto";
import type { NodeKey } from "../sharing/index.js";
import type { RegistryService } from "./registry.service.js";

/** How often verifiers should fetch the national trust list again (DCC gateways refresh daily). */
export const TRUST_LIST_REFRESH_SECONDS = 24 * 3600;
/** A list stays usable this long, so one missed refresh does not stop every verifier (a DCC lesson). */
const VALID_FOR_SECONDS = 7 * 24 * 3600;

/**
 * The national trust list: every active province's certificate signing keys, signed by the hub.
 * Same shapes as the certificates feature's (`roadcert-trust-list/1` inside `roadcert-signed/1`, the
 * payload carried as the exact signed bytes), with `issuer: "hub"`.
 */
export async function buildTrustList(registry: RegistryService, key: NodeKey, now = new Date()) {
  const provinces = await registry.certificateKeys();
  const body = {
    format: "roadcert-trust-list/1" as const,
    issuer: "hub",
    generatedAt: now.toISOString(),
    validUntil: new Date(now.getTime() + VALID_FOR_SECONDS * 1000).toISOString(),
    refreshSeconds: TRUST_LIST_REFRESH_SECONDS,
    keys: provinces.flatMap((p) =>
      p.keys.map((k) => ({
        provinceCode: p.provinceCode,
        kid: k.kid,
        suite: k.suite,
        publicKey: k.publicKey,
        // Dated by the registry, never by this read (see RegistryService.certificateKeys).
        validFrom: k.validFrom,
        validTo: k.validTo ?? null,
      })),
    ),
  };
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  return {
    generatedAt: now,
    document: {
      format: "roadcert-signed/1" as const,
      signer: { kid: trustListKid(key), suite: "ed25519" as const },
      payload: payload.toString("base64url"),
      signature: sign(null, payload, key.privateKey).toString("base64url"),
    },
  };
}

/** The hub's kid on the trust list (≤ 32 characters, derived from its node key id). */
export function trustListKid(key: NodeKey): string {
  return `hub-${key.keyId.slice(0, 16)}`;
}
