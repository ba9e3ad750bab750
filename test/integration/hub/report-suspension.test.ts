import { expect } from "chai";
import { CurrentMonthReport } from "../../../server/contracts/hub-report.js";
import { createIntakeLedger, createRegistryService, createReportService } from "../../../server/hub/index.js";
import { intakeRow } from "../../../server/hub/report/index.js";
import { monthReportCsv } from "../../../server/hub/report/report-csv.js";
import { generateNodeKey } from "../../../server/sharing/index.js";
import { useTestDatabase } from "../../helpers/database.js";

const ZONE = "Asia/Shanghai";
/** Beijing wall-clock time as an instant (UTC+8, no DST). */
const beijing = (iso: string) => new Date(`${iso}+08:00`);

/**
 * A province the hub suspended had its batches refused (node_suspended): a month it sent nothing
 * in while suspended is the hub's doing, not a failure to report, and the signed report must say
 * so (暂停接入), since it cannot be corrected once published.
 */
describe("hub monthly report: a suspended province's month", () => {
  const db = useTestDatabase("hub_report_suspension");
  const registry = () => createRegistryService(db.conn);

  /** A province in the network since 2025 (so it owes reports in 2026). */
  const aProvince = async (provinceCode: string) => {
    await registry().register({
      provinceCode,
      name: provinceCode,
      nodeKey: generateNodeKey().publicKeyX,
      certificateKeys: [],
    });
    await db.conn
      .collection("hub_nodes")
      .updateOne({ provinceCode }, { $set: { registeredAt: new Date(Date.UTC(2025, 0, 1)) } });
  };
  const reportOf = (month: string, at = beijing("2026-12-06T10:00:00")) =>
    createReportService(db.conn, {
      registry: registry(),
      timeZone: ZONE,
      latencyTargetHours: 24,
      now: () => at,
    }).monthReport(month);
  const statusOf = (report: CurrentMonthReport, code: string) => {
    const p = report.provinces.find((x) => x.provinceCode === code);
    return [p?.reportingStatus, p?.reportingStatusLabel];
  };
  const aRecordSent = (sourceProvince: string, receivedAt: Date, recordId: string) =>
    createIntakeLedger(db.conn).write([
      intakeRow(
        { batchId: `b-${recordId}`, sourceProvince, receivedAt },
        { index: 0, recordId, version: 1, outcome: "accepted", reasons: [] },
        { recordId },
      ),
    ]);

  it("when the hub suspended a province on the month's first day and it sent nothing, then its month is 暂停接入 while a province that merely sent nothing stays 未上报", async () => {
    await aProvince("320000");
    await aProvince("330000");
    await registry().setStatus("320000", "suspended", undefined, beijing("2026-11-01T09:30:00"));

    const report = await reportOf("2026-11");
    expect(CurrentMonthReport.safeParse(report).success).to.equal(true);
    expect(statusOf(report, "320000")).to.deep.equal(["suspended", "暂停接入"]);
    expect(statusOf(report, "330000")).to.deep.equal(["not_reported", "未上报"]);
    const row = monthReportCsv(report)
      .split("\r\n")
      .find((l) => l.includes(",江苏省,"));
    expect(row).to.include("暂停接入").and.not.include("未上报");
    // The month as words: "2026-11" opened in Excel as a date (Nov 2026 → 2026/11/1).
    expect(row?.startsWith("\uFEFF") ? row.slice(1) : row).to.match(/^2026年11月,/);
    expect(row).to.not.include("2026-11");
  });

  it("when a suspension ended before the month began, then a month with nothing sent is 未上报 again", async () => {
    await aProvince("340000");
    await registry().setStatus("340000", "suspended", undefined, beijing("2026-09-10T09:00:00"));
    await registry().setStatus("340000", "active", undefined, beijing("2026-10-31T23:59:00"));

    expect(statusOf(await reportOf("2026-10"), "340000")).to.deep.equal(["suspended", "暂停接入"]);
    expect(statusOf(await reportOf("2026-11"), "340000")).to.deep.equal(["not_reported", "未上报"]);
    expect(statusOf(await reportOf("2026-08"), "340000")).to.deep.equal(["not_reported", "未上报"]);
  });

  it("when a province was suspended for part of a month after sending records, then what it sent is counted and the month is 已上报", async () => {
    await aProvince("350000");
    await aRecordSent("350000", beijing("2026-11-03T10:00:00"), "fj-1");
    await registry().setStatus("350000", "suspended", undefined, beijing("2026-11-20T10:00:00"));

    const p = (await reportOf("2026-11")).provinces.find((x) => x.provinceCode === "350000");
    expect([p?.reportingStatus, p?.published, p?.accepted]).to.deep.equal(["reported", 1, 1]);
  });

  it("when a node is suspended twice without being made active, or made active twice, then one dated interval is kept, opened at the first and closed at the first resumption", async () => {
    await aProvince("360000");
    await registry().setStatus("360000", "suspended", undefined, beijing("2026-10-05T08:00:00"));
    await registry().setStatus("360000", "suspended", undefined, beijing("2026-10-06T08:00:00"));
    await registry().setStatus("360000", "active", undefined, beijing("2026-10-07T08:00:00"));
    await registry().setStatus("360000", "active", undefined, beijing("2026-10-08T08:00:00"));

    const node = await db.conn.collection("hub_nodes").findOne({ provinceCode: "360000" });
    expect(node?.suspensions).to.deep.equal([
      { from: beijing("2026-10-05T08:00:00"), to: beijing("2026-10-07T08:00:00") },
    ]);
  });
});
