/**
 * The one CSV writer of the server: every CSV export goes through it, so every cell is quoted per
 * RFC 4180 and defused against spreadsheet formula injection per OWASP ("CSV Injection"): a text
 * cell starting with = + - @, a tab or a carriage return is prefixed with a single quote, so Excel
 * and LibreOffice show it as text instead of evaluating `=HYPERLINK(…)` or `@SUM(…)`. A text that
 * already has quotes before a formula character gets one more, so `readCsvCell`'s removal of one
 * quote is an exact inverse (the question export is also an import format) and any other leading
 * quote an author wrote is kept as written. Numbers and booleans are written as they are.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: neutralised, then quoted when it holds a quote, comma or line break. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Rows as CSV text with CRLF line ends. `bom` prefixes U+FEFF so Excel reads UTF-8 (Chinese
 * headers) instead of the system code page.
 */
export function toCsvText(rows: readonly (readonly CsvValue[])[], options: { bom?: boolean } = {}): string {
  const body = rows.map((row) => row.map(csvCell).join(",")).join("\r\n");
  return `${options.bom ? "\uFEFF" : ""}${body}\r\n`;
}

/**
 * The inverse of the neutralisation for a field already unquoted by a CSV reader: the one leading
 * quote `csvCell` added before a formula character is removed. Readers of files that our own
 * export wrote use it so an export → import round trip keeps every text unchanged.
 */
export function readCsvCell(field: string): string {
  return NEUTRALISED.test(field) ? field.slice(1) : field;
}
