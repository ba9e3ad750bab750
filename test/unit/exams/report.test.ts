import { expect } from "chai";
import type { SeatAssignmentDto } from "../../../server/contracts/scheduling.js";
import ExcelJS from "exceljs";
import {
  buildSessionReport,
  maskIdNumber,
  reportRows,
  reportToCsv,
  reportToXlsx,
} from "../../../server/exams/index.js";

const seat = (i: number): SeatAssignmentDto => ({
  candidateId: `c${i}`,
  ticketNo: `T${i}`,
  seatId: `s${i}`,
  seatNo: i,
  name: `考生${i}`,
  idNumber: "32010219850315001X",
});

/** The session facts a report prints: one session of 01001 in 南京市第一考点, in the given state. */
const sessionFacts = (status: "scheduled" | "cancelled") => ({
  categoryName: "经营性道路旅客运输驾驶员",
  testCentreName: "南京市第一考点",
  roomName: "第一考场",
  startsAt: "2026-05-10T01:00:00.000Z",
  endsAt: "2026-05-10T02:00:00.000Z",
  overAt: "2026-05-10T02:00:00.000Z",
  status,
});

describe("session report", () => {
  const input: Parameters<typeof buildSessionReport>[0] = {
    sessionId: "s1",
    categoryCode: "01001",
    sessionEndsAt: new Date("2026-05-10T02:00:00Z"),
    assignments: [1, 2, 3, 4, 5].map(seat),
    attempts: [
      {
        attemptId: "a1",
        candidateId: "c1",
        categoryCode: "01001",
        status: "submitted",
        score: 95,
        totalPoints: 100,
        passed: true,
        chainHash: "h1",
      },
      {
        attemptId: "a2",
        candidateId: "c2",
        categoryCode: "01001",
        status: "submitted",
        score: 40,
        totalPoints: 100,
        passed: false,
        chainHash: "h2",
      },
      {
        attemptId: "a3",
        candidateId: "c3",
        categoryCode: "01001",
        status: "submitted",
        score: 100,
        totalPoints: 100,
        passed: true,
        chainHash: "h3",
      },
      {
        attemptId: "a4",
        candidateId: "c4",
        categoryCode: "01001",
        status: "voided",
        score: null,
        totalPoints: null,
        passed: null,
        chainHash: null,
      },
    ],
    publishedAt: null,
    publishedBy: null,
    session: sessionFacts("scheduled"),
  };
  const report = buildSessionReport(input);

  it("when a session has sat, absent and voided candidates, then attendance counts each", () => {
    expect(report.attendance).to.deep.equal({
      assigned: 5,
      checkedIn: 4,
      submitted: 3,
      absent: 1,
      voided: 1,
    });
    expect(report.results.find((r) => r.candidateId === "c5")?.status).to.equal("absent");
  });

  it("when scores are bucketed, then 100 falls in the last bucket and the pass rate counts sat candidates only", () => {
    expect(report.scoreDistribution.at(-1)).to.deep.equal({ from: 90, to: 100, count: 2 });
    expect(report.scoreDistribution[4]?.count).to.equal(1);
    expect(report.passRateByCategory).to.deep.equal([
      { categoryCode: "01001", sat: 3, passed: 2, passRate: 0.6667 },
    ]);
  });

  it("when a score sits exactly on a band's lower edge, then it lands in that band, also on a paper whose full marks were summed as binary fractions", () => {
    const bandsOf = (pairs: [score: number, totalPoints: number][]) =>
      buildSessionReport({
        ...input,
        assignments: pairs.map((_, i) => seat(i + 1)),
        attempts: pairs.map(([score, totalPoints], i) => ({
          attemptId: `e${i}`,
          candidateId: `c${i + 1}`,
          categoryCode: "01001",
          status: "submitted",
          score,
          totalPoints,
          passed: true,
          chainHash: null,
        })),
      }).scoreDistribution.flatMap((b) => Array<number>(b.count).fill(b.from));
    // 40 × 0.5 + 50 × 1.2 + 10 × 2 added one question at a time, as papers built before were stored.
    expect(bandsOf([[80, 100.0000000000001]])).to.deep.equal([80]);
    // 8.1 / 9 is 90 %, though 8.1 / 9 × 100 is 89.99999999999999 in binary fractions.
    expect(bandsOf([[8.1, 9]])).to.deep.equal([90]);
    expect(bandsOf([[79.99, 100]])).to.deep.equal([70]);
  });

  it("when the report is published late, then the due date is 10 days after the session", () => {
    expect(report.publishDueBy).to.equal("2026-05-20T02:00:00.000Z");
  });

  it("when exported as CSV, then it starts with a BOM, quotes fields and defuses formulas", () => {
    const csv = reportToCsv(
      { ...report, results: [{ ...report.results[0]!, candidateName: '=HYPERLINK("x")' }] },
      "Asia/Shanghai",
    );
    expect(csv.startsWith("\uFEFF")).to.equal(true);
    expect(csv).to.include(`"'=HYPERLINK(""x"")"`);
    expect(csv).to.include("准考证号,姓名");
  });

  it("when exported as CSV, then a digit-only ticket number stays text in Excel and the score bands cannot read as dates", () => {
    const ticketNo = "32261200000001";
    const csv = reportToCsv({ ...report, results: [{ ...report.results[0]!, ticketNo }] }, "Asia/Shanghai");
    // Bare, Excel showed 3.22612E+13 and a re-save kept only that; "10-19" opened as 10月19日.
    expect(csv).to.include(`"=""${ticketNo}""",`);
    expect(csv).to.not.include(`\n${ticketNo},`);
    const bands = csv.split("\r\n").find((l) => l.startsWith("分数段,"));
    expect(bands).to.include("10~19分").and.include("90~100分");
    expect(bands).to.not.match(/\d-\d/);
  });

  it("when exported, then the session, categories and times read as names and the node's local time, never codes or ISO strings", () => {
    const csv = reportToCsv(report, "Asia/Shanghai");
    expect(csv).to.include("经营性道路旅客运输驾驶员 · 南京市第一考点 第一考场");
    // 01:00Z is 09:00 in Shanghai; the deadline is the instant 10 days after the session's end.
    expect(csv).to.include("2026-05-10 09:00 – 10:00");
    expect(csv).to.include("须于 2026-05-20 10:00 前发布");
    expect(csv).to.include("类别合格率,经营性道路旅客运输驾驶员");
    expect(csv).not.to.match(/\b01001\b/);
    expect(csv).not.to.match(/\d{4}-\d{2}-\d{2}T/);
    expect(reportToCsv(report, "America/New_York")).to.include("2026-05-09 21:00");
  });

  it("when exported as Excel, then the sheet holds the same rows as the CSV, with a formula-like name as text", async () => {
    const named = { ...report, results: [{ ...report.results[0]!, candidateName: "=1+1" }] };
    const workbook = new ExcelJS.Workbook();
    const bytes = await reportToXlsx(named, "Asia/Shanghai");
    // exceljs types its input as an ArrayBuffer: hand it exactly the workbook's bytes.
    await workbook.xlsx.load(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    const sheet = workbook.getWorksheet("成绩");
    expect(sheet?.getCell("B1").value).to.equal("经营性道路旅客运输驾驶员 · 南京市第一考点 第一考场");
    const rows: unknown[][] = [];
    sheet?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const header = rows.findIndex((r) => r[0] === "准考证号");
    expect(rows[header + 1]?.slice(0, 3)).to.deep.equal(["T1", "=1+1", "已交卷"]);
  });

  it("when a sitting was closed for review (its paper changed), then its row has no score and says why, and it is in no pass rate or score band", () => {
    const review = buildSessionReport({
      ...input,
      attempts: [
        ...input.attempts,
        {
          attemptId: "a5",
          candidateId: "c5",
          categoryCode: "01001",
          status: "submitted",
          score: null,
          totalPoints: null,
          passed: null,
          chainHash: "h5",
          review: "paper_changed",
        },
      ],
    });
    expect(review.results.find((r) => r.attemptId === "a5")).to.deep.equal({
      attemptId: "a5",
      candidateId: "c5",
      candidateName: "考生5",
      ticketNo: "T5",
      score: null,
      passed: null,
      status: "submitted",
      chainHash: "h5",
      review: "paper_changed",
    });
    expect(review.attendance.submitted).to.equal(4);
    expect(review.passRateByCategory).to.deep.equal(report.passRateByCategory);
    expect(review.scoreDistribution).to.deep.equal(report.scoreDistribution);
    const row = reportRows(review, "Asia/Shanghai").find((r) => r[0] === "T5");
    expect(row?.slice(2, 5)).to.deep.equal(["已交卷（待复核：试卷在作答后被改动，不计分）", null, ""]);
  });

  it("when an ID number is masked, then only the first and last four characters remain", () => {
    expect(maskIdNumber("32010219850315001X")).to.equal("3201**********001X");
  });
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
    session: sessionFacts("cancelled"),
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
