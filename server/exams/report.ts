import type { SessionReportDto } from "../contracts/exams.js";
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
  session: SessionReportDto["session"];
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
    session: input.session,
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
