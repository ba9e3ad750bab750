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
