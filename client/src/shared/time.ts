import { calendarDateText, calendarMonthText } from "@contracts/calendar-text.js";

/**
 * Times as the node's people read them: every page shows instants in the node's configured zone
 * (`/api/system` timeZone, default Asia/Shanghai) whatever zone the browser runs in, and the
 * date-time pickers are read as wall times in that zone too.
 */
let zone = "Asia/Shanghai";

/** Set once from `/api/system` (node-info store) before the first page renders. */
export function setDisplayTimeZone(timeZone: string): void {
  zone = timeZone;
}

export function displayTimeZone(): string {
  return zone;
}

/**
 * A zone as people name it, in Chinese (`Asia/Shanghai` is 中国标准时间), for the pages that say which
 * zone their times are in; the IANA id only where the browser has no Chinese name for it.
 */
export function zoneName(timeZone: string = zone): string {
  const parts = new Intl.DateTimeFormat("zh-CN", { timeZone, timeZoneName: "long" }).formatToParts(
    new Date(),
  );
  return parts.find((p) => p.type === "timeZoneName")?.value ?? timeZone;
}

type Instant = string | number | Date;
const asDate = (v: Instant) => (v instanceof Date ? v : new Date(v));

/** `2026/11/30 09:00` style (date and minutes, 24-hour). */
export function formatDateTime(v: Instant, options: Intl.DateTimeFormatOptions = {}): string {
  return new Intl.DateTimeFormat("zh-CN", {
    dateStyle: "medium",
    timeStyle: "short",
    hourCycle: "h23",
    ...options,
    timeZone: zone,
  }).format(asDate(v));
}

/** The date only, e.g. `2026年11月30日` with `dateStyle: "long"`. */
export function formatDate(v: Instant, dateStyle: "full" | "long" | "medium" | "short" = "medium"): string {
  return new Intl.DateTimeFormat("zh-CN", { dateStyle, timeZone: zone }).format(asDate(v));
}

/**
 * A calendar date (`YYYY-MM-DD`: a certificate's validity, a notice's decision day) written as the
 * pages write a timestamp's date, `2026年12月2日`. It names a day, not an instant, so it is read from
 * its digits and never goes through a time zone (the node's or the browser's would move it a day).
 * Text that is not a real date (a 13th month, 30 February, a timestamp) is shown as given, never
 * as "Invalid Date" or as a neighbouring day; no date at all shows nothing.
 */
export function formatCalendarDate(day: string | null | undefined): string {
  return day === null || day === undefined ? "" : calendarDateText(day);
}

/**
 * A calendar month (`YYYY-MM`: a monthly report's month) as the pages write it, `2026年11月`, the
 * start of `formatCalendarDate`'s text for any day in it. Only for what people read: values sent
 * to the server and file names keep `YYYY-MM`. Text that is not a real month is shown as given; no
 * month at all shows nothing.
 */
export function formatCalendarMonth(month: string | null | undefined): string {
  return month === null || month === undefined ? "" : calendarMonthText(month);
}

/** The time of day, `09:00:05` (or `09:00` with `seconds: false`). */
export function formatClock(v: Instant, seconds = true): string {
  return new Intl.DateTimeFormat("zh-CN", {
    timeStyle: seconds ? "medium" : "short",
    hourCycle: "h23",
    timeZone: zone,
  }).format(asDate(v));
}

/** The hour of the day (0–23) in the node's zone. */
export function hourInZone(v: Instant = Date.now()): number {
  return wallParts(asDate(v).getTime()).hour;
}

function wallParts(ms: number) {
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
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour") % 24,
    minute: get("minute"),
    second: get("second"),
  };
}

/** How far the zone's wall clock is ahead of UTC at `ms`. */
function offsetAt(ms: number): number {
  const p = wallParts(ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * A picker's wall time (`YYYY-MM-DDTHH:mm[:ss]`, meant in the node's zone) as an ISO instant.
 * Checked twice so a wall time next to a daylight-saving change lands on the right side.
 */
export function zonedWallTimeToIso(wall: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!m) return new Date(wall).toISOString();
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  let ms = asUtc - offsetAt(asUtc);
  ms = asUtc - offsetAt(ms);
  return new Date(ms).toISOString();
}

/** An instant as the picker's wall time in the node's zone (`YYYY-MM-DDTHH:mm:ss`). */
export function isoToZonedWallTime(iso: Instant): string {
  const p = wallParts(asDate(iso).getTime());
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** The calendar day `n` days after `day` (`YYYY-MM-DD`; negative `n` goes back): no zone involved. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The calendar day of `v` (default: now) in the node's zone (`YYYY-MM-DD`). */
export function todayInZone(v: Instant = Date.now()): string {
  return isoToZonedWallTime(v).slice(0, 10);
}

/** The calendar month of `v` (default: now) in the node's zone (`YYYY-MM`). */
export function monthInZone(v: Instant = Date.now()): string {
  return isoToZonedWallTime(v).slice(0, 7);
}

/**
 * The month a month picker's cell stands for (`YYYY-MM`). Element Plus builds each cell as the
 * browser's local midnight of its first day, so it is read with the browser's own calendar: read
 * in the node's zone, a browser east of the node saw 1 January as 31 December.
 */
export function pickedMonth(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}
