import path from "node:path";
import {
  REGISTRATION_IMPORT_COLUMNS,
  REGISTRATION_IMPORT_MAX_BYTES,
  REGISTRATION_IMPORT_MAX_ROWS,
  type RegistrationImportColumn,
} from "../contracts/registration-import.js";
import { AppError, errors } from "../lib/errors.js";
import { FileRefusal } from "../lib/file-refusal.js";
import { readSheetFile } from "../lib/sheet-file.js";
import { columnLetters, looksLikeXlsx, unshownNoteOf } from "../lib/xlsx-rows.js";

/** One data row of an uploaded registration sheet, as the text of its cells by column. */
export interface SheetRegistration {
  /** The row's number in the sheet or file (header = row 1 when it is the first row). */
  line: number;
  cells: Partial<Record<RegistrationImportColumn, string>>;
  /** Columns whose cell held a number Excel had already cut to 15 digits. */
  imprecise: RegistrationImportColumn[];
  notes: string[];
}

export interface ReadSheet {
  /** How the file was read, for the report: 「XLSX」, 「CSV（UTF-8）」, 「CSV（GB18030 编码）」. */
  readAs: string;
  rows: SheetRegistration[];
}

interface RawRow {
  line: number;
  fields: string[];
  notes: string[];
  imprecise: number[];
  /** XLSX columns (0-based) holding a number whose format the reader cannot show (SheetRow.unshown). */
  unshown?: number[];
}

const BY_HEADER = new Map<string, RegistrationImportColumn>(
  REGISTRATION_IMPORT_COLUMNS.map((c) => [c.header, c.key]),
);
const HEADER_OF = new Map<RegistrationImportColumn, string>(
  REGISTRATION_IMPORT_COLUMNS.map((c) => [c.key, c.header]),
);

/**
 * Reads an uploaded registration file: XLSX (first worksheet) or CSV, decoded as the question
 * import decodes (UTF-8 with or without BOM, GBK/GB18030, UTF-16). Formula cells are read as their
 * text, never evaluated; number cells as their number format shows them (an ID or code kept as a
 * number under 000000 keeps its zeros). Refuses the whole file with a stable code when it is too
 * large, holds too many rows, cannot be read, its header is not the template's, or a number's
 * format cannot be shown (import_number_format_unknown).
 */
export async function readRegistrationSheet(filename: string, bytes: Buffer): Promise<ReadSheet> {
  if (bytes.length > REGISTRATION_IMPORT_MAX_BYTES)
    throw new AppError(
      "import_file_too_large",
      413,
      `文件过大（${(bytes.length / 1024).toFixed(0)} KB，上限 ${REGISTRATION_IMPORT_MAX_BYTES / 1024} KB），请拆分后导入`,
    );
  if (bytes.length === 0) throw errors.unprocessable("import_unreadable", "文件为空");
  const ext = path.extname(filename).toLowerCase();
  const xlsx = ext === ".xlsx" || (ext !== ".csv" && looksLikeXlsx(bytes));
  if (!xlsx && ext !== ".csv")
    throw errors.unprocessable("import_unreadable", "仅支持 Excel 工作簿（.xlsx）和 CSV（.csv）文件");
  try {
    // Blank rows count toward the reader's bound too, so a sheet padded with them stays bounded.
    const sheet = readSheetFile(bytes, xlsx ? "xlsx" : "csv", {
      formulas: "text",
      dates: true,
      numberFormats: true,
      maxRows: REGISTRATION_IMPORT_MAX_ROWS * 10,
    });
    return { readAs: sheet.readAs, rows: await collect(sheet.rows) };
  } catch (err) {
    if (err instanceof FileRefusal) throw errors.unprocessable("import_unreadable", err.message);
    throw err;
  }
}

/** Header first, then at most REGISTRATION_IMPORT_MAX_ROWS data rows (reading stops past that). */
async function collect(rows: Iterable<RawRow> | AsyncIterable<RawRow>): Promise<SheetRegistration[]> {
  let columns: (RegistrationImportColumn | null)[] | null = null;
  const out: SheetRegistration[] = [];
  // The first few unlabelled cells, to name them, and how many there are (a sheet may hold thousands).
  const unlabelled = { first: [] as string[], count: 0 };
  // Likewise the cells whose number the sheet shows otherwise than the reader can (see unshownCells).
  const unshown = { first: [] as string[], count: 0 };
  for await (const row of rows) {
    if (!columns) {
      columns = headerOf(row);
      continue;
    }
    if (out.length === REGISTRATION_IMPORT_MAX_ROWS)
      throw new AppError(
        "import_too_many_rows",
        413,
        `一个文件最多 ${REGISTRATION_IMPORT_MAX_ROWS} 名考生，请拆分后分批导入`,
      );
    const cells: SheetRegistration["cells"] = {};
    const imprecise: RegistrationImportColumn[] = [];
    columns.forEach((key, i) => {
      if (!key) return;
      cells[key] = (row.fields[i] ?? "").trim();
      if (row.imprecise.includes(i)) imprecise.push(key);
    });
    const cellsOff = unlabelledCells(row, columns);
    unlabelled.count += cellsOff.length;
    if (unlabelled.first.length < 5) unlabelled.first.push(...cellsOff.slice(0, 5 - unlabelled.first.length));
    const unread = unshownCells(row, columns);
    unshown.count += unread.length;
    if (unshown.first.length < 5) unshown.first.push(...unread.slice(0, 5 - unshown.first.length));
    out.push({ line: row.line, cells, imprecise, notes: row.notes });
  }
  if (!columns) throw errors.unprocessable("import_unreadable", "文件中没有内容（须有表头行）");
  if (unlabelled.count) throw unlabelledRefusal(unlabelled.first, unlabelled.count);
  if (unshown.count) throw unshownRefusal(unshown.first, unshown.count);
  if (out.length === 0) throw errors.unprocessable("import_unreadable", "文件只有表头，没有考生");
  return out;
}

/**
 * The cells of a row that hold something under no header (a blank header cell, or past the last
 * one), as 「第 3 行 I 列」. Reading on without them dropped the value without a word: a cleared
 * 「报名单位行政区划代码」 header registered every row in the officer's own division instead.
 */
function unlabelledCells(row: RawRow, columns: (RegistrationImportColumn | null)[]): string[] {
  const found: string[] = [];
  row.fields.forEach((field, i) => {
    if (columns[i] == null && field.trim() !== "") found.push(`第 ${row.line} 行 ${columnLetters(i + 1)} 列`);
  });
  return found;
}

/**
 * The labelled cells of a row holding a number under a format the reader cannot show as Excel
 * does (currency, fractions, scientific, 000-0000-0000…), as 「第 2 行 C 列（手机号）是设置了数字格式
 * 「…」的数字 13912345678，无法确定表格中显示的文字」: read as the bare number, they were another
 * text than the officer saw.
 */
function unshownCells(row: RawRow, columns: (RegistrationImportColumn | null)[]): string[] {
  const found: string[] = [];
  for (const i of row.unshown ?? []) {
    const key = columns[i];
    if (key == null) continue; // refused as a cell under no header
    const at = `${columnLetters(i + 1)} 列`;
    // The reader's note names the format and the number; its closing advice is the refusal's.
    const note = unshownNoteOf(row, i)
      ?.slice(at.length)
      .replace(/：[^：]*$/, "");
    found.push(
      `第 ${row.line} 行 ${at}（${HEADER_OF.get(key) ?? key}）${note ?? "是设置了数字格式的数字，无法确定表格中显示的文字"}`,
    );
  }
  return found;
}

function unshownRefusal(first: string[], count: number): AppError {
  const shown = first.join("；") + (count > first.length ? ` 等 ${count} 处` : "");
  return errors.unprocessable("import_number_format_unknown", `${shown}：请把这些列设为文本格式后重新输入`, {
    problems: first,
  });
}

function unlabelledRefusal(first: string[], count: number): AppError {
  const shown = first.join("、") + (count > first.length ? ` 等 ${count} 处` : "");
  return errors.unprocessable(
    "import_bad_header",
    `${shown}有内容，但该列没有表头：请填写导入模板中的列名，或删除该列后重新导入`,
    { problems: first.map((c) => `${c}有内容，但该列没有表头`) },
  );
}

/**
 * The header row by the template's Chinese names. An unknown or repeated column refuses the file:
 * a misspelt optional column (say 「近三年无重大事故」) would otherwise be dropped without a word.
 * Empty header cells are allowed only over empty columns (Excel's stray formatting): `collect`
 * refuses a file with anything under them.
 */
function headerOf(row: RawRow): (RegistrationImportColumn | null)[] {
  const problems: string[] = [];
  const seen = new Set<RegistrationImportColumn>();
  const columns = row.fields.map((raw) => {
    const header = raw.replace(/^\uFEFF/, "").trim();
    if (header === "") return null;
    const key = BY_HEADER.get(header);
    if (!key) problems.push(`未知的列「${header.slice(0, 40)}」`);
    else if (seen.has(key)) problems.push(`列「${header}」重复`);
    else seen.add(key);
    return key ?? null;
  });
  const missing = REGISTRATION_IMPORT_COLUMNS.filter((c) => c.required && !seen.has(c.key));
  if (missing.length) problems.push(`缺少列：${missing.map((c) => `「${c.header}」`).join("、")}`);
  if (problems.length)
    throw errors.unprocessable(
      "import_bad_header",
      `第 ${row.line} 行（表头）：${problems.join("；")}。请使用导入模板的表头`,
      { problems },
    );
  return columns;
}
