import { expect } from "chai";
import { CurrentMonthReport, ReportingExemptions } from "../../../server/contracts/hub-report.js";
import { createIntakeLedger, createRegistryService, createReportService } from "../../../server/hub/index.js";
import { intakeRow, monthOf, monthWindow } from "../../../server/hub/report/index.js";
import { monthReportCsv } from "../../../server/hub/report/report-csv.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

const ZONE = "Asia/Shanghai";

/**
 * A province that sent nothing in a month failed to report only if it owed a report: one exempted
 * (存量系统过渡期, HUB_REPORT_EXEMPTIONS) or not yet in the network that month owes none, and the
 * report says which, by a stable code and a Chinese name.
 */
describe("hub monthly report: each province's reporting status", () => {
  const db = useTestDatabase("hub_report_status");
  const now = new Date();
  const thisMonth = monthOf(now, ZONE);
  const lastMonthStart = monthWindow(
    monthOf(new Date(monthWindow(thisMonth, ZONE, now).from.getTime() - 1), ZONE),
    ZONE,
    now,
  );
  const lastMonth = lastMonthStart.month;

  /** Registers a province; `since` back-dates its registration as if it had joined then. */
  const aProvince = async (provinceCode: string, since?: Date) => {
    await createRegistryService(db.conn).register({
      provinceCode,
      name: provinceCode,
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    if (since)
      await db.conn.collection("hub_nodes").updateOne({ provinceCode }, { $set: { registeredAt: since } });
  };
  const reportOf = (month: string, exemptions = "") =>
    createReportService(db.conn, {
      registry: createRegistryService(db.conn),
      timeZone: ZONE,
      latencyTargetHours: 24,
      exemptions: ReportingExemptions.parse(exemptions),
      now: () => now,
    }).monthReport(month);

  before(async () => {
    const longAgo = new Date(Date.UTC(2025, 0, 1));
    await aProvince("320000", longAgo); // 江苏: due, sends nothing
    await aProvince("110000", longAgo); // 北京: exempted last month, sends nothing
    await aProvince("440000"); // 广东: joined this month
    await aProvince("510000", longAgo); // 四川: due, sends a record last month
    const receivedAt = new Date(lastMonthStart.from.getTime() + 3 * 86_400_000);
    await createIntakeLedger(db.conn).write([
      intakeRow(
        { batchId: "sc-1", sourceProvince: "510000", receivedAt },
        {
          index: 0,
          recordId: "x-1",
          version: 1,
          outcome: "rejected",
          reasons: [{ code: "invalid_field", field: null, message: "测试" }],
        },
        { recordId: "x-1" },
      ),
    ]);
  });

  it("when provinces sent nothing in a month, then one due is 未上报, one exempted is 豁免 and one not yet in the network is 未到上报期, each by code and Chinese name", async () => {
    const report = await reportOf(lastMonth, `110000:${lastMonth}..${lastMonth}`);
    expect(CurrentMonthReport.safeParse(report).success).to.equal(true);
    const status = Object.fromEntries(
      report.provinces.map((p) => [p.provinceCode, [p.reportingStatus, p.reportingStatusLabel]]),
    );
    expect(status).to.deep.equal({
      "110000": ["exempted", "豁免上报（存量系统过渡期）"],
      "320000": ["not_reported", "未上报"],
      "440000": ["not_due", "未到上报期（尚未接入）"],
      "510000": ["reported", "已上报"],
    });
  });

  it("when an exemption ends before the month or starts after it, or names no end, then it is applied only to the months it covers", async () => {
    const before = await reportOf(lastMonth, `110000:2015-05..2016-12`);
    expect(before.provinces.find((p) => p.provinceCode === "110000")?.reportingStatus).to.equal(
      "not_reported",
    );
    const later = await reportOf(lastMonth, `110000:${thisMonth}..`);
    expect(later.provinces.find((p) => p.provinceCode === "110000")?.reportingStatus).to.equal(
      "not_reported",
    );
    const open = await reportOf(thisMonth, `110000:${lastMonth}..`);
    expect(open.provinces.find((p) => p.provinceCode === "110000")?.reportingStatus).to.equal("exempted");
  });

  it("when the month's report is exported as CSV, then each row names the status in Chinese and never by its code", async () => {
    const csv = monthReportCsv(await reportOf(lastMonth, `110000:${lastMonth}..${lastMonth}`));
    const lines = csv.split("\r\n");
    expect(lines[0]).to.include("上报状态");
    const row = (name: string) => lines.find((l) => l.includes(`,${name},`)) ?? "";
    expect(row("北京市")).to.include("豁免上报（存量系统过渡期）");
    expect(row("江苏省")).to.include("未上报");
    expect(row("广东省")).to.include("未到上报期（尚未接入）");
    for (const code of ["exempted", "not_reported", "not_due", "reported"]) expect(csv).to.not.include(code);
  });

  it("when an exemption setting is malformed, names no province code or runs backwards, then it is refused naming the entry", () => {
    for (const bad of [
      "110000",
      "110000:2026-13..",
      "11000:2026-01..",
      "320100:2026-01..",
      "110000:2026-05..2026-01",
      "110000:2026-01..2026-02,",
    ])
      expect(ReportingExemptions.safeParse(bad).success, bad).to.equal(false);
    expect(ReportingExemptions.parse(" 110000:2026-01..2026-06 , 440000:2026-03.. ")).to.deep.equal([
      { provinceCode: "110000", from: "2026-01", to: "2026-06" },
      { provinceCode: "440000", from: "2026-03", to: null },
    ]);
    expect(ReportingExemptions.parse("")).to.deep.equal([]);
  });
});
