// The report tests' own clock arithmetic, written here rather than imported from the server, so
// the figures are checked against counts made without the report's code path.
/** Beijing time's offset from UTC (no daylight saving). */
export const SHANGHAI = 8 * 3600_000;
export const HOUR = 3600_000;
/** The Beijing calendar month (YYYY-MM) of `at`, or `addMonths` from it. */
export const beijingMonth = (at: Date, addMonths = 0) => {
  const t = new Date(at.getTime() + SHANGHAI);
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + addMonths, 1));
  return d.toISOString().slice(0, 7);
};
/** Midnight on the first of the current month in Beijing, as an instant. */
export const beijingMonthStart = (at: Date) => {
  const t = new Date(at.getTime() + SHANGHAI);
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1) - SHANGHAI);
};
