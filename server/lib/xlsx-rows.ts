import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { FileRefusal } from "./file-refusal.js";
import { scanXlsx, type XlsxScan } from "./xlsx-scan.js";

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
  /**
   * With `numberFormats`: columns (0-based) holding a number under a format this reader cannot
   * show as Excel does (currency, fractions, scientific, sections): its text is the bare number,
   * which is not what the author saw.
   */
  unshown?: number[];
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
  /**
   * With `dates`: note every date cell on its row. Where a date is not expected (a question's
   * option typed 2007/3/1 is Excel's date, read as 2007-03-01), the importer says so.
   */
  noteDates?: boolean;
  /**
   * Read a number cell as its number format shows it: 10% for 0.1 under `0%`, 2.50 for 2.5 under
   * `0.00`, 12,345 under `#,##0`. Without it the cell reads as the number stored (0.1), which as a
   * question's option is another answer than the one the examiner typed. A format it cannot show
   * is named in the row's notes and `unshown`.
   */
  numberFormats?: boolean;
}

/**
 * The streaming reader lost part of the file. exceljs 4.4 iterates unzipper 0.10's entries and
 * stops at the 'end' unzipper emits as soon as its input is written, even while entries are still
 * buffered; when a worksheet comes before the workbook part or the shared strings (it is then
 * copied to a temporary file first, which gives the unzipping time to finish), the parts after it
 * can be lost: the sheet is then read without its workbook (exceljs throws) or without its shared
 * strings (every text cell is an index). Seen about once in 500 round trips of roadcert's own
 * export, and possible with any file whose sheet precedes those parts. The scan's archive puts the
 * sheet after them, so this is not expected; the fallback stays for what else ends a read early.
 */
class IncompleteRead extends Error {}

/** Reads the first worksheet row by row. Throws FileRefusal when the file is not a readable XLSX. */
export async function* readXlsxRows(bytes: Buffer, options: XlsxReadOptions = {}): AsyncGenerator<SheetRow> {
  if (!looksLikeXlsx(bytes))
    throw new FileRefusal("不是 Excel（.xlsx）文件：请另存为“Excel 工作簿（*.xlsx）”");
  // Before any row: the ZIP's bounds, and what the streaming reader would silently misread. The
  // readers below read the scan's archive (the parts it checked), never the upload itself.
  const scan = await scanXlsx(bytes);
  let yielded = false;
  try {
    for await (const row of streamRows(options, scan)) {
      yielded = true;
      yield row;
    }
  } catch (err) {
    // Before any row left, the scan's archive is read again whole, which reads every part by its
    // directory entry (memory for the one file, only in this case); it holds only the parts the
    // scan inflated within their bounds, so nothing else of the upload is inflated. A loss after
    // rows left cannot be taken back: the file is refused rather than imported half read.
    if (!(err instanceof IncompleteRead)) throw err;
    if (yielded) throw new FileRefusal("Excel 文件读取不完整，请重新上传");
    const rows = await loadedRows(options, scan).catch((e: unknown) => {
      throw e instanceof IncompleteRead ? new FileRefusal("Excel 文件中的文字无法读取") : e;
    });
    yield* rows;
  }
}

/** An exceljs row: its values (1-based) and each cell's number format. */
interface ExcelRow {
  values: unknown;
  getCell(c: number): { numFmt?: unknown };
}

/** The first worksheet's rows as `SheetRow`s, from exceljs rows (values 1-based). */
function sheetRow(line: number, row: ExcelRow, options: XlsxReadOptions, scan: XlsxScan): SheetRow | null {
  const values = Array.isArray(row.values) ? (row.values as unknown[]) : [];
  const notes: string[] = [];
  const fields: string[] = [];
  const imprecise: number[] = [];
  const unshown: number[] = [];
  // exceljs rows are 1-based: values[0] is always empty.
  for (let c = 1; c < values.length; c++) {
    const value = values[c];
    // Excel keeps 15 significant digits: a 16-digit number has already lost its last ones.
    if (typeof value === "number" && Math.abs(value) >= 1e15) imprecise.push(c - 1);
    if (typeof value === "object" && value !== null && "sharedString" in value) throw new IncompleteRead();
    const format = options.numberFormats ? row.getCell(c).numFmt : undefined;
    const cell: CellRead = {
      c,
      line,
      scan,
      notes,
      options,
      format: typeof format === "string" ? format : undefined,
    };
    const text = cellText(value, cell);
    if (cell.unshown) unshown.push(c - 1);
    fields.push(text);
  }
  while (fields.length && fields[fields.length - 1] === "") fields.pop();
  if (!fields.some((f) => f.trim() !== "")) return null;
  return { line, fields, notes, imprecise, ...(options.numberFormats ? { unshown } : {}) };
}

/** The scan's archive read at once (the fallback of readXlsxRows), with the same limits and refusals. */
async function loadedRows(options: XlsxReadOptions, scan: XlsxScan): Promise<SheetRow[]> {
  const maxRows = options.maxRows ?? XLSX_MAX_ROWS;
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.concat(scan.archive) as unknown as ArrayBuffer);
  } catch (err) {
    throw new FileRefusal(
      `无法读取 Excel 文件（${err instanceof Error ? err.message.slice(0, 120) : "格式错误"}）`,
    );
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new FileRefusal("Excel 文件中没有工作表");
  if (sheet.rowCount > maxRows) throw new FileRefusal(`工作表超过 ${maxRows} 行，请拆分为多个文件`);
  const rows: SheetRow[] = [];
  sheet.eachRow((row, line) => {
    const read = sheetRow(line, row, options, scan);
    if (read) rows.push(read);
  });
  return rows;
}

async function* streamRows(options: XlsxReadOptions, scan: XlsxScan): AsyncGenerator<SheetRow> {
  const maxRows = options.maxRows ?? XLSX_MAX_ROWS;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(scan.archive), {
    worksheets: "emit",
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: options.dates || options.numberFormats ? "cache" : "ignore",
    entries: "ignore",
  });
  let sheets = 0;
  let rows = 0;
  try {
    for await (const sheet of reader) {
      sheets++;
      if (sheets > 1) break;
      // The workbook part was lost (see IncompleteRead): exceljs has read no sheet list.
      if (!(reader as unknown as { model?: unknown }).model) throw new IncompleteRead();
      for await (const row of sheet) {
        rows++;
        if (rows > maxRows) throw new FileRefusal(`工作表超过 ${maxRows} 行，请拆分为多个文件`);
        const read = sheetRow(row.number, row, options, scan);
        if (read) yield read;
      }
    }
  } catch (err) {
    if (err instanceof FileRefusal || err instanceof IncompleteRead) throw err;
    if (err instanceof TypeError && /reading 'sheets'/.test(err.message)) throw new IncompleteRead();
    throw new FileRefusal(
      `无法读取 Excel 文件（${err instanceof Error ? err.message.slice(0, 120) : "格式错误"}）`,
    );
  }
  if (sheets === 0) throw new FileRefusal("Excel 文件中没有工作表");
}

/** A spreadsheet's name for its 1-based column number: 1 → A, 27 → AA. */
export function columnLetters(c: number): string {
  let s = "";
  for (let n = c; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** One cell being read: its column, its row's notes, its number format (with `numberFormats`). */
interface CellRead {
  c: number;
  /** The row as Excel numbers it. */
  line: number;
  scan: XlsxScan;
  notes: string[];
  options: XlsxReadOptions;
  format: string | undefined;
  /** Set when the cell is a number whose format could not be shown. */
  unshown?: boolean;
}

function cellText(value: unknown, cell: CellRead): string {
  const { c, notes, options } = cell;
  const formulas = options.formulas ?? "result";
  const at = `第 ${cell.line} 行 ${columnLetters(c)} 列`;
  const ref = `${columnLetters(c)}${cell.line}`;
  const excelError = (text: string | undefined) =>
    new FileRefusal(
      `${at}是 Excel 错误值 ${text ?? cell.scan.errors.get(ref) ?? "（错误）"}，请改正后重新上传`,
    );
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  // exceljs reads a cached error result ("#N/A") as parseFloat's NaN.
  if (typeof value === "number" && !Number.isFinite(value)) throw excelError(undefined);
  if (typeof value === "number" && cell.scan.chineseDates.has(ref)) {
    // A time of day (h"时"mm"分") has no day to give: refused rather than read as 1899-12-30.
    if (cell.scan.chineseDates.get(ref) === "time")
      throw new FileRefusal(`${at}是 Excel 时间格式的数值，无法导入：请把该列设为文本后重新输入`);
    // exceljs does not know the Chinese built-in date formats: the serial number as the day.
    return cellText(excelDate(value, cell.scan.date1904), cell);
  }
  if (typeof value === "number" && cell.format !== undefined) {
    const shown = showNumber(value, cell.format);
    if (shown !== null) return shown;
    cell.unshown = true;
    notes.push(
      `${columnLetters(c)} 列是设置了数字格式「${cell.format}」的数字 ${value}，无法确定表格中显示的文字：请把该列设为文本格式后重新输入`,
    );
    return String(value);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) {
    const day = value.toISOString().slice(0, 10);
    if (options.noteDates) notes.push(`${columnLetters(c)} 列是 Excel 日期，按 ${day} 导入，请核对`);
    return day;
  }
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
        notes.push(`${columnLetters(c)} 列是公式，按公式文字读取，不计算`);
        return `=${v.formula ?? v.sharedFormula ?? ""}`;
      }
      notes.push(`${columnLetters(c)} 列是公式，按其计算结果导入`);
      // exceljs drops a cached error result (parsed as NaN); the part's own XML still names it.
      if (cell.scan.errors.has(ref)) throw excelError(undefined);
      if (typeof v.result === "object" && v.result !== null && "error" in v.result)
        throw excelError(String((v.result as { error: unknown }).error));
      return v.result === undefined ? "" : cellText(v.result, cell);
    }
    if (v.error !== undefined) throw excelError(String(v.error));
    if (typeof v.text === "string") return v.text;
  }
  return "";
}

/** `0`, `0.00`, `#,##0.0`, `0%`, `0.00%`…: the formats read exactly (Excel's built-ins 1–4, 9, 10 and the like). */
const PLAIN_FORMAT = /^(#,##)?0(?:\.(0+))?(%)?$/;

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
  const [whole = "", fraction] = digits.split(".");
  const grouped = m[1] ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole;
  return `${grouped}${fraction === undefined ? "" : `.${fraction}`}${m[3] ?? ""}`;
}

/** An Excel serial day number as the Date exceljs gives for a date cell (UTC midnight). */
function excelDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - (date1904 ? 24107 : 25569)) * 86_400_000));
}
