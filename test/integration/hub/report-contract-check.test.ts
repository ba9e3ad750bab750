import { expect } from "chai";
import express from "express";
import request from "supertest";
import type { Access } from "../../../server/access/index.js";
import { createAuditService } from "../../../server/audit/index.js";
import type { CurrentMonthReport } from "../../../server/contracts/hub-report.js";
import {
  createPublicationService,
  type PublicationService,
} from "../../../server/hub/report/publication.service.js";
import { reportOperatorRouter } from "../../../server/hub/report/report.routes.js";
import type { ReportService } from "../../../server/hub/report/report.service.js";
import type { DashboardService } from "../../../server/hub/report/dashboard.service.js";
import { errorHandler } from "../../../server/lib/http.js";
import { createLogger } from "../../../server/lib/logger.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

/** A report of 2026-10 whose one province has a score no report may carry (the hub's own fault). */
function aBrokenReport(): CurrentMonthReport {
  return {
    format: "roadcert-monthly-report/2",
    month: "2026-10",
    timeZone: "Asia/Shanghai",
    from: "2026-09-30T16:00:00.000Z",
    to: "2026-10-31T16:00:00.000Z",
    partial: false,
    generatedAt: new Date().toISOString(),
    latencyTargetHours: 24,
    exchangeIncluded: false,
    provinces: [{ provinceCode: "320000", score: 150 } as unknown as CurrentMonthReport["provinces"][number]],
  };
}
const brokenReports = { monthReport: () => Promise.resolve(aBrokenReport()) } as unknown as ReportService;

/**
 * What the hub signs and answers as a monthly report is checked against the report contract first:
 * a figure outside it is the hub's own fault, a 500 with its own code, never signed (a signed
 * report cannot be withdrawn) nor answered 400 validation_failed as if the caller had erred.
 */
describe("hub monthly report: checked against its contract before it is signed or answered", function () {
  this.timeout(30_000);
  const db = useTestDatabase("hub_report_contract");

  it("when the figures break the report contract, then publishing is refused report_contract_broken (500) and nothing is stored", async () => {
    const publications = createPublicationService(db.conn, {
      reports: brokenReports,
      key: generateNodeKey(),
      audit: createAuditService(db.conn),
      timeZone: "Asia/Shanghai",
      now: () => new Date("2026-12-05T00:00:00Z"),
    });
    const actor: Parameters<PublicationService["publish"]>[1] = {
      id: "u-op",
      kind: "staff",
      roles: ["hub_operator"],
      displayName: "运维员",
      divisionCode: "100000",
      provinceCode: null,
    };
    try {
      await publications.publish("2026-10", actor);
      expect.fail("a report breaking its contract was signed");
    } catch (err) {
      expect(err).to.include({ code: "report_contract_broken", status: 500 });
    }
    expect(await db.conn.collection("hub_monthly_reports").countDocuments({ month: "2026-10" })).to.equal(0);
  });

  it("when the operator reads a month whose figures break the contract, then the answer is 500 report_contract_broken, not 400", async () => {
    const access = {
      route: () => (_req: unknown, _res: unknown, next: () => void) => next(),
    } as unknown as Access;
    const app = express();
    app.use(
      "/api",
      reportOperatorRouter({
        access,
        reports: brokenReports,
        // 2026-10 unpublished: its figures are computed (and checked) now.
        publications: { signedReport: () => Promise.resolve(null) } as unknown as PublicationService,
        dashboard: {} as DashboardService,
      }),
    );
    app.use(errorHandler(createLogger({ level: "silent" })));
    const res = await request(app).get("/api/hub/report/months/2026-10");
    expect(res.status).to.equal(500);
    expect(res.body.error?.code).to.equal("report_contract_broken");
  });
});
