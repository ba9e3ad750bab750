import { expect } from "chai";
import { createAuditService } from "../../../server/audit/index.js";
import type { ExchangeStatsRow } from "../../../server/contracts/exchange.js";
import type { CurrentMonthReport } from "../../../server/contracts/hub-report.js";
import {
  createPublicationService,
  type PublicationService,
} from "../../../server/hub/report/publication.service.js";
import type { ExchangeFactsPort, ReportService } from "../../../server/hub/report/report.service.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";
import { HOUR } from "./report-months.js";

/** October 2026 in Beijing time ends at this instant. */
const OCTOBER_END = new Date("2026-10-31T16:00:00.000Z");

const anOctoberReport = (): CurrentMonthReport => ({
  format: "roadcert-monthly-report/2",
  month: "2026-10",
  timeZone: "Asia/Shanghai",
  from: "2026-09-30T16:00:00.000Z",
  to: OCTOBER_END.toISOString(),
  partial: false,
  generatedAt: new Date().toISOString(),
  latencyTargetHours: 24,
  exchangeIncluded: true,
  provinces: [],
});

/** An exchange row of 江苏 with `pending` received notices still open and not yet due. */
const aRow = (pending: number): ExchangeStatsRow => ({
  province: "320000",
  kind: "notice",
  sent: 0,
  received: pending + 1,
  answered: 1,
  problems: 0,
  ackMedianMs: 1000,
  ackP95Ms: 1000,
  overdue: 0,
  waitingOpen: pending,
  overdueOpen: 0,
  answeredInTime: 1,
  due: 1,
});

const actor: Parameters<PublicationService["publish"]>[1] = {
  id: "u-op",
  kind: "staff",
  roles: ["hub_operator"],
  displayName: "运维员",
  divisionCode: "100000",
  provinceCode: null,
};

/**
 * A cross-province case counts in the month it was sent, once it is answered or its deadline has
 * passed (exchange-stats.ts). Published right after month end, the report left out every case of
 * the month's last days still within its deadline, and no later report counts them: publication
 * waits until the longest acknowledgement deadline of the month's last case has passed.
 */
describe("hub monthly report: publication waits for the month's exchange deadlines", function () {
  this.timeout(30_000);
  const db = useTestDatabase("hub_report_exchange_wait");
  // Each test publishes or refuses October on its own.
  beforeEach(() => db.conn.collection("hub_monthly_reports").deleteMany({}));

  const publications = (now: Date, rows: ExchangeStatsRow[], reads: string[]) =>
    createPublicationService(db.conn, {
      reports: {
        monthReport: () => (reads.push("figures"), Promise.resolve(anOctoberReport())),
      } as unknown as ReportService,
      key: generateNodeKey(),
      audit: createAuditService(db.conn),
      timeZone: "Asia/Shanghai",
      now: () => now,
      exchange: {
        stats: () => (reads.push("exchange"), Promise.resolve(rows)),
        backlog: () => Promise.resolve([]),
        longestAnswerHours: 240,
      } satisfies ExchangeFactsPort,
    });

  const refusal = async (service: PublicationService) => {
    try {
      await service.publish("2026-10", actor);
    } catch (err) {
      return err as Error & { code: string; status: number };
    }
    return expect.fail("published");
  };

  it("when a month is published three days after it ended, then it is refused until its last notice's deadline has passed, naming that time", async () => {
    const reads: string[] = [];
    const err = await refusal(publications(new Date(OCTOBER_END.getTime() + 72 * HOUR), [], reads));
    expect(err).to.include({ code: "exchange_answers_pending", status: 409 });
    // 240 h after the month's end (2026-11-11 00:00 Beijing time) and the settling time.
    expect(err.message)
      .to.match(/[\u4e00-\u9fff]/)
      .and.to.contain("2026")
      .and.to.contain("11")
      .and.to.contain("00:15");
    expect(reads, "refused before any figure is read").to.deep.equal([]);
  });

  it("when the deadlines have passed but a case of the month is still open within its own deadline, then it is refused as well", async () => {
    const reads: string[] = [];
    const err = await refusal(publications(new Date(OCTOBER_END.getTime() + 241 * HOUR), [aRow(2)], reads));
    expect(err).to.include({ code: "exchange_answers_pending", status: 409 });
    expect(err.message).to.contain("2 件");
    expect(reads).to.deep.equal(["exchange"]);
  });

  it("when every case of the month is answered or overdue, then the month is published", async () => {
    const reads: string[] = [];
    const summary = await publications(
      new Date(OCTOBER_END.getTime() + 241 * HOUR),
      [aRow(0)],
      reads,
    ).publish("2026-10", actor);
    expect(summary.month).to.equal("2026-10");
    expect(reads).to.include("figures");
  });
});
