import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { FileRefusal } from "./file-refusal.js";
import { excelErrorRefusal, noNumberRefusal } from "./xlsx-cell-refusals.js";
import { scanXlsx, type XlsxScan } from "./xlsx-scan.js";
import { excelDate, showNumber } from "./xlsx-numbers.js";
import type { CellFix } from "./xlsx-strings.js";

export { showNumber } from "./xlsx-numbers.js";

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
    const value = scan.values.size
      ? fixed(values[c], scan.values.get(`${columnLetters(c)}${line}`))
      : values[c];
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

/**
 * The cell's value with what the scan read from its XML in place of exceljs's (see XlsxScan's
 * `values`); for a formula, in place of its cached result, so the formula is still noted.
 */
function fixed(value: unknown, fix: CellFix | boolean | undefined): unknown {
  if (fix === undefined) return value;
  if (typeof value === "object" && value !== null && ("formula" in value || "sharedFormula" in value))
    return { ...value, result: fix };
  return fix;
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

/**
 * The whole-file read readXlsxRows falls back to, on its own: for the tests, since the fallback is
 * reached only when the stream loses a part, which no file makes happen on demand.
 */
export async function readXlsxRowsWhole(bytes: Buffer, options: XlsxReadOptions = {}): Promise<SheetRow[]> {
  if (!looksLikeXlsx(bytes))
    throw new FileRefusal("不是 Excel（.xlsx）文件：请另存为“Excel 工作簿（*.xlsx）”");
  return loadedRows(options, await scanXlsx(bytes));
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

/** How the note of an `unshown` column (0-based) starts: 「C 列是设置了数字格式」. */
const unshownNoteStart = (column: number) => `${columnLetters(column + 1)} 列是设置了数字格式`;

/**
 * The row's note on its `unshown` column (0-based), which names the format and the number, for an
 * importer that refuses the cell rather than noting it; undefined when the column has none.
 */
export function unshownNoteOf(row: Pick<SheetRow, "notes">, column: number): string | undefined {
  return row.notes.find((n) => n.startsWith(unshownNoteStart(column)));
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
    excelErrorRefusal(at, text ?? cell.scan.errors.get(ref) ?? "（错误）");
  // The whole-file reader reads an error cell with an empty <v> as no value. The scan refuses such a
  // cell before any row is read; this is the reader's own check, should one reach it.
  if (value === null || value === undefined) {
    if (cell.scan.errors.has(ref)) throw excelError(undefined);
    return "";
  }
  if (typeof value === "string") return value;
  // exceljs reads a cached error result ("#N/A") as parseFloat's NaN, and so a formula's blank
  // number result (a plain cell's is refused by the scan): only the first is an Excel error value.
  if (typeof value === "number" && !Number.isFinite(value)) {
    if (cell.scan.errors.has(ref)) throw excelError(undefined);
    throw noNumberRefusal(at);
  }
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
      `${unshownNoteStart(c - 1)}「${cell.format}」的数字 ${value}，无法确定表格中显示的文字：请把该列设为文本格式后重新输入`,
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
      richText?: { text: string; font?: { vertAlign?: string } }[];
      text?: unknown;
      formula?: string;
      sharedFormula?: string;
      result?: unknown;
      error?: string;
    };
    if (Array.isArray(v.richText)) return richCellText(v.richText, c, notes);
    if (v.formula !== undefined || v.sharedFormula !== undefined) {
      if (formulas === "text") {
        notes.push(`${columnLetters(c)} 列是公式，按公式文字读取，不计算`);
        return `=${v.formula ?? v.sharedFormula ?? ""}`;
      }
      notes.push(`${columnLetters(c)} 列是公式，按其计算结果导入`);
      // exceljs drops a cached error result (parsed as NaN); the part's own XML still names it.
      if (cell.scan.errors.has(ref)) throw excelError(undefined);
      // exceljs reads such a result with parseFloat/parseInt: 12abc as 12, a logical 2 as TRUE.
      const bad = cell.scan.badResults.get(ref);
      if (bad)
        throw new FileRefusal(
          `${at}是公式，但文件中保存的计算结果「${bad.text}」不是可读的${bad.kind}（多见于由程序生成的文件）：` +
            "请在 Excel 中打开并保存，或把公式「粘贴为数值」后重新上传",
        );
      if (typeof v.result === "object" && v.result !== null && "error" in v.result)
        throw excelError(String((v.result as { error: unknown }).error));
      // Excel writes the result with the formula; a file written by a program (openpyxl) and never
      // opened in Excel has none, and the cell read as blank (an empty 章节 took the default).
      if (v.result === undefined)
        throw new FileRefusal(
          `${at}是公式，但读不到文件中保存的计算结果（由程序生成、未在 Excel 中保存过的文件没有计算结果）：` +
            "请在 Excel 中打开并保存，或把公式「粘贴为数值」后重新上传",
        );
      return cellText(v.result, cell);
    }
    // An empty error text (`<v></v>`) names no error: the scan's is used.
    if (v.error !== undefined) throw excelError(String(v.error) || undefined);
    if (typeof v.text === "string") return v.text;
  }
  return "";
}

/** Superscript and subscript runs as the question import's HTML reader writes them (html-text.ts). */
const RAISED: Record<string, string> = { superscript: "^", subscript: "_" };

/**
 * Rich text as one string. A raised or lowered run is written `^3`, `_2`, `^(n+1)`: joined as it
 * was, 10 with a superscript 3 read as 103 and the question said another number.
 */
function richCellText(
  runs: { text: string; font?: { vertAlign?: string } }[],
  c: number,
  notes: string[],
): string {
  let scripted = false;
  const text = runs
    .map((r) => {
      const align = r.font?.vertAlign ?? "";
      const sign = Object.hasOwn(RAISED, align) ? RAISED[align] : undefined;
      if (!sign || !r.text.trim()) return r.text;
      scripted = true;
      return [...r.text].length > 1 ? `${sign}(${r.text})` : `${sign}${r.text}`;
    })
    .join("");
  if (scripted) notes.push(`${columnLetters(c)} 列的上标/下标已写作 ^ 与 _（如 10^3、CO_2），请核对`);
  return text;
}
