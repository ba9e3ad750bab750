/**
 * Numbers as Excel shows them, for the row reader (xlsx-rows.ts): under the plain number formats,
 * and an Excel serial day as a date.
 */

/**
 * `0`, `0.00`, `#,##0.0`, `0%`, `0.00%`, `000000`…: the formats read exactly (Excel's built-ins
 * 1–4, 9, 10 and the like). Several zeros before the point pad the whole number to as many digits,
 * as a register's 证号 0032010012345678 is kept in a number cell.
 */
const PLAIN_FORMAT = /^(?:#,##0|(0+))(?:\.(0+))?(%)?$/;

/**
 * A number as Excel shows it under `format`, or null for a format not read here. General and text
 * (`@`) show the number as stored; the plain formats round half away from zero at the decimals
 * they ask for, as Excel does (2.345 under 0.00 shows 2.35, where toFixed gives 2.34 or 2.35 by
 * the binary value).
 */
export function showNumber(value: number, format: string): string | null {
  const f = format.trim();
  if (f === "" || f.toLowerCase() === "general" || f === "@") return String(value);
  const m = PLAIN_FORMAT.exec(f);
  if (!m || !Number.isFinite(value)) return null;
  const decimals = m[2]?.length ?? 0;
  const scaled = m[3] ? value * 100 : value;
  // Rounded in decimal: 15 significant digits (what Excel keeps) make 1.005 × 100 the 100.5 it was
  // typed as, not the binary 100.49999….
  const shifted = Number((Math.abs(scaled) * 10 ** decimals).toPrecision(15));
  const digits = ((Math.sign(scaled) * Math.round(shifted)) / 10 ** decimals).toFixed(decimals);
  if (!/^-?\d+(\.\d+)?$/.test(digits)) return null;
  const [signed = "", fraction] = digits.split(".");
  const sign = signed.startsWith("-") ? "-" : "";
  const whole = signed.slice(sign.length).padStart(m[1]?.length ?? 1, "0");
  const grouped = m[1] === undefined ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole;
  return `${sign}${grouped}${fraction === undefined ? "" : `.${fraction}`}${m[3] ?? ""}`;
}

/** An Excel serial day number as the Date exceljs gives for a date cell (UTC midnight). */
export function excelDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - (date1904 ? 24107 : 25569)) * 86_400_000));
}
