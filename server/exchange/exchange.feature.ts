import type { Access } from "../access/index.js";
import type { AuditLog, AuditService } from "../audit/index.js";
import type { AuthUser } from "../contracts/auth.js";
import type { Feature, FeatureContext } from "../feature.js";
import { strictRouter } from "../lib/http.js";
import { createHubExchangePort, createRegistryService } from "../hub/index.js";
import {
  createMessageLog,
  createNodeClient,
  createNodeGate,
  createNonceStore,
  keyIdOf,
  loadOrCreateNodeKey,
  PeerRefusal,
  publicKeyFromX,
  type NodeClient,
  type NodeKey,
} from "../sharing/index.js";
import { createExchangeTransport, type TransportOptions } from "./exchange-transport.js";
import { hubExchangeAdminRouter, hubExchangeNodeRouter } from "./hub-exchange.routes.js";
import { createHubExchangeService, type HubExchangeService } from "./hub-exchange.service.js";
import { createHubDocuments } from "./hub-documents.js";
import { createPractitionerPages, type CertificateView } from "./practitioner-page.js";
import { provinceExchangeRouter } from "./province-exchange.routes.js";
import type { TransferSource } from "./transfer-source.js";
import { createProvinceExchangeService, type ProvinceExchangeService } from "./province-exchange.service.js";

/**
 * A timer loop that runs `work` every `ms`, one run at a time, logging (not throwing) failures.
 * With `quickMs`, a run that succeeded is followed after `quickMs` instead (a long poll paces itself).
 */
function loop(ms: number, work: () => Promise<unknown>, onError: (err: unknown) => void, quickMs?: number) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  const tick = () => {
    if (stopped || running) return;
    let delay = ms;
    running = work()
      .then(() => {
        delay = quickMs ?? ms;
      }, onError)
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(tick, delay);
      });
  };
  return {
    start() {
      stopped = false;
      tick();
    },
    kick() {
      if (stopped || running) return;
      if (timer) clearTimeout(timer);
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The hub's exchange interface: its own signed routes under /api/hub/v1/exchange (mounted before
 * the hub feature, whose gate would otherwise take these requests' nonces first), the ministry's
 * case list, and the overdue sweep.
 */
export function createExchangeHubFeature(
  ctx: FeatureContext,
  deps: { access: Access; key?: NodeKey },
): Feature & { exchange: HubExchangeService } {
  const { conn, config, logger } = ctx;
  const key = deps.key ?? loadOrCreateNodeKey(config.nodeKey.dir);
  const registry = createRegistryService(conn);
  const window = { maxSkewSeconds: config.nodeKey.maxSkewSeconds, maxLifetimeSeconds: 300 };
  const gate = createNodeGate({
    key,
    resolveNode: (keyId) => registry.resolveKey(keyId),
    keptNode: (keyId) => registry.keptKey(keyId),
    publicOrigin: config.http.publicOrigin,
    nonces: createNonceStore(conn, { keepSeconds: window.maxSkewSeconds * 2 + window.maxLifetimeSeconds }),
    log: createMessageLog(conn),
    logger,
    window,
    ratePerMinute: config.hub.rateLimitPerMinute,
    refusalBudget: config.hub.unsignedLog,
  });
  const exchange = createHubExchangeService(conn, {
    hub: createHubExchangePort(conn),
    ackHours: config.exchange.ackHours,
    issueHours: config.exchange.transferIssueHours,
  });
  const router = strictRouter();
  router.use(hubExchangeNodeRouter({ gate, exchange, documents: createHubDocuments(conn) }));
  router.use(hubExchangeAdminRouter({ exchange, access: deps.access }));
  const sweep = loop(
    Math.max(config.exchange.pollMs, 10_000),
    () => exchange.sweepOverdue(),
    (err) => logger.warn({ err }, "exchange overdue sweep failed"),
  );
  const stop = () => {
    exchange.releaseWaits();
    return sweep.stop();
  };
  const start = async () => {
    const skipped = await exchange.backfillOpenKeys();
    if (skipped > 0)
      logger.warn(
        { skipped },
        "open exchange cases duplicating an earlier open case were left without an open key",
      );
    sweep.start();
  };
  return { name: "exchange", router, exchange, start, stop };
}

export interface ProvinceExchangeFeature extends Feature {
  exchange: ProvinceExchangeService;
}

/**
 * A province's exchange: the officer's routes, the sender of queued cases and answers, and the
 * inbox puller (a long poll of EXCHANGE_PULL_WAIT_MS at the hub, else every EXCHANGE_POLL_MS).
 * Without a configured hub, cases queue and wait.
 */
export function createExchangeProvinceFeature(
  ctx: FeatureContext,
  deps: {
    access: Access;
    /** The node's audit log; it also tells who made a lookup a case cites (actorOfLookup). */
    audit: AuditLog & Pick<AuditService, "actorOfLookup">;
    certificates: (actor: AuthUser, idNumber: string) => Promise<CertificateView[]>;
    /** This node's certificate of the person, for its agreement to a transfer (see TransferSource). */
    sourceCertificate?: (actor: AuthUser, idNumber: string) => Promise<TransferSource>;
    /** The receiving province issued on a transfer: supersede this province's certificate. */
    onTransferIssued?: TransportOptions["onTransferIssued"];
    /** The hub took this province's agreement to a transfer: push the status list now. */
    onTransferAgreed?: TransportOptions["onTransferAgreed"];
    key?: NodeKey;
  },
): ProvinceExchangeFeature {
  const { conn, config, logger } = ctx;
  const provinceCode = config.provinceCode ?? "";
  let client: NodeClient | null = null;
  if (config.hub.url && config.hub.publicKey) {
    const key = deps.key ?? loadOrCreateNodeKey(config.nodeKey.dir);
    const peer = {
      name: "hub",
      url: config.hub.url,
      keyId: keyIdOf(config.hub.publicKey),
      publicKey: publicKeyFromX(config.hub.publicKey),
    };
    client = createNodeClient({ key, peer, log: createMessageLog(conn) });
  }
  const transport = createExchangeTransport({
    conn,
    logger,
    client: () => client,
    // The issuance notice's handler appends audit entries in the pull's transaction, and the
    // send passes record the refusals they settle on their own (outgoing-settle.ts).
    transaction: (work) => deps.audit.transaction(work),
    audit: deps.audit,
    onTransferIssued: deps.onTransferIssued,
    onTransferAgreed: deps.onTransferAgreed,
    // Audited here, not only in the case history: the receiving province's officers must decide
    // about a certificate they issued on one the home had revoked or withdrawn.
    onSourceEnded: async (session, n) => {
      await deps.audit.append(session, {
        action: "exchange.transfer.source_ended",
        actor: { id: "exchange", kind: "system", name: "跨省交换（转籍）" },
        divisionCode: n.division,
        target: { type: "exchange_case", id: n.caseId },
        details: { idNumber: n.idNumber, homeProvince: n.homeProvince, status: n.status, reason: n.reason },
      });
    },
  });
  const onError = (err: unknown) => {
    // Until the hub operator registers this node every call is refused: expected on a new network.
    if (err instanceof PeerRefusal && err.notRegistered)
      logger.info("hub does not know this node's key yet; exchange retries later");
    else logger.warn({ err }, "exchange transport failed; retrying later");
  };
  const sender = loop(config.exchange.pollMs, () => transport.sendOnce(), onError);
  // Pull on notification: each pull waits at the hub for the next message (long poll) and the next
  // starts right after, so a notice lands within moments; failures back off to the poll interval.
  let abort = new AbortController();
  const waitMs = config.exchange.pullWaitMs;
  const puller = loop(
    config.exchange.pollMs,
    () => transport.pullOnce(provinceCode, { waitMs, signal: abort.signal }),
    (err) => {
      if (!abort.signal.aborted) onError(err);
    },
    waitMs > 0 ? 20 : undefined,
  );
  const exchange = createProvinceExchangeService(conn, {
    provinceCode,
    audit: deps.audit,
    transport,
    kick: () => sender.kick(),
    sourceCertificate: deps.sourceCertificate,
    uploadTtlHours: config.exchange.uploadTtlHours,
    lookupMaker: (lookupId) => deps.audit.actorOfLookup(lookupId),
  });
  // Uploads no notice names: each removal is conditional and transactional, so every instance may sweep.
  const uploadSweep = loop(
    600_000,
    () => exchange.sweepUploads(),
    (err) => logger.warn({ err }, "exchange upload sweep failed"),
  );
  const pages = createPractitionerPages({ exchange, certificates: deps.certificates });
  return {
    name: "exchange",
    router: provinceExchangeRouter({ exchange, pages, access: deps.access }),
    exchange,
    start: () => {
      abort = new AbortController();
      transport.start();
      sender.start();
      puller.start();
      uploadSweep.start();
      return Promise.resolve();
    },
    stop: async () => {
      // The transport first: the pass in flight ends after its current entry, not the whole queue.
      await transport.stop();
      await sender.stop();
      await uploadSweep.stop();
      abort.abort();
      await puller.stop();
    },
  };
}
