import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { FileRefusal } from "./file-refusal.js";

/**
 * Excel (XLSX) sheets as rows of text, for the importers (question banks, registrations): the first
 * worksheet, header row first. exceljs reads the workbook as a stream (no install script, pure
 * JavaScript), so a large sheet is never held whole; callers put the rows through the same row
 * reader as their CSV and give the same per-row report.
 *
 * A cell is read as the text Excel shows: rich text joined, numbers as written. A formula is never
 * evaluated here: by default a formula cell gives the result Excel cached (with a note, since the
 * formula itself is not a question's text); with `formulas: "text"` it gives the formula's own text
 * (`=…`), for importers that must not take a value nobody typed.
 */

/** Sheets beyond this many rows are refused rather than read (a bank never needs more per file). */
export const XLSX_MAX_ROWS = 200_000;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** True when the bytes start like a ZIP container (every XLSX does). */
export function looksLikeXlsx(bytes: Buffer): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** One sheet row as text fields, with its row number and notes about cells read in a special way. */
export interface SheetRow {
  line: number;
  fields: string[];
  notes: string[];
  /**
   * Columns (0-based, as in `fields`) holding a number beyond 15 significant digits: Excel keeps
   * only 15, so an ID number typed into a number cell has already lost its last digits.
   */
  imprecise: number[];
}

export interface XlsxReadOptions {
  /** `result` (default): a formula cell reads as Excel's cached result; `text`: as `=formula`. */
  formulas?: "result" | "text";
  /** Sheet rows (blank ones included) beyond which the file is refused. */
  maxRows?: number;
  /**
   * Read cell styles so that a date cell reads as its day (`YYYY-MM-DD`): without the styles a
   * date is only the serial number Excel stores (41030 for 2012-05-01).
   */
  dates?: boolean;
}

/** Reads the first worksheet row by row. Throws FileRefusal when the file is not a readable XLSX. */
export async function* readXlsxRows(bytes: Buffer, options: XlsxReadOptions = {}): AsyncGenerator<SheetRow> {
  const maxRows = options.maxRows ?? XLSX_MAX_ROWS;
  const formulas = options.formulas ?? "result";
  if (!looksLikeXlsx(bytes))
    throw new FileRefusal("不是 Excel（.xlsx）文件：请另存为“Excel 工作簿（*.xlsx）”");
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    worksheets: "emit",
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: options.dates ? "cache" : "ignore",
    entries: "ignore",
  });
  let sheets = 0;
  let rows = 0;
  try {
    for await (const sheet of reader) {
      sheets++;
      if (sheets > 1) break;
      for await (const row of sheet) {
        rows++;
        if (rows > maxRows) throw new FileRefusal(`工作表超过 ${maxRows} 行，请拆分为多个文件`);
        const notes: string[] = [];
        const values = Array.isArray(row.values) ? row.values : [];
        const fields: string[] = [];
        const imprecise: number[] = [];
        // exceljs rows are 1-based: values[0] is always empty.
        for (let c = 1; c < values.length; c++) {
          const value = values[c];
          if (typeof value === "number" && Math.abs(value) > Number.MAX_SAFE_INTEGER) imprecise.push(c - 1);
          fields.push(cellText(value, c, notes, formulas));
        }
        while (fields.length && fields[fields.length - 1] === "") fields.pop();
        if (fields.some((f) => f.trim() !== "")) yield { line: row.number, fields, notes, imprecise };
      }
    }
  } catch (err) {
    if (err instanceof FileRefusal) throw err;
    throw new FileRefusal(
      `无法读取 Excel 文件（${err instanceof Error ? err.message.slice(0, 120) : "格式错误"}）`,
    );
  }
  if (sheets === 0) throw new FileRefusal("Excel 文件中没有工作表");
}

function column(c: number): string {
  let s = "";
  for (let n = c; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function cellText(value: unknown, c: number, notes: string[], formulas: "result" | "text"): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    const v = value as {
      richText?: { text: string }[];
      text?: unknown;
      formula?: string;
      sharedFormula?: string;
      result?: unknown;
      error?: string;
    };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join("");
    if (v.formula !== undefined || v.sharedFormula !== undefined) {
      if (formulas === "text") {
        notes.push(`${column(c)} 列是公式，按公式文字读取，不计算`);
        return `=${v.formula ?? v.sharedFormula ?? ""}`;
      }
      notes.push(`${column(c)} 列是公式，按其计算结果导入`);
      return v.result === undefined ? "" : cellText(v.result, c, notes, formulas);
    }
    if (v.error !== undefined) return String(v.error);
    if (typeof v.text === "string") return v.text;
  }
  return "";
}
