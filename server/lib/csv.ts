import { FileRefusal } from "./file-refusal.js";
import { textLines } from "./text-decode.js";

/**
 * The one CSV writer (and reader) of the server: every CSV export goes through it, so every cell is quoted per
 * RFC 4180 and defused against spreadsheet formula injection per OWASP ("CSV Injection"): a text
 * cell starting with = + - @, a tab or a carriage return is prefixed with a single quote, so Excel
 * and LibreOffice show it as text instead of evaluating `=HYPERLINK(…)` or `@SUM(…)`. A text that
 * already has quotes before a formula character gets one more, so `readCsvCell`'s removal of one
 * quote is an exact inverse (the question export is also an import format) and any other leading
 * quote an author wrote is kept as written. Numbers and booleans are written as they are; digit-only
 * texts as `="…"` when asked (`digitsAsText`, for reports read in Excel).
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

const DIGITS = /^\d+$/;
const DIGITS_AS_TEXT = /^="(\d+)"$/;

export interface CsvCellOptions {
  /**
   * For files opened in a spreadsheet (reports): a text of digits only (a 14-digit ticket number,
   * a province code) is written as the formula `="…"`. Bare, Excel and WPS read it as a number:
   * a ticket number showed as 3.22612E+13 and a re-save kept only that, and leading zeros were
   * lost. The formula's value is the text itself; being digits only, it cannot carry a formula of
   * anyone's making (every other text keeps the neutralisation). `readCsvCell` undoes it.
   */
  digitsAsText?: boolean;
}

/** One cell: neutralised, then quoted when it holds a quote, comma or line break. */
export function csvCell(value: CsvValue, options: CsvCellOptions = {}): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && options.digitsAsText && DIGITS.test(text)) text = `="${text}"`;
  else if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Rows as CSV text with CRLF line ends. `bom` prefixes U+FEFF so Excel reads UTF-8 (Chinese
 * headers) instead of the system code page; `digitsAsText` as for `csvCell`.
 */
export function toCsvText(
  rows: readonly (readonly CsvValue[])[],
  options: { bom?: boolean } & CsvCellOptions = {},
): string {
  const body = rows.map((row) => row.map((v) => csvCell(v, options)).join(",")).join("\r\n");
  return `${options.bom ? "\uFEFF" : ""}${body}\r\n`;
}

/**
 * The inverse of the neutralisation for a field already unquoted by a CSV reader: the one leading
 * quote `csvCell` added before a formula character is removed. Readers of files that our own
 * export wrote use it so an export → import round trip keeps every text unchanged.
 */
export function readCsvCell(field: string): string {
  if (NEUTRALISED.test(field)) return field.slice(1);
  // A digit-only text written `digitsAsText` (a text of the author's own `="12"` was neutralised
  // with a quote above, so this form is always ours).
  return DIGITS_AS_TEXT.exec(field)?.[1] ?? field;
}

/**
 * Work counters for the scale tests, kept in the scanning loops: `chars` counts every character an
 * unquoted field's loop visits and every character a quoted field's search for its closing quote
 * passes over (line ends count one each), so a reader that rescans a line shows up.
 */
export const csvWork = { rows: 0, chars: 0 };

/**
 * Reads CSV (RFC 4180 quoting) row by row, numbering each as Excel shows it (records counted,
 * blank ones included: a quoted cell running over line ends is one row, not several): from whole
 * text, or from its lines as they are decoded (textLines: CRLF, CR and LF all end a line), so a
 * large file is never held as one string. A quoted field may run over line ends; they are part
 * of its value (as LF). Fields are sliced from the line, never built a character at a time, and
 * rows are handed on as they are read.
 */
export function* readCsvRows(
  source: string | Iterable<string>,
): Generator<{ line: number; fields: string[] }> {
  let record = 0;
  let rowLine = 0;
  let fields: string[] = [];
  // The quoted field read so far when a line ends inside it (the row goes on on the next line).
  let open: string | null = null;
  for (const text of typeof source === "string" ? textLines([source]) : source) {
    csvWork.chars++; // the line end
    const n = text.length;
    let pos = 0;
    if (open === null) {
      rowLine = ++record;
      fields = [];
    }
    for (;;) {
      let value: string;
      if (open !== null || text.charCodeAt(pos) === 0x22) {
        // Quoted field: runs to the next quote not doubled.
        if (open === null) csvWork.chars++; // the opening quote
        let out: string = open === null ? "" : `${open}\n`;
        let from: number = open === null ? pos + 1 : 0;
        open = null;
        for (;;) {
          const q = text.indexOf('"', from);
          csvWork.chars += (q < 0 ? n : q + 1) - from;
          if (q < 0) {
            open = out + text.slice(from);
            break;
          }
          if (text.charCodeAt(q + 1) === 0x22) {
            csvWork.chars++; // the doubled quote's second half
            out += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          out += text.slice(from, q);
          pos = q + 1;
          break;
        }
        if (open !== null) break;
        if (pos < n) csvWork.chars++; // the comma after the closing quote
        if (pos < n && text.charCodeAt(pos) !== 0x2c)
          throw new FileRefusal(`第 ${rowLine} 行：右引号后须紧跟逗号或换行`);
        value = out;
      } else {
        let end = pos;
        while (end < n) {
          csvWork.chars++;
          const c = text.charCodeAt(end);
          if (c === 0x2c) break;
          if (c === 0x22) throw new FileRefusal(`第 ${rowLine} 行：引号只能出现在字段开头`);
          end++;
        }
        value = text.slice(pos, end);
        pos = end;
      }
      fields.push(value);
      if (pos >= n) break;
      pos++; // the comma
    }
    if (open !== null) continue;
    csvWork.rows++;
    if (fields.some((f) => f.trim() !== "")) yield { line: rowLine, fields };
  }
  if (open !== null) throw new FileRefusal(`第 ${rowLine} 行：引号未闭合`);
}
