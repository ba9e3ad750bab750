import type { Connection } from "mongoose";
import type { z } from "zod";
import {
  MAX_CERTIFICATE_KEYS,
  type CertificateKeysReceipt,
  type CertificateSigningKey,
} from "../contracts/hub.js";
import { errors } from "../lib/errors.js";
import { keyRegistryModel } from "./certificate.model.js";
import { keyCoversIssue } from "./crypto/verify-qr.js";

/**
 * This node's certificate keys as the hub's national trust list should carry them, which is what
 * other provinces verify this node's certificates against. `port` is what the sharing feature's
 * status-list push announces them through (its CertificateKeysPort): the keys from the key
 * registry, and where the hub's answer is kept (`hub` on each registry entry, which the signing
 * service's `sealingKey` checks a rotated key against). `wake` asks that push to run now.
 */
export function createHubKeys(conn: Connection, provinceCode: string) {
  const Registry = keyRegistryModel(conn);
  const listeners = new Set<() => void>();
  const wake = (): void => {
    for (const listener of listeners) listener();
  };
  return {
    /** The keys changed (a rotation): announce now. */
    wake,
    /**
     * Refuses `signing_key_not_at_hub` a key the hub's list (`atHub`, from the key's registry entry)
     * does not carry at `issuedAt`, and has the push announce it at once. A key the node rotated to
     * is announced ahead of its switch (the rotation's lead), so this is the case the lead did not
     * cover (the hub unreachable all along, or no lead): a certificate sealed then would look issued
     * and fail in every other province, so the issuance stays pending until the hub lists the key.
     * The node's first key too: the hub's node page registers a node without keys, and the hub
     * then vouches for the key from the node's first push on (never earlier), so a certificate it
     * sealed before that push never verified anywhere else.
     */
    assertListed(
      kid: string,
      atHub: { validFrom: string; validTo?: string | null } | null,
      issuedAt: string,
    ): void {
      if (atHub && keyCoversIssue({ validFrom: atHub.validFrom, validTo: atHub.validTo ?? null }, issuedAt))
        return;
      wake();
      throw errors.conflict(
        "signing_key_not_at_hub",
        `本节点当前签名密钥 ${kid} 尚未列入全国中心的信任列表，签出的证书在外省将无法核验，已拒绝签发；节点正在向全国中心报送该密钥，请稍后重试`,
        { kid, hubValidFrom: atHub?.validFrom ?? null, issuedAt },
      );
    },
    port: {
      async current(): Promise<z.infer<typeof CertificateSigningKey>[]> {
        const rows = await Registry.find({ provinceCode, purpose: "certificate" })
          .sort({ validFrom: 1, kid: 1 })
          .lean();
        // The newest keys when there are more than the hub lists: the ones that sign from now on.
        // Their bounds are sent as the instants the registry holds: rounded out to whole days, the
        // hub's national list vouched for a key ended now (a rotation, a leak) until the next UTC
        // midnight, and whatever it signed meanwhile verified in every other province.
        return rows.slice(-MAX_CERTIFICATE_KEYS).map((r) => ({
          kid: r.kid,
          suite: r.suite,
          publicKey: r.publicKey,
          validFrom: r.validFrom,
          ...(r.validTo ? { validTo: r.validTo } : {}),
        }));
      },
      /** Keeps what the hub lists on each key's registry entry (shared by every instance); a key it left out, none. */
      async listed(listed: CertificateKeysReceipt["listed"]): Promise<void> {
        const atHub = new Map(listed.map((k) => [k.kid, { validFrom: k.validFrom, validTo: k.validTo }]));
        const rows = await Registry.find({ provinceCode, purpose: "certificate" }, { kid: 1, hub: 1 }).lean();
        for (const r of rows) {
          const hub = atHub.get(r.kid) ?? null;
          const kept = r.hub ? { validFrom: r.hub.validFrom, validTo: r.hub.validTo ?? null } : null;
          if (JSON.stringify(kept) !== JSON.stringify(hub))
            await Registry.updateOne({ kid: r.kid }, { $set: { hub } });
        }
      },
      onChange(wake: () => void): void {
        listeners.add(wake);
      },
    },
  };
}
