/**
 * Instants as people of the node read them: `2026-11-30 21:40:05` in one IANA zone (the node's
 * TIME_ZONE), never the machine's or the browser's zone and never a bare UTC ISO string. China
 * Standard Time is the default because certificate dates are Chinese calendar dates.
 */
import { DEFAULT_TIME_ZONE } from "../../lib/local-time.js";

export { DEFAULT_TIME_ZONE };

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatZoned(instant: string | Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) return String(instant);
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
