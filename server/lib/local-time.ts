/**
 * Times as people at the node read them: in the node's one time zone (TIME_ZONE), whatever the
 * server's or browser's, in the zh-CN order (2026-12-01 09:00). Exports, PDFs and messages use it,
 * so a CSV opened elsewhere still shows the time the exam room keeps. Every calendar date and wall
 * time the server writes comes from here, read in a named zone: adding eight hours by hand and
 * reading the UTC fields worked only for China and only until someone changed one copy.
 */

/** China Standard Time (UTC+8, no daylight saving): the zone certificate dates and MOT interfaces use. */
export const CHINA_TIME_ZONE = "Asia/Shanghai";

/** The zone a node runs in unless TIME_ZONE says otherwise (China keeps one official time). */
export const DEFAULT_TIME_ZONE = CHINA_TIME_ZONE;

const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of `at` in `timeZone`, two digits each (four for the year). */
function wallParts(at: Date | string, timeZone: string) {
  let f = wallFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("zh-CN", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    wallFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(typeof at === "string" ? new Date(at) : at);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? "";
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
  };
}

/** `at` in `timeZone` as `YYYY-MM-DD HH:mm`, or its date or time of day alone. */
export function formatLocal(
  at: Date | string,
  timeZone: string,
  what: "datetime" | "date" | "time" = "datetime",
): string {
  const p = wallParts(at, timeZone);
  const date = `${p.year}-${p.month}-${p.day}`;
  const time = `${p.hour}:${p.minute}`;
  return what === "date" ? date : what === "time" ? time : `${date} ${time}`;
}

/**
 * The calendar date (`YYYY-MM-DD`) `at` falls on in `timeZone`: 16:30 UTC on 6 December is
 * 7 December in Beijing. What certificates print and their validity rules compare.
 */
export function localDate(at: Date | string, timeZone: string): string {
  return formatLocal(at, timeZone, "date");
}

/**
 * China's calendar date (`YYYY-MM-DD`) `days` days after `at`: certificate and interface dates are
 * China's calendar days whatever TIME_ZONE says, so validity, issue dates and the MOT and exchange
 * interfaces never read "today" in the node's display zone.
 */
export function chinaDate(at: Date | string, days = 0): string {
  return localDate(days === 0 ? at : new Date(new Date(at).getTime() + days * 86_400_000), CHINA_TIME_ZONE);
}

/** `YYYYMMDDhhmmss`, the wall time of `at` in `timeZone`: how MOT's interface specs write UpdateTime. */
export function localTimestamp(at: Date | string, timeZone: string): string {
  const p = wallParts(at, timeZone);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

const shownFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as the pages print it (`2026年12月7日 00:30:05`; `"minute"`: `2026年12月7日 00:30`):
 * the options of the client's `formatDateTime` (client/src/shared/time.ts), for server texts a page
 * shows beside its own times (the verify page's banner, the verifying CLI), so one screen never
 * mixes two date formats. A value that does not parse is returned as given. The zone has no
 * default: a defaulted zone let a hub service print Beijing time on a hub in another zone, so each
 * caller names the node's (`config.timeZone` or its injected zone).
 */
export function formatShown(
  at: Date | string,
  timeZone: string,
  precision: "second" | "minute" = "second",
): string {
  const d = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const id = `${timeZone}|${precision}`;
  let f = shownFormatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat("zh-CN", {
      dateStyle: "medium",
      timeStyle: precision === "second" ? "medium" : "short",
      hourCycle: "h23",
      timeZone,
    });
    shownFormatters.set(id, f);
  }
  return f.format(d);
}

/**
 * The calendar day `at` falls on in `timeZone`, as that day's UTC midnight: the form the
 * date-of-birth and anniversary rules count in (their dates are days, read through UTC fields).
 * Before 08:00 in Beijing the UTC date is still yesterday: a 61st birthday would count as 60.
 */
export function calendarDay(at: Date, timeZone: string): Date {
  return new Date(`${localDate(at, timeZone)}T00:00:00Z`);
}
