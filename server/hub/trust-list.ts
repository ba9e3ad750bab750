import { sign } from "node:crypto";
import { TrustListBody, TrustListKey } from "../contracts/certificate-trust.js";
import type { Logger } from "../lib/logger.js";
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
 *
 * Every key is checked against the trust-list format before it is signed in: verifiers load the
 * list whole (loadTrustList), so one key the format refuses (a kid over 32 characters, stored by a
 * hub from before announcements were bounded) made every verifier refuse every province's keys.
 * Such a key is left out, with a warning naming its province and kid for the operator.
 */
export async function buildTrustList(
  registry: Pick<RegistryService, "certificateKeys">,
  key: NodeKey,
  now = new Date(),
  logger?: Pick<Logger, "warn">,
) {
  const provinces = await registry.certificateKeys();
  const keys = provinces.flatMap((p) =>
    p.keys.flatMap((k) => {
      const listed = TrustListKey.safeParse({
        provinceCode: p.provinceCode,
        kid: k.kid,
        suite: k.suite,
        publicKey: k.publicKey,
        // Dated by the registry, never by this read (see RegistryService.certificateKeys).
        validFrom: k.validFrom,
        validTo: k.validTo ?? null,
      });
      if (listed.success) return [listed.data];
      logger?.warn(
        {
          provinceCode: p.provinceCode,
          kid: k.kid.slice(0, 80),
          problems: listed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
        },
        "certificate key left off the national trust list: the trust-list format refuses it",
      );
      return [];
    }),
  );
  // The whole body too: what is signed here must be what every verifier parses, or it is the hub's
  // own fault (a 500), never a list that verifiers refuse.
  const checked = TrustListBody.safeParse({
    format: "roadcert-trust-list/1" as const,
    issuer: "hub",
    generatedAt: now.toISOString(),
    validUntil: new Date(now.getTime() + VALID_FOR_SECONDS * 1000).toISOString(),
    refreshSeconds: TRUST_LIST_REFRESH_SECONDS,
    keys,
  });
  // Thrown as a plain error: a ZodError would be answered 400, blaming the verifier that asked.
  if (!checked.success)
    throw new Error("national trust list breaks its own format", { cause: checked.error });
  const body = checked.data;
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
