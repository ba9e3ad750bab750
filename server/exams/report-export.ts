import ExcelJS from "exceljs";
import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import type { SessionReportDto } from "../contracts/exams.js";
import { toCsvText, type CsvValue } from "../lib/csv.js";
import { formatLocal } from "../lib/local-time.js";

const STATUS_LABEL = { submitted: "已交卷", voided: "违纪作废", absent: "缺考" } as const;
/** Why a handed-in sitting has no score (report.ts `review`). */
const REVIEW_LABEL = { paper_changed: "已交卷（待复核：试卷在作答后被改动，不计分）" } as const;
const categoryName = (code: string) => CATEGORIES[code as CategoryCode] ?? code;

/**
 * Where the results stand. The deadline is an instant (10 days after the session's end), so it is
 * named to the minute: a bare date with 前 read as "before that day" and lost the day itself.
 */
function resultsStatus(r: SessionReportDto, timeZone: string): string {
  if (r.publishedAt) return `已发布（${formatLocal(r.publishedAt, timeZone)}，${r.publishedBy ?? ""}）`;
  if (r.session.status === "cancelled") return "已取消（无成绩）";
  return `未发布（暂定成绩，须于 ${formatLocal(r.publishDueBy, timeZone)} 前发布）`;
}

/**
 * The session report as the office reads it, one array per line: the session by name and local
 * time (the node's zone), attendance, pass rate per category, the score distribution, then one
 * row per candidate. CSV and Excel are written from these same rows, so they never disagree.
 */
export function reportRows(r: SessionReportDto, timeZone: string): CsvValue[][] {
  const s = r.session;
  // A cancelled session was not sat: nobody in it was expected to sit (应考). Offices add these
  // lines up into a centre's or a month's figures, where its seats counted as expected and not
  // sat read as an attendance of 0. The seats it had are kept at the end of the line, named.
  const cancelled = s.status === "cancelled";
  return [
    ["考试场次", `${s.categoryName} · ${s.testCentreName} ${s.roomName}`],
    ["考试时间", `${formatLocal(s.startsAt, timeZone)} – ${formatLocal(s.endsAt, timeZone, "time")}`],
    ["成绩状态", resultsStatus(r, timeZone)],
    [
      "应考",
      cancelled ? 0 : r.attendance.assigned,
      "实考",
      r.attendance.submitted,
      "缺考",
      r.attendance.absent,
      "违纪",
      r.attendance.voided,
      ...(cancelled ? ["原安排（场次已取消）", r.attendance.assigned] : []),
    ],
    ...r.passRateByCategory.map((c) => [
      "类别合格率",
      categoryName(c.categoryCode),
      "实考",
      c.sat,
      "合格",
      c.passed,
      "合格率",
      `${(c.passRate * 100).toFixed(1)}%`,
    ]),
    // "10~19分", not "10-19": Excel and WPS open that as a date (10月19日).
    ["分数段", ...r.scoreDistribution.map((b) => `${b.from}~${b.to === 100 ? 100 : b.to - 1}分`)],
    ["人数", ...r.scoreDistribution.map((b) => b.count)],
    [],
    ["准考证号", "姓名", "状态", "成绩", "是否合格", "作答记录哈希"],
    ...r.results.map((x) => [
      x.ticketNo,
      x.candidateName,
      x.review ? REVIEW_LABEL[x.review] : STATUS_LABEL[x.status],
      x.score,
      x.passed === null ? "" : x.passed ? "合格" : "不合格",
      x.chainHash,
    ]),
  ];
}

/**
 * The report as CSV (UTF-8 with BOM so Excel shows the Chinese), through the one CSV writer; the
 * ticket numbers (digits only) as text, or Excel shows 3.22612E+13 and a re-save keeps only that.
 */
export function reportToCsv(r: SessionReportDto, timeZone: string): string {
  return toCsvText(reportRows(r, timeZone), { bom: true, digitsAsText: true });
}

/**
 * The report as an Excel workbook (one sheet, the same rows as the CSV). Every text is written as
 * a plain string value, never as a formula, so a name such as `=HYPERLINK(…)` is shown, not run.
 */
export async function reportToXlsx(r: SessionReportDto, timeZone: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("成绩");
  for (const row of reportRows(r, timeZone)) sheet.addRow(row.map((v) => (v === undefined ? null : v)));
  sheet.getColumn(1).width = 22;
  sheet.getColumn(2).width = 40;
  for (const col of [3, 4, 5]) sheet.getColumn(col).width = 12;
  sheet.getColumn(6).width = 20;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
