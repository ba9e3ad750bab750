import { expect } from "chai";
import type { QualificationRecord } from "../../../server/contracts/hub.js";
import type { MonthReport, ProvinceMonthFigures } from "../../../server/contracts/hub-report.js";
import { pointerFrom } from "../../../server/hub/pointer-view.js";
import { intakeRow } from "../../../server/hub/report/index.js";
import { monthReportCsv } from "../../../server/hub/report/report-csv.js";

const batch = { batchId: "b-1", sourceProvince: "320000", receivedAt: new Date("2026-12-01T02:00:00Z") };

/** A register entry exactly as the legacy register import builds it (sharing/legacy-register.ts). */
function aRegisterEntry(certificateNumber = "JS2012000123"): QualificationRecord {
  return {
    recordId: `legacy:${certificateNumber}`,
    recordType: "certificate",
    sourceProvince: "320000",
    operation: "add",
    state: "valid",
    updateTime: "20120301000000",
    version: 1,
    practitioner: { idNumber: "320102198001011234", name: "冯雪" },
    categories: ["02001"],
    issuingDivision: "320100",
    certificate: {
      certificateNumber,
      status: "valid",
      issuingAuthority: "南京市道路运输管理处",
      firstIssueDate: "2012-03-01",
      issueDate: "2012-03-01",
      validFrom: "2012-03-01",
      validTo: "2030-02-28",
    },
  };
}
const accepted = (record: QualificationRecord) =>
  intakeRow(
    batch,
    { index: 0, recordId: record.recordId, version: record.version, outcome: "accepted", reasons: [] },
    record,
  );

describe("hub report: which records the timeliness score leaves out", () => {
  it("when a record is a register entry as the import builds it, then it is left out of reporting time", () => {
    expect(accepted(aRegisterEntry()).sourceAt).to.equal(null);
  });

  it("when a province merely names a record legacy:, then it is timed like any other", () => {
    const entry = aRegisterEntry();
    const pass: QualificationRecord = {
      ...entry,
      recordType: "exam_pass",
      certificate: undefined,
      exam: {
        categoryCode: "02001",
        passedOn: "2012-03-01",
        score: 90,
        passMark: 80,
        chainHash: "a".repeat(64),
      },
    };
    const otherNumber = { ...entry, recordId: "legacy:JS2099000001" };
    const notItsIssueDate = { ...entry, updateTime: "20120302000000" };
    const aLaterChange = { ...entry, version: 2, operation: "update" as const, updateTime: "20261130100000" };
    for (const record of [pass, otherNumber, notItsIssueDate, aLaterChange])
      expect(accepted(record).sourceAt, JSON.stringify(record).slice(0, 80)).to.be.instanceOf(Date);
  });
});

describe("hub pointer: the name lookups match", () => {
  const pass = (name: string, updateTime: string, version = 1): QualificationRecord => ({
    recordId: `pass:${name}:${updateTime}`,
    recordType: "exam_pass",
    sourceProvince: "320000",
    operation: "add",
    state: "valid",
    updateTime,
    version,
    practitioner: { idNumber: "320102198001011234", name },
    categories: ["02001"],
    issuingDivision: "320000",
    exam: {
      categoryCode: "02001",
      passedOn: "2026-01-01",
      score: 90,
      passMark: 80,
      chainHash: "a".repeat(64),
    },
  });
  const view = (records: QualificationRecord[], latest: QualificationRecord) =>
    pointerFrom(
      records.map((record) => ({ record })),
      latest,
      "320000",
    );

  it("when an older record arrives last, then the name is the newest live record's", () => {
    const newer = pass("王五", "20261201100000");
    const older = pass("王伍", "20260301100000");
    expect(view([newer, older], older).name).to.equal("王五");
  });

  it("when two records share the update time, then the higher version names the person; a deleted record never does", () => {
    const v1 = pass("王伍", "20261201100000", 1);
    const v3 = pass("王五", "20261201100000", 3);
    expect(view([v3, v1], v1).name).to.equal("王五");
    const deleted = {
      ...pass("王六", "20261202100000"),
      operation: "delete" as const,
      state: "invalid" as const,
    };
    expect(view([v3, deleted], deleted).name).to.equal("王五");
  });
});

describe("hub report CSV", () => {
  const province = (rejectedByReason: ProvinceMonthFigures["rejectedByReason"]): ProvinceMonthFigures => ({
    provinceCode: "320000",
    provinceName: "江苏省",
    published: 3,
    accepted: 0,
    duplicate: 0,
    stale: 0,
    rejected: 3,
    rejectedByReason,
    examLatency: { count: 0, medianSeconds: null, p95Seconds: null, withinTarget: 0 },
    recordLatency: { count: 0, medianSeconds: null, p95Seconds: null, withinTarget: 0 },
    completeness: [],
    exchange: [],
    score: 0,
    components: [],
    ledgerConsistent: true,
    changesAccepted: 0,
  });

  it("when rejections are exported, then each reason is named in Chinese, an unknown code marked as such", () => {
    const report: MonthReport = {
      format: "roadcert-monthly-report/1",
      month: "2026-11",
      timeZone: "Asia/Shanghai",
      from: "2026-10-31T16:00:00.000Z",
      to: "2026-11-30T16:00:00.000Z",
      partial: false,
      generatedAt: "2026-12-01T02:00:00.000Z",
      latencyTargetHours: 24,
      exchangeIncluded: false,
      provinces: [
        province([
          { code: "id_check_digit", count: 2 },
          { code: "made_up", count: 1 },
        ]),
      ],
    };
    const row = monthReportCsv(report)
      .split("\r\n")
      .find((l) => l.includes("江苏省"))!;
    expect(row).to.include("身份证校验位错误：2");
    expect(row).to.include("其他（made_up）：1");
    expect(row).to.not.include("id_check_digit");
  });
});
