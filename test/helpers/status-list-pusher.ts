import type { SignedDocument } from "../../server/contracts/certificates.js";
import type { Logger } from "../../server/lib/logger.js";
import { createStatusListPusher, type NodeClient } from "../../server/sharing/index.js";

/**
 * A status-list pusher over `client` for one certificate key (k1) and a stub list, retrying every
 * `retryMs`, that records its warnings. Shared because the key-announcement tests against a fake
 * hub and a real one built this same pusher; start it in the test, stop it after.
 */
export function aOneKeyStatusListPusher(client: NodeClient, retryMs: number) {
  const warnings: { code?: string; status?: number }[] = [];
  const logger = {
    info: () => undefined,
    warn: (o: { code?: string; status?: number }) => void warnings.push(o),
  } as unknown as Logger;
  const key = { kid: "k1", suite: "ed25519" as const, publicKey: "pk-k1", validFrom: "2026-01-01" };
  const pusher = createStatusListPusher({
    client: () => client,
    statusList: () => Promise.resolve({ document: "list" } as unknown as SignedDocument),
    logger,
    retryMs,
    keys: {
      current: () => Promise.resolve([key]),
      listed: () => Promise.resolve(),
      onChange: () => undefined,
    },
  });
  return { pusher, warnings };
}
