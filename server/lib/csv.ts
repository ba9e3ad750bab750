import { FileRefusal } from "./file-refusal.js";

/**
 * The one CSV writer (and reader) of the server: every CSV export goes through it, so every cell is quoted per
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

/** Counts the units of work the reader does, so tests can check it grows linearly with the input. */
export const csvWork = { rows: 0 };

/**
 * Reads CSV text (RFC 4180 quoting; LF line endings, already normalised) row by row, remembering
 * the line each row starts on. Fields are sliced from the text, never built a character at a time,
 * and rows are handed on as they are read, so a large file is never held twice.
 */
export function* readCsvRows(text: string): Generator<{ line: number; fields: string[] }> {
  let pos = 0;
  let line = 1;
  const n = text.length;
  while (pos < n) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(pos) === 0x22) {
        // Quoted field: runs to the next quote not doubled; newlines inside are part of the value.
        let out = "";
        let from = pos + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new FileRefusal(`第 ${rowLine} 行：引号未闭合`);
          line += countNewlines(text, from, q);
          if (text.charCodeAt(q + 1) === 0x22) {
            out += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          out += text.slice(from, q);
          pos = q + 1;
          break;
        }
        const c = text.charCodeAt(pos);
        if (pos < n && c !== 0x2c && c !== 0x0a)
          throw new FileRefusal(`第 ${line} 行：右引号后须紧跟逗号或换行`);
        value = out;
      } else {
        let end = pos;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === 0x2c || c === 0x0a) break;
          if (c === 0x22) throw new FileRefusal(`第 ${line} 行：引号只能出现在字段开头`);
          end++;
        }
        value = text.slice(pos, end);
        pos = end;
      }
      fields.push(value);
      if (pos < n && text.charCodeAt(pos) === 0x2c) {
        pos++;
        continue;
      }
      pos++;
      line++;
      break;
    }
    csvWork.rows++;
    if (fields.some((f) => f.trim() !== "")) yield { line: rowLine, fields };
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i >= 0 && i < to; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
