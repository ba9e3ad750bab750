/**
 * The national hub (全国中心): trusted province nodes, the collection interface (province → hub),
 * the catalog service interface (hub → province), and the operator's pages.
 *
 * Glossary: a *registered node* is a province the hub operator trusts, with its node key and its
 * certificate signing keys; the *pointer index* names each practitioner's home province (which
 * keeps the full file) and what lookups answer; a *change* is an accepted record numbered by the
 * hub's sequence, the cursor of the incremental download; a *lookup* always carries an officer, a
 * reason and a case reference and is visible to the home province.
 */
import type { Access } from "../access/index.js";
import type { AuditService } from "../audit/index.js";
import type { Feature, FeatureContext } from "../feature.js";
import { strictRouter } from "../lib/http.js";
import {
  createMessageLog,
  createNodeGate,
  createNonceStore,
  loadOrCreateNodeKey,
  type NodeKey,
} from "../sharing/index.js";
import { createCatalogService } from "./catalog.service.js";
import { createCollectionService } from "./collection.service.js";
import { hubAdminRouter, hubNodeRouter } from "./hub.routes.js";
import { createHomeContestService } from "./home-contests.js";
import { createRegistryService } from "./registry.service.js";
import { createStatusListService } from "./status-lists.js";
import { createHubReport, createIntakeLedger, type ExchangeFactsPort } from "./report/index.js";

export { createRegistryService, type RegistryService } from "./registry.service.js";
export { createCollectionService, type CollectionService } from "./collection.service.js";
export { createCatalogService, type CatalogService } from "./catalog.service.js";
export { checkRecord, recordHash } from "./record-validation.js";
export { HUB_API_PREFIX } from "./hub.routes.js";
export { OPENAPI_DOCUMENTS } from "./openapi.js";
export { createHubExchangePort, type HubExchangePort } from "./exchange-port.js";
export { holdNodeForWrite } from "./node.model.js";
export {
  createDashboardService,
  createIntakeLedger,
  createReportService,
  verifyPublishedReport,
  type ExchangeFactsPort,
  type ReportVerdict,
} from "./report/index.js";

export interface HubFeature extends Feature {
  key: NodeKey;
  registry: ReturnType<typeof createRegistryService>;
}

export interface HubFeatureOptions {
  key?: NodeKey;
  access: Access;
  audit: AuditService;
  /** The exchange's read API (createExchangeStats) for the monthly report, wired by the composition root. */
  exchangeFacts?: ExchangeFactsPort;
}

export function createHubFeature(ctx: FeatureContext, options: HubFeatureOptions): HubFeature {
  const { conn, config, logger } = ctx;
  const key = options.key ?? loadOrCreateNodeKey(config.nodeKey.dir);
  // The hub's shared audit log: each registry change is recorded in its own transaction.
  const registry = createRegistryService(conn, { audit: options.audit });
  const log = createMessageLog(conn);
  const window = { maxSkewSeconds: config.nodeKey.maxSkewSeconds, maxLifetimeSeconds: 300 };
  const gate = createNodeGate({
    key,
    resolveNode: (keyId) => registry.resolveKey(keyId),
    keptNode: (keyId) => registry.keptKey(keyId),
    publicOrigin: config.http.publicOrigin,
    nonces: createNonceStore(conn, { keepSeconds: window.maxSkewSeconds * 2 + window.maxLifetimeSeconds }),
    log,
    logger,
    window,
    ratePerMinute: config.hub.rateLimitPerMinute,
    refusalBudget: config.hub.unsignedLog,
  });
  // Every record received also feeds the intake ledger of the monthly report (report/), an
  // accepted one inside its own transaction.
  const collection = createCollectionService(conn, {
    logger,
    ledger: createIntakeLedger(conn),
    deletedHomeGraceDays: config.hub.deletedHomeGraceDays,
  });
  const report = createHubReport({
    conn,
    logger,
    key,
    registry,
    log,
    access: options.access,
    audit: options.audit,
    timeZone: config.timeZone,
    latencyTargetHours: config.hub.reportLatencyTargetHours,
    exemptions: config.hub.reportExemptions,
    exchange: options.exchangeFacts,
  });
  const catalog = createCatalogService(conn);
  const statusLists = createStatusListService(conn, { timeZone: config.timeZone, audit: options.audit });
  const router = strictRouter();
  // The published reports are public and must come before the node gate that guards /hub/v1.
  router.use(report.publicRouter);
  router.use(hubNodeRouter({ gate, key, collection, catalog, registry, statusLists, logger }));
  // Contested homes: listed for the operator, reassigned with an audit entry in the same transaction.
  const contests = createHomeContestService(conn, { audit: options.audit });
  router.use(hubAdminRouter({ registry, collection, catalog, contests, log, access: options.access }));
  router.use(report.operatorRouter);
  logger.info({ keyId: key.keyId }, "hub node key loaded");
  // The gate's refusal summary is written before the connection closes (main stops features first).
  return { name: "hub", router, key, registry, stop: () => gate.close() };
}
