import { expect } from "chai";
import type { CurrentMonthReport, ProvinceMonthReport } from "../../../server/contracts/hub-report.js";
import { monthReportCsv } from "../../../server/hub/report/report-csv.js";
import { formatShare } from "../../../client/src/features/hub/report-view.js";

const latency = (count: number, withinTarget: number) => ({
  count,
  medianSeconds: 60,
  p95Seconds: 120,
  withinTarget,
});

/** 江苏: 23 of 2000 records in time (1.15 %), one element present of three, no exchange answers due. */
function aProvince(): ProvinceMonthReport {
  return {
    provinceCode: "320000",
    provinceName: "江苏省",
    reportingStatus: "reported",
    reportingStatusLabel: "已上报",
    published: 2000,
    accepted: 2000,
    duplicate: 0,
    stale: 0,
    rejected: 0,
    rejectedByReason: [],
    examLatency: latency(2000, 23),
    recordLatency: latency(2000, 23),
    completeness: [{ key: "exam_chain_hash", label: "考试过程哈希", applicable: 3, present: 1 }],
    exchange: [],
    score: 50,
    components: [
      { key: "acceptance", label: "接收合格率", weight: 0.4, value: 1 },
      { key: "timeliness", label: "上报及时率", weight: 0.3, value: 23 / 2000 },
      { key: "completeness", label: "数据完整率", weight: 0.2, value: 1 / 3 },
      { key: "responsiveness", label: "协同响应率", weight: 0.1, value: null },
    ],
    ledgerConsistent: true,
    changesAccepted: 2000,
  };
}

function aReport(): CurrentMonthReport {
  return {
    format: "roadcert-monthly-report/2",
    month: "2026-10",
    timeZone: "Asia/Shanghai",
    from: "2026-09-30T16:00:00.000Z",
    to: "2026-10-31T16:00:00.000Z",
    partial: false,
    generatedAt: "2026-11-12T01:00:00.000Z",
    latencyTargetHours: 24,
    exchangeIncluded: false,
    provinces: [aProvince()],
  };
}

/** The CSV's header and 江苏's row as column name → cell. */
function csvRow(report: CurrentMonthReport): Map<string, string> {
  const [header, row] = monthReportCsv(report)
    .replace(/^\uFEFF/, "")
    .split("\r\n")
    .map((l) => l.split(","));
  return new Map(header!.map((h, i) => [h, row![i]!]));
}

/**
 * The report's CSV and page say the same: a count column is named as a count (the page's column
 * of the same name is a percentage), the score's components and the timeliness denominator are in
 * the file, and a percentage is rounded by one rule in both (23 of 2000 read 1.2 in the CSV, 1.1%
 * on the page).
 */
describe("hub monthly report CSV: the page's figures, named and rounded alike", () => {
  it("when the CSV is written, then the in-time column is named a count and the denominator and every component are there", () => {
    const row = csvRow(aReport());
    expect(row.get("24小时内到达（条）")).to.equal("23");
    expect(row.has("24小时内到达"), "a count under the page's percentage header").to.equal(false);
    expect(row.get("计入及时率的记录（条）")).to.equal("2000");
    expect(row.get("接收合格率(%)")).to.equal("100");
    expect(row.get("上报及时率(%)")).to.equal("1.2");
    expect(row.get("数据完整率(%)")).to.equal("33.3");
    expect(row.get("协同响应率(%)"), "nothing to measure").to.equal("");
  });

  it("when a share is shown on the page and in the CSV, then both round it the same way", () => {
    expect(formatShare(23, 2000)).to.equal("1.2%");
    expect(formatShare(0, 0)).to.equal("—");
    const report = aReport();
    for (const [part, whole] of [
      [23, 2000],
      [1, 3],
      [2, 3],
      [1, 8],
      [3, 8],
      [1, 200],
      [7, 40],
      [5, 5],
      [0, 7],
      [1005, 100_000],
    ] as const) {
      report.provinces[0]!.recordLatency = latency(whole, part);
      report.provinces[0]!.components[1]!.value = part / whole;
      const csv = csvRow(report).get("上报及时率(%)")!;
      expect(`${Number(csv).toFixed(1)}%`, `${part}/${whole}`).to.equal(formatShare(part, whole));
    }
  });
});
