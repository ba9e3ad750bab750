import type { SessionReportDto } from "../contracts/exams.js";
import { toCsvText, type CsvValue } from "../lib/csv.js";
import type { SeatAssignmentDto } from "../contracts/scheduling.js";

/** What the report needs of one attempt. */
export interface ReportAttempt {
  attemptId: string;
  candidateId: string;
  categoryCode: string;
  status: string;
  score: number | null;
  totalPoints: number | null;
  passed: boolean | null;
  chainHash: string | null;
}

const DAY = 86_400_000;
/** 道路运输从业人员管理规定: results are published within 10 days of the exam. */
export const PUBLISH_WITHIN_DAYS = 10;

/**
 * Builds a session report: attendance, pass rate per category and the score distribution (in
 * tens of percent of the paper's total points, the last bucket closed at 100).
 */
export function buildSessionReport(input: {
  sessionId: string;
  categoryCode: string;
  sessionEndsAt: Date;
  assignments: readonly SeatAssignmentDto[];
  attempts: readonly ReportAttempt[];
  publishedAt: Date | null;
  publishedBy: string | null;
}): SessionReportDto {
  const byCandidate = new Map(input.attempts.map((a) => [a.candidateId, a]));
  const submitted = input.attempts.filter((a) => a.status === "submitted");
  const voided = input.attempts.filter((a) => a.status === "voided");
  const categories = new Map<string, { sat: number; passed: number }>();
  for (const a of submitted) {
    const c = categories.get(a.categoryCode) ?? { sat: 0, passed: 0 };
    c.sat++;
    if (a.passed) c.passed++;
    categories.set(a.categoryCode, c);
  }
  const buckets = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i * 10 + 10, count: 0 }));
  for (const a of submitted) {
    const pct = a.totalPoints ? ((a.score ?? 0) / a.totalPoints) * 100 : 0;
    const bucket = buckets[Math.min(9, Math.max(0, Math.floor(pct / 10)))];
    if (bucket) bucket.count++;
  }
  const results: SessionReportDto["results"] = input.assignments.map((s) => {
    const a = byCandidate.get(s.candidateId);
    const status: "submitted" | "voided" | "absent" =
      a?.status === "submitted" ? "submitted" : a?.status === "voided" ? "voided" : "absent";
    return {
      attemptId: a?.attemptId ?? "",
      candidateId: s.candidateId,
      candidateName: s.name,
      ticketNo: s.ticketNo,
      score: status === "submitted" ? (a?.score ?? null) : null,
      passed: status === "submitted" ? (a?.passed ?? null) : null,
      status,
      chainHash: status === "submitted" ? (a?.chainHash ?? null) : null,
    };
  });
  const checkedIn = input.assignments.filter((s) => byCandidate.has(s.candidateId)).length;
  return {
    sessionId: input.sessionId,
    categoryCode: input.categoryCode,
    publishedAt: input.publishedAt?.toISOString() ?? null,
    publishedBy: input.publishedBy,
    publishDueBy: new Date(input.sessionEndsAt.getTime() + PUBLISH_WITHIN_DAYS * DAY).toISOString(),
    attendance: {
      assigned: input.assignments.length,
      checkedIn,
      submitted: submitted.length,
      absent: input.assignments.length - checkedIn,
      voided: voided.length,
    },
    passRateByCategory: [...categories.entries()].map(([categoryCode, c]) => ({
      categoryCode,
      sat: c.sat,
      passed: c.passed,
      passRate: c.sat ? Math.round((c.passed / c.sat) * 10_000) / 10_000 : 0,
    })),
    scoreDistribution: buckets,
    results,
  };
}

const STATUS_LABEL = { submitted: "已交卷", voided: "违纪作废", absent: "缺考" } as const;

/** The report as CSV for officers (UTF-8 with BOM so Excel shows the Chinese headers). */
export function reportToCsv(r: SessionReportDto): string {
  const rows: CsvValue[][] = [
    ["场次", r.sessionId, "类别", r.categoryCode, "发布时间", r.publishedAt ?? "未发布"],
    [
      "应考",
      r.attendance.assigned,
      "实考",
      r.attendance.submitted,
      "缺考",
      r.attendance.absent,
      "违纪",
      r.attendance.voided,
    ],
    ...r.passRateByCategory.map((c) => [
      "类别合格率",
      c.categoryCode,
      "实考",
      c.sat,
      "合格",
      c.passed,
      "合格率",
      `${(c.passRate * 100).toFixed(1)}%`,
    ]),
    ["分数段", ...r.scoreDistribution.map((b) => `${b.from}-${b.to === 100 ? 100 : b.to - 1}`)],
    ["人数", ...r.scoreDistribution.map((b) => b.count)],
    [],
    ["准考证号", "姓名", "考生编号", "状态", "成绩", "是否合格", "作答记录哈希"],
    ...r.results.map((x) => [
      x.ticketNo,
      x.candidateName,
      x.candidateId,
      STATUS_LABEL[x.status],
      x.score,
      x.passed === null ? "" : x.passed ? "合格" : "不合格",
      x.chainHash,
    ]),
  ];
  return toCsvText(rows, { bom: true });
}
