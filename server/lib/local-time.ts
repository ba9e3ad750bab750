/**
 * Times as people at the node read them: in the node's one time zone (TIME_ZONE), whatever the
 * server's or browser's, in the zh-CN order (2026-12-01 09:00). Exports, PDFs and messages use it,
 * so a CSV opened elsewhere still shows the time the exam room keeps.
 */
export function formatLocal(
  at: Date | string,
  timeZone: string,
  what: "datetime" | "date" | "time" = "datetime",
): string {
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(typeof at === "string" ? new Date(at) : at);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? "";
  const date = `${get("year")}-${get("month")}-${get("day")}`;
  const time = `${get("hour")}:${get("minute")}`;
  return what === "date" ? date : what === "time" ? time : `${date} ${time}`;
}

/** The zone a node runs in unless TIME_ZONE says otherwise (China keeps one official time). */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/**
 * The calendar day `at` falls on in `timeZone`, as that day's UTC midnight: the form the
 * date-of-birth and anniversary rules count in (their dates are days, read through UTC fields).
 * Before 08:00 in Beijing the UTC date is still yesterday: a 61st birthday would count as 60.
 */
export function calendarDay(at: Date, timeZone: string): Date {
  return new Date(`${formatLocal(at, timeZone, "date")}T00:00:00Z`);
}
