/**
 * What a date picker's box shows, in Element Plus's (dayjs) tokens: a day and a month as every
 * page writes them (`formatCalendarDate`/`formatCalendarMonth`: 2026年12月1日, 2026年12月), and a
 * start time as the lists show it (minutes, 24-hour). Element Plus also reads typed text with the
 * `format`, so 2026年12月1日 typed by hand is taken as well (ISO text still is: it falls back to it).
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
