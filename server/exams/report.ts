import type { SessionReportDto } from "../contracts/exams.js";
import { inHundredths } from "../contracts/points.js";
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
  /** Closed without a score, for the exam office to review (`paper_changed`: see closing.ts). */
  review?: "paper_changed" | null;
}

const DAY = 86_400_000;
/** 道路运输从业人员管理规定: results are published within 10 days of the exam. */
export const PUBLISH_WITHIN_DAYS = 10;

/**
 * The score band (0–9, tens of percent of the paper's total points) in whole hundredths of a point:
 * a score exactly on a band's edge lands in that band. As fractions of binary doubles, 8.1 of 9
 * made 89.99…% and 80 of a full mark summed as 100.0000000000001 made 79.99…%, one band too low.
 */
function bandOf(score: number, totalPoints: number): number {
  const total = inHundredths(totalPoints);
  if (total <= 0) return 0;
  const tenths = inHundredths(score) * 10;
  return Math.min(9, Math.max(0, (tenths - (tenths % total)) / total));
}

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
  // A cancelled session was not sat: nobody in it is absent (缺考) and nothing in it is a result.
  const cancelled = input.session.status === "cancelled";
  const attempts = cancelled ? [] : input.attempts;
  const byCandidate = new Map(attempts.map((a) => [a.candidateId, a]));
  const submitted = attempts.filter((a) => a.status === "submitted");
  const voided = attempts.filter((a) => a.status === "voided");
  // A sitting under review was handed in (实考) but has no score: it is in no pass rate and no band.
  const graded = submitted.filter((a) => !a.review);
  const categories = new Map<string, { sat: number; passed: number }>();
  for (const a of graded) {
    const c = categories.get(a.categoryCode) ?? { sat: 0, passed: 0 };
    c.sat++;
    if (a.passed) c.passed++;
    categories.set(a.categoryCode, c);
  }
  const buckets = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i * 10 + 10, count: 0 }));
  for (const a of graded) {
    const bucket = buckets[bandOf(a.score ?? 0, a.totalPoints ?? 0)];
    if (bucket) bucket.count++;
  }
  const seated = cancelled ? [] : input.assignments;
  const results: SessionReportDto["results"] = seated.map((s) => {
    const a = byCandidate.get(s.candidateId);
    const status: "submitted" | "voided" | "absent" =
      a?.status === "submitted" ? "submitted" : a?.status === "voided" ? "voided" : "absent";
    const review = status === "submitted" ? a?.review : null;
    return {
      attemptId: a?.attemptId ?? "",
      candidateId: s.candidateId,
      candidateName: s.name,
      ticketNo: s.ticketNo,
      score: status === "submitted" && !review ? (a?.score ?? null) : null,
      passed: status === "submitted" && !review ? (a?.passed ?? null) : null,
      status,
      chainHash: status === "submitted" ? (a?.chainHash ?? null) : null,
      // Only on a sitting under review, so every other row reads as it always did.
      ...(review ? { review } : {}),
    };
  });
  const checkedIn = seated.filter((s) => byCandidate.has(s.candidateId)).length;
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
      absent: seated.length - checkedIn,
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
