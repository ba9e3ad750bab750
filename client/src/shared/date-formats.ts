/**
 * What a date picker's box shows, in Element Plus's (dayjs) tokens: a day and a month as every
 * page writes them (`formatCalendarDate`/`formatCalendarMonth`: 2026年12月1日, 2026年12月), and a
 * start time as the lists show it (minutes, 24-hour). Typed text is read with the `format` too, so
 * 2026年12月1日 typed by hand is taken (and ISO text, 2026-12-01); every page's picker is the shared
 * StrictDatePicker (strict-date-picker.vue), which refuses a day that does not exist (2月30日)
 * instead of letting Element Plus roll it over to 3月2日 (typed-date.ts).
 * Only the box changes: each picker keeps its `value-format` (YYYY-MM-DD, YYYY-MM, …), so what a
 * page sends is unchanged.
 */
export const PICKER_FORMAT = {
  day: "YYYY年M月D日",
  month: "YYYY年M月",
  /** A datetime picker's whole box; its panel's own day and time boxes take `day` and `time`. */
  dayTime: "YYYY年M月D日 HH:mm",
  time: "HH:mm",
} as const;
