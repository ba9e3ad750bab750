/**
 * Calendar dates and months as people read them, `2026年12月2日` and `2026年11月`: the text the
 * pages (client/src/shared/time.ts) and the server's messages (lib/local-time.ts) both print, so a
 * refusal names a day exactly as the page beside it does. A date names a day, not an instant, so it
 * is read from its digits and never goes through a time zone (one west of UTC would move it a day).
 * Text that is not a real Gregorian date or month (30 February, a 13th month, a timestamp) is given
 * back as it is, never as a neighbouring day or "Invalid Date".
 */
export function calendarDateText(day: string): string {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(day);
  if (!m) return day;
  const [year, month, date] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || date < 1 || date > daysInMonth(year, month)) return day;
  return `${year}年${month}月${date}日`;
}

/** A calendar month (`YYYY-MM`, a monthly report's month) as `2026年11月`; see calendarDateText. */
export function calendarMonthText(month: string): string {
  const m = /^([0-9]{4})-([0-9]{2})$/.exec(month);
  if (!m) return month;
  const [year, mon] = [Number(m[1]), Number(m[2])];
  if (year < 1 || mon < 1 || mon > 12) return month;
  return `${year}年${mon}月`;
}

/** Days in a month of the Gregorian calendar (the one ID cards and certificates use). */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
