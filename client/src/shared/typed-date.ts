import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat.js";
import utc from "dayjs/plugin/utc.js";

// Element Plus installs customParseFormat as well; installing it here keeps the check usable on its
// own. Dates are read as UTC wall times: whether a day exists is the calendar's question, not the
// browser zone's (New York skips 2026-03-08 02:30; Beijing, the node's zone, does not).
dayjs.extend(customParseFormat);
dayjs.extend(utc);

/** What a wrongly written date or time is shown as it should be, in the box's own format. */
const EXAMPLE = "2026-12-01T09:30";
/** A datetime format's time part (` HH:mm`): ISO-like shapes end with it too; the example leaves it out. */
const TIME_PART = / H{1,2}:mm(?::ss)?$/;

/** Every digit run as one `#`: two texts with the same skeleton differ only in their numbers. */
const skeleton = (text: string) => text.replace(/\d+/g, "#");

/**
 * The ways a date may be typed into a picker whose box shows `format`: the box's own format and,
 * for a day or month, ISO-like text (2026-02-05, 2026/2/5), with or without leading zeros, since
 * people type both.
 */
function typedShapes(format: string): string[] {
  const time = TIME_PART.exec(format)?.[0] ?? "";
  const iso = format.includes("D") ? "YYYY-M-D" : "YYYY-M";
  const bases = format.includes("Y") ? [format, iso + time, iso.replaceAll("-", "/") + time] : [format];
  const shapes = bases.flatMap((base) =>
    ["M", "MM"].flatMap((month) =>
      ["D", "DD"].flatMap((day) =>
        ["H", "HH"].map((hour) => base.replace(/M+/, month).replace(/D+/, day).replace(/H+/, hour)),
      ),
    ),
  );
  return [...new Set(shapes)];
}

/**
 * Why a date typed into a picker showing `format` cannot be taken, or null when it can (or when
 * the box was emptied). Element Plus reads typed text leniently, so 2026年2月30日 would silently
 * become 2026年3月2日; here it must match one of the typed shapes strictly (dayjs strict parsing).
 * Text of a date's shape whose numbers do not make a date (2月30日, 13月, 25:00) is a day that
 * does not exist; anything else is written the wrong way.
 */
export function typedDateProblem(text: string, format: string): string | null {
  const typed = text.trim();
  if (typed === "") return null;
  const shapes = typedShapes(format);
  // One shape at a time: given a list of formats, customParseFormat drops the UTC reading.
  if (shapes.some((shape) => dayjs.utc(typed, shape, true).isValid())) return null;
  // Read leniently, 2月30日 comes back as 3月2日: same shape, other numbers — the numbers overflowed.
  const overflowed = shapes.some((shape) => {
    const lenient = dayjs.utc(typed, shape);
    return lenient.isValid() && skeleton(lenient.format(shape)) === skeleton(typed);
  });
  // A time box's own format (HH:mm) names no day: its numbers make a time, or not.
  const what = format.includes("Y") ? "日期" : "时间";
  if (overflowed) return `${what}不存在`;
  return `${what}写法不对，请按“${dayjs.utc(EXAMPLE).format(format.replace(TIME_PART, ""))}”填写`;
}
