import type { RegisteredNodeDto } from "../contracts/hub-registry.js";
import { datedKey } from "./certificate-key-bounds.js";
import type { NodeDoc } from "./node.model.js";

/**
 * What leaves the hub of a registered node (the operator's list, a registration's answer, the
 * trust list's keys): every date as an ISO instant, the history (suspensions, revision, write
 * holds) left out. Apart from the registry's changes (registry.service.ts), as presenters.ts is.
 */
export function toRegisteredNodeDto(n: NodeDoc): RegisteredNodeDto {
  return {
    provinceCode: n.provinceCode,
    name: n.name,
    status: n.status,
    nodeKeys: n.nodeKeys.map((k) => ({
      keyId: k.keyId,
      publicKey: k.publicKey,
      addedAt: k.addedAt.toISOString(),
      retiredAt: k.retiredAt ? k.retiredAt.toISOString() : null,
    })),
    // Every start and end as an instant, old records' days and missing starts converted (`datedKey`).
    certificateKeys: n.certificateKeys.map((held) => {
      const k = datedKey(held, n.registeredAt);
      return {
        kid: k.kid,
        suite: k.suite,
        publicKey: k.publicKey,
        validFrom: k.validFrom,
        ...(k.validTo ? { validTo: k.validTo } : {}),
      };
    }),
    endpoint: n.endpoint ?? null,
    registeredAt: n.registeredAt.toISOString(),
  };
}
