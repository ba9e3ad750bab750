import type { Access } from "../access/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { noQuery, strictRouter } from "../lib/http.js";
import { createMessageLog } from "./message-log.js";
import { createNodeClient, type NodeClient } from "./node-client.js";
import { loadOrCreateNodeKey } from "./node-key.js";
import { createLegacyImportService } from "./legacy-import.service.js";
import { createLegacyTransferOut, type TransferIssuedNotice } from "./legacy-transfer.js";
import { createLookupLimiter } from "./lookup-limits.js";
import { createLookupService, type LookupAuditPort, type LookupService } from "./lookup.service.js";
import { createPublisher, PUBLISHED_EVENTS, type Publisher, type PublisherOptions } from "./publisher.js";
import type { RetryAuditPort } from "./outbound-retry.js";
import { keyIdOf, publicKeyFromX, type NodeKey } from "./signed-message.js";
import { sharingRouter } from "./sharing.routes.js";
import { createStatusListPusher, type CertificateKeysPort, type StatusListPusher } from "./status-list-pusher.js";
import type { SignedDocument } from "../contracts/certificates.js";
import type { LookupNoticesPage } from "../contracts/hub.js";
import type { ClientSession } from "mongoose";

export interface SharingFeature extends Feature {
  key: NodeKey;
  publisher: Publisher;
  statusLists: StatusListPusher | null;
  /** The hub's home of a person, for the check before a first certificate (lookup.service.ts `homeOf`). */
  homeOf: LookupService["homeOf"];
  /**
   * A transfer this province agreed to was issued elsewhere: cancels the holder's legacy register
   * entry at the hub when the node held no certificate of them (inside the caller's transaction;
   * `afterCommit` wakes the publisher). `cancelled` is false when the notice names no such entry.
   */
  legacyTransferIssued(
    session: ClientSession,
    notice: TransferIssuedNotice,
  ): Promise<{ cancelled: boolean; afterCommit: () => void }>;
}

/** Whether the node has a hub to send to and ask (HUB_URL and HUB_PUBLIC_KEY): without, records queue and wait. */
export function hasHub(config: Pick<FeatureContext["config"], "hub">): boolean {
  return Boolean(config.hub.url && config.hub.publicKey);
}

/**
 * The province side of the national hub: the node key (made on first start), the signed client
 * to the hub pinned by HUB_URL + HUB_PUBLIC_KEY, the publisher (a consumer of the outbox), and the
 * officer's routes. Without a configured hub, records queue and wait.
 */
export function createSharingFeature(
  ctx: FeatureContext,
  options: {
    audit: LookupAuditPort & RetryAuditPort;
    access: Access;
    /** This node's signed certificate status list (from the certificates feature), which the hub serves. */
    statusList?: () => Promise<SignedDocument>;
    /** This node's certificate keys, announced to the hub with the status list (a rotated key before it signs). */
    certificateKeys?: CertificateKeysPort;
    /** Lookups made of this province's people, newest first, as the exchange keeps them. */
    lookupNotices: (before: number | undefined, limit: number) => Promise<LookupNoticesPage>;
    key?: NodeKey;
    publisher?: Partial<PublisherOptions>;
  },
): SharingFeature {
  const { conn, config, logger, events } = ctx;
  const key = options.key ?? loadOrCreateNodeKey(config.nodeKey.dir);
  const log = createMessageLog(conn);
  let client: NodeClient | null = null;
  // The condition `hasHub` states (written out here so the compiler knows both are set).
  if (config.hub.url && config.hub.publicKey) {
    const peer = { name: "hub", url: config.hub.url, keyId: keyIdOf(config.hub.publicKey), publicKey: publicKeyFromX(config.hub.publicKey) };
    client = createNodeClient({ key, peer, log });
  } else {
    logger.warn("HUB_URL or HUB_PUBLIC_KEY not set: records are queued for the hub but not sent");
  }
  const publisher = createPublisher({ conn, logger, client: () => client, ...options.publisher });
  // The publisher reads the outbox itself; the bus's dispatch of a published event (right after its
  // commit) only wakes it instead of waiting for its next poll.
  for (const name of PUBLISHED_EVENTS) events.subscribe(name, () => publisher.kick());
  const statusList = options.statusList;
  const pusher = statusList ? createStatusListPusher({ client: () => client, statusList, logger, keys: options.certificateKeys }) : null;
  // Every event that can change a slot: an issue (a reissue or a transfer back retires its old slot
  // with only `certificate.issued`) and a status change; the timed push (every 5 minutes) follows.
  for (const name of ["certificate.issued", "certificate.status_changed"] as const) events.subscribe(name, () => pusher?.push());
  const lookups = createLookupService({
    client: () => client,
    audit: options.audit,
    logger,
    limiter: createLookupLimiter(conn, config.hub.lookupLimits),
  });
  const legacy = createLegacyImportService({ provinceCode: config.provinceCode ?? "", client: () => client, audit: options.audit, logger });

  const legacyTransfers = createLegacyTransferOut({ conn, provinceCode: config.provinceCode ?? "", audit: options.audit });

  const router = strictRouter();
  router.get("/sharing/identity", noQuery, (_req, res) => {
    res.json({ keyId: key.keyId, publicKey: key.publicKeyX, alg: "ed25519", provinceCode: config.provinceCode });
  });
  router.use(
    sharingRouter({
      publisher,
      lookups,
      legacy,
      access: options.access,
      audit: options.audit,
      lookupNotices: options.lookupNotices,
    }),
  );
  return {
    name: "sharing",
    router,
    key,
    publisher,
    statusLists: pusher,
    homeOf: (check) => lookups.homeOf(check),
    legacyTransferIssued: async (session, notice) => ({
      cancelled: await legacyTransfers.cancel(session, notice),
      afterCommit: () => publisher.kick(),
    }),
    start: () => {
      publisher.start();
      pusher?.start();
      return Promise.resolve();
    },
    stop: async () => {
      await pusher?.stop();
      await publisher.stop();
    },
  };
}
