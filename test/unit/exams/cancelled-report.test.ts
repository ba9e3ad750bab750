import { expect } from "chai";
import type { SeatAssignmentDto } from "../../../server/contracts/scheduling.js";
import { buildSessionReport, reportRows } from "../../../server/exams/index.js";

const seat = (i: number): SeatAssignmentDto => ({
  candidateId: `c${i}`,
  ticketNo: `T${i}`,
  seatId: `s${i}`,
  seatNo: i,
  name: `考生${i}`,
  idNumber: "32010219850315001X",
});

/**
 * A cancelled session was not sat: its report, and the exports an office adds up into a centre's
 * or a month's figures, count nobody in it as expected to sit, sitting or absent (应考/实考/缺考),
 * and say it was cancelled. Candidates checked in before the cancellation change nothing of that.
 */
describe("the report of a cancelled session", () => {
  const report = buildSessionReport({
    sessionId: "s1",
    categoryCode: "01001",
    sessionEndsAt: new Date("2026-05-10T02:00:00Z"),
    assignments: [1, 2, 3].map(seat),
    // Checked in before the office cancelled the session (it was never released).
    attempts: [1, 2].map((i) => ({
      attemptId: `a${i}`,
      candidateId: `c${i}`,
      categoryCode: "01001",
      status: "checked_in",
      score: null,
      totalPoints: null,
      passed: null,
      chainHash: null,
    })),
    publishedAt: null,
    publishedBy: null,
    session: {
      categoryName: "经营性道路旅客运输驾驶员",
      testCentreName: "南京市第一考点",
      roomName: "第一考场",
      startsAt: "2026-05-10T01:00:00.000Z",
      endsAt: "2026-05-10T02:00:00.000Z",
      overAt: "2026-05-10T02:00:00.000Z",
      status: "cancelled",
    },
  });

  it("when candidates were checked in before the cancellation, then nobody counts as checked in, sat, absent or voided, and nothing as a result", () => {
    expect(report.attendance).to.deep.include({ checkedIn: 0, submitted: 0, absent: 0, voided: 0 });
    expect(report.results).to.deep.equal([]);
    expect(report.passRateByCategory).to.deep.equal([]);
    expect(report.scoreDistribution.every((b) => b.count === 0)).to.equal(true);
  });

  it("when it is exported, then the attendance line counts nobody as expected to sit, sat or absent, and names the seats it had as cancelled", () => {
    const attendance = reportRows(report, "Asia/Shanghai").find((row) => row[0] === "应考");
    expect(attendance).to.deep.equal(["应考", 0, "实考", 0, "缺考", 0, "违纪", 0, "原安排（场次已取消）", 3]);
  });

  it("when a session that took place is exported, then its attendance line is as before, with nothing about a cancellation", () => {
    const held = buildSessionReport({
      sessionId: "s2",
      categoryCode: "01001",
      sessionEndsAt: new Date("2026-05-10T02:00:00Z"),
      assignments: [1, 2].map(seat),
      attempts: [],
      publishedAt: null,
      publishedBy: null,
      session: { ...report.session, status: "scheduled" },
    });
    const attendance = reportRows(held, "Asia/Shanghai").find((row) => row[0] === "应考");
    expect(attendance).to.deep.equal(["应考", 2, "实考", 0, "缺考", 2, "违纪", 0]);
  });
});
