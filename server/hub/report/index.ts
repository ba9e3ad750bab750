/**
 * The hub's monthly report (月度通报), data-quality scores (数据质量评估) and live dashboard.
 *
 * Glossary: the *intake ledger* (`hub_intake`) has one row per record a province published, with
 * its outcome (accepted, duplicate, stale, rejected with reasons), its UpdateTime and which
 * completeness elements it carried; a *report month* is a calendar month in the hub's one time
 * zone; the *data-quality score* is the weighted mean written down in the README (数据质量评分) and
 * in figures.ts; a *published report* is the canonical JSON of an ended month's report, signed
 * with the hub's node key and never changed.
 */
import type { Connection } from "mongoose";
import type { ReportingExemption } from "../../contracts/hub-report.js";
import type { Access } from "../../access/index.js";
import type { AuditService } from "../../audit/index.js";
import type { Logger } from "../../lib/logger.js";
import type { MessageLog, NodeKey } from "../../sharing/index.js";
import type { RegistryService } from "../registry.service.js";
import { createDashboardService } from "./dashboard.service.js";
import { createPublicationService } from "./publication.service.js";
import { reportOperatorRouter, reportPublicRouter } from "./report.routes.js";
import { createReportService, type ExchangeFactsPort } from "./report.service.js";

export { createIntakeLedger, intakeRow, updateTimeInstant, type IntakeLedger, type IntakeRow } from "./intake-ledger.js";
export { COMPLETENESS_ELEMENTS, median, percentile, qualityScore, SCORE_WEIGHTS } from "./figures.js";
export { monthOf, monthWindow } from "./month.js";
export { createReportService, reportingStatus, type ExchangeFactsPort, type ReportService } from "./report.service.js";
export { createDashboardService, type DashboardService } from "./dashboard.service.js";
export { verifyPublishedReport, type ReportVerdict } from "./verify-report.js";

export interface HubReportDeps {
  conn: Connection;
  logger: Logger;
  key: NodeKey;
  registry: RegistryService;
  log: MessageLog;
  access: Access;
  audit: AuditService;
  timeZone: string;
  latencyTargetHours: number;
  /** Legacy exemptions from reporting (config HUB_REPORT_EXEMPTIONS). */
  exemptions?: readonly ReportingExemption[];
  exchange?: ExchangeFactsPort;
}

export function createHubReport(deps: HubReportDeps) {
  const reports = createReportService(deps.conn, deps);
  const publications = createPublicationService(deps.conn, {
    reports,
    key: deps.key,
    audit: deps.audit,
    timeZone: deps.timeZone,
    exchange: deps.exchange,
  });
  const dashboard = createDashboardService(deps.conn, deps);
  return {
    reports,
    publications,
    dashboard,
    operatorRouter: reportOperatorRouter({ access: deps.access, reports, publications, dashboard }),
    publicRouter: reportPublicRouter({ publications }),
  };
}
