import { errors } from "../../lib/errors.js";
import { calendarMonthText } from "../../contracts/calendar-text.js";

/** The earliest month a report can be asked for: the nationwide interconnection began in May 2015. */
export const FIRST_REPORT_MONTH = "2015-05";

function wallParts(ms: number, zone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(ms);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? "0");
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour") % 24, minute: get("minute"), second: get("second") };
}

/** How far the zone's wall clock is ahead of UTC at instant `ms`. */
function offsetAt(ms: number, zone: string): number {
  const p = wallParts(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of midnight on the first of `year-month` in `zone` (checked twice for a DST edge). */
function monthStart(year: number, month: number, zone: string): Date {
  const asUtc = Date.UTC(year, month - 1, 1);
  let ms = asUtc - offsetAt(asUtc, zone);
  ms = asUtc - offsetAt(ms, zone);
  return new Date(ms);
}

/** The month (`YYYY-MM`) an instant falls in, read in `zone`. */
export function monthOf(at: Date, zone: string): string {
  const p = wallParts(at.getTime(), zone);
  return `${p.year}-${String(p.month).padStart(2, "0")}`;
}

export interface MonthWindow {
  month: string;
  from: Date;
  /** Exclusive. */
  to: Date;
  /** The month has not ended at `now`. */
  partial: boolean;
}

/**
 * The window of a report month in the hub's zone. A month before the programme began or after the
 * current one is refused with its own code: a report of the future would be empty, not true.
 */
export function monthWindow(month: string, zone: string, now: Date): MonthWindow {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw errors.badRequest("invalid_month", "月份须为 YYYY-MM，如 2026-11");
  if (month < FIRST_REPORT_MONTH)
    throw errors.badRequest("month_before_programme", `${calendarMonthText(FIRST_REPORT_MONTH)} 之前没有联网数据，无法生成通报`);
  if (month > monthOf(now, zone)) throw errors.badRequest("future_month", `${calendarMonthText(month)} 尚未到来，无法生成通报`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const from = monthStart(year, mon, zone);
  const to = mon === 12 ? monthStart(year + 1, 1, zone) : monthStart(year, mon + 1, zone);
  return { month, from, to, partial: now.getTime() < to.getTime() };
}
