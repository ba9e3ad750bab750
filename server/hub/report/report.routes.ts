import type { Router } from "express";
import { actorOf, type Access } from "../../access/index.js";
import {
  CurrentMonthReport,
  Dashboard,
  PublishedReport,
  ReportMonthParams,
  ReportQuery,
  type MonthReport,
} from "../../contracts/hub-report.js";
import { noBody, noQuery, parse, strictRouter } from "../../lib/http.js";
import type { DashboardService } from "./dashboard.service.js";
import type { PublicationService } from "./publication.service.js";
import { conformingReport } from "./report-contract.js";
import { monthReportCsv } from "./report-csv.js";
import type { ReportService } from "./report.service.js";

export interface ReportRouteDeps {
  access: Access;
  reports: ReportService;
  publications: PublicationService;
  dashboard: DashboardService;
}

/**
 * The hub operator's report pages: a month's figures (JSON and CSV; a published month's as signed), publishing the signed report,
 * the published list, and the live dashboard. Answers are checked against their contracts, so a
 * figure the contract does not allow fails here instead of reaching a page or a province.
 */
export function reportOperatorRouter(deps: ReportRouteDeps): Router {
  const r = strictRouter();
  const read = deps.access.route("hub-report:read");
  /**
   * A published month's figures are the signed ones (a published figure never changes, and the
   * page must show what the provinces verify); an unpublished month, or one province of any month,
   * is computed now.
   */
  const figures = async (month: string, province: string | undefined): Promise<MonthReport> =>
    (province === undefined ? await deps.publications.signedReport(month) : null) ??
    conformingReport(CurrentMonthReport, await deps.reports.monthReport(month, province));

  r.get("/hub/report/months/:month", read, async (req, res) => {
    const { month } = parse(ReportMonthParams, req.params);
    const q = parse(ReportQuery, req.query);
    res.json(await figures(month, q.province));
  });
  r.get("/hub/report/months/:month/report.csv", read, async (req, res) => {
    const { month } = parse(ReportMonthParams, req.params);
    const q = parse(ReportQuery, req.query);
    const csv = monthReportCsv(await figures(month, q.province));
    res.setHeader("content-type", "text/csv; charset=utf-8");
    res.setHeader("content-disposition", `attachment; filename="monthly-report-${month}.csv"`);
    res.send(csv);
  });
  r.post("/hub/report/months/:month/publish", deps.access.route("hub-report:publish"), noBody, async (req, res) => {
    const { month } = parse(ReportMonthParams, req.params);
    res.status(201).json(await deps.publications.publish(month, actorOf(req)));
  });
  r.get("/hub/report/published", read, noQuery, async (_req, res) => {
    res.json(await deps.publications.list());
  });
  r.get("/hub/report/dashboard", read, noQuery, async (_req, res) => {
    res.set("cache-control", "no-store").json(conformingReport(Dashboard, await deps.dashboard.snapshot()));
  });
  return r;
}

/**
 * The published reports, open to anyone: a monthly bulletin of aggregate figures holds no personal
 * data, and its signature — not the channel — is what makes it trustworthy, so a province officer
 * downloads it from a browser and checks it offline. Mounted before the signed node routes, whose
 * gate would otherwise demand a node signature for everything under /hub/v1.
 */
export function reportPublicRouter(deps: { publications: PublicationService }): Router {
  const r = strictRouter();
  r.get("/hub/v1/reports", noQuery, async (_req, res) => {
    res.set("cache-control", "public, max-age=300").json(await deps.publications.publicList());
  });
  r.get("/hub/v1/reports/:month", noQuery, async (req, res) => {
    const { month } = parse(ReportMonthParams, req.params);
    const doc = conformingReport(PublishedReport, await deps.publications.get(month));
    res
      .set("cache-control", "public, max-age=86400, immutable")
      .set("content-disposition", `attachment; filename="monthly-report-${month}.signed.json"`)
      .json(doc);
  });
  return r;
}
