import type { MonthReport, ProvinceMonthFigures, ProvinceMonthReport } from "../../contracts/hub-report.js";
import { toCsvText, type CsvValue } from "../../lib/csv.js";
import { REJECT_CODE_LABELS } from "../../contracts/hub-collection.js";
import { percentOf } from "../../contracts/report-percent.js";
import { SCORE_WEIGHTS, type ScoreKey } from "./figures.js";

const EXCHANGE_LABELS = { filing: "异地备案", transfer: "转籍", notice: "抄告" } as const;

/** An instant as the hub's people read it: in the report's one time zone. */
const wallTime = (iso: string, zone: string) =>
  new Intl.DateTimeFormat("zh-CN", { timeZone: zone, dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" }).format(new Date(iso));
/** A month "2026-11" as "2026年11月" (anything else as it is). */
const monthName = (month: string) => month.replace(/^(\d{4})-(\d{2})$/, (_, y: string, m: string) => `${y}年${Number(m)}月`);
/** A score component's value as a percentage, rounded as the page rounds it (contracts/report-percent.ts). */
const percent = (ratio: number | null): CsvValue => percentOf(ratio) ?? "";
const COMPONENTS = Object.keys(SCORE_WEIGHTS) as ScoreKey[];
const seconds = (v: number | null): CsvValue => (v === null ? "" : Math.round(v));
/** A rejection reason as the pages name it (the contract's words); a code unknown there shown as itself, marked. */
const reasonLabel = (code: string): string =>
  Object.hasOwn(REJECT_CODE_LABELS, code) ? REJECT_CODE_LABELS[code as keyof typeof REJECT_CODE_LABELS] : `其他（${code}）`;

/**
 * The monthly report as one CSV row per province (UTF-8 with BOM for Excel), written through the
 * server's one CSV writer. Names, not codes, lead each row; the code follows for machines.
 */
export function monthReportCsv(report: MonthReport): string {
  const header: CsvValue[] = [
    "月份", "省份", "省级代码", "上报状态", "上报记录", "接收", "重复", "过期版本", "被拒", "被拒原因",
    "考试至中心时延中位数(秒)", "考试至中心时延P95(秒)", "记录时延中位数(秒)", "记录时延P95(秒)",
    // Counts, named as counts: the page's column "N 小时内到达" is the share. The denominator and the
    // score's components let a reader check the score (数据完整率 is the completeness component).
    "计入及时率的记录（条）", `${report.latencyTargetHours}小时内到达（条）`,
    ...COMPONENTS.map((k) => `${SCORE_WEIGHTS[k].label}(%)`),
  ];
  const kinds = ["filing", "transfer", "notice"] as const;
  if (report.exchangeIncluded)
    for (const k of kinds)
      header.push(`${EXCHANGE_LABELS[k]}发出`, `${EXCHANGE_LABELS[k]}收到`, `${EXCHANGE_LABELS[k]}已答复`, `${EXCHANGE_LABELS[k]}有异议`, `${EXCHANGE_LABELS[k]}逾期`, `${EXCHANGE_LABELS[k]}确认时长中位数(秒)`);
  header.push("数据质量评分", "与变更日志一致", "截至");

  // Reports of format /1 (published before the status existed) have no status: the cell stays empty.
  const row = (p: ProvinceMonthFigures | ProvinceMonthReport): CsvValue[] => {
    const cells: CsvValue[] = [
      // The status by its name: 未上报 and 豁免 must not read alike as a row of zeros.
      // "2026年11月", not "2026-11": Excel and WPS open that as a date (2026/11/1).
      monthName(report.month), p.provinceName, p.provinceCode, "reportingStatusLabel" in p ? p.reportingStatusLabel : "", p.published, p.accepted, p.duplicate, p.stale, p.rejected,
      // Read by people in Excel: the reason's words, as the pages show them, not its code.
      p.rejectedByReason.map((r) => `${reasonLabel(r.code)}：${r.count}`).join("；"),
      seconds(p.examLatency.medianSeconds), seconds(p.examLatency.p95Seconds),
      seconds(p.recordLatency.medianSeconds), seconds(p.recordLatency.p95Seconds),
      p.recordLatency.count, p.recordLatency.withinTarget,
      ...COMPONENTS.map((k) => percent(p.components.find((c) => c.key === k)?.value ?? null)),
    ];
    if (report.exchangeIncluded)
      for (const k of kinds) {
        const x = p.exchange.find((e) => e.kind === k);
        cells.push(x?.sent ?? 0, x?.received ?? 0, x?.answered ?? 0, x?.problems ?? 0, x?.overdue ?? 0, seconds(x?.ackMedianSeconds ?? null));
      }
    cells.push(p.score ?? "无数据", p.ledgerConsistent ? "是" : "否", wallTime(report.partial ? report.generatedAt : report.to, report.timeZone));
    return cells;
  };
  const provinces: readonly (ProvinceMonthFigures | ProvinceMonthReport)[] = report.provinces;
  return toCsvText([header, ...provinces.map(row)], { bom: true });
}
