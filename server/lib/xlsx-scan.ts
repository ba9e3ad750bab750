import type { SaxesTagPlain } from "saxes";
import { FileRefusal } from "./file-refusal.js";
import {
  cellAt,
  excelErrorRefusal,
  missingSharedStringRefusal,
  noLogicalRefusal,
  noNumberRefusal,
  splitRef,
} from "./xlsx-cell-refusals.js";
import { chineseDateStyles, local, readXml, sharedStringFixes, truthy, workbookRels } from "./xlsx-parts.js";
import { isoCellDate, plainTextFix, stringItem, type CellFix, type StringItem } from "./xlsx-strings.js";
import { checkInflated, zipEntries, zipOfEntries, type ZipEntry } from "./zip-bounds.js";

/**
 * What the streaming reader (exceljs) drops from an XLSX, read from the parts' XML before any row
 * is read: it ignores merged ranges (every cell but the top-left then reads blank), hidden rows,
 * columns and sheets, the text of an error a formula cached (it parses "#N/A" as NaN), and the
 * Chinese built-in date formats (ids 27–36 and 50–58 are keyed by locale in exceljs, so a
 * 2004年7月1日 cell reads as the number 38169), the text of a string with more than one <t> (inline
 * rich text, phonetic guides: see xlsx-strings.ts), text results (`t="str"`, decoded twice), date
 * cells (`t="d"`, read as the year) and parts whose elements carry a namespace prefix (<x:c>,
 * not read at all: refused by xlsx-parts.ts's readXml). It also reads a number or logical cell's
 * <v> with parseFloat/parseInt, each reader its own way (an empty logical value is TRUE to the
 * stream and blank to the whole-file read, "12abc" is 12 to both), and the whole-file read drops a
 * cell without a value at the end of a row, or a row of only such cells: those cells (and error
 * cells, which Excel shows as an error however exceljs reads them) are refused here, before either
 * reader sees them, so that both give the same answer.
 * Each is refused or corrected by the reader; nothing is guessed here.
 */
export interface XlsxScan {
  /** Cells ("B7") holding an Excel error, with the error's text (#N/A, #REF!…). */
  errors: Map<string, string>;
  /** Cells ("B7") holding a number under a Chinese built-in date or time-of-day format. */
  chineseDates: Map<string, "date" | "time">;
  /**
   * Cells ("B7") the streaming reader misreads, with their value as Excel shows it: strings with
   * more than one <t>, text results, date cells, logical formula results (read as the number 1
   * or 0). Only the cells that differ are kept.
   */
  values: Map<string, CellFix | boolean>;
  /**
   * Formula cells ("B7") whose saved result is not what the cell's type holds (a logical result
   * of 2, a number result "12abc"), with that text and the kind it should be: refused where the
   * result is read, not where the formula's own text is.
   */
  badResults: Map<string, { text: string; kind: "数字" | "逻辑值" }>;
  /** Workbook dates count from 1904 rather than 1900. */
  date1904: boolean;
  /**
   * The ZIP the readers are given, as chunks: only the parts they read (workbook, its rels,
   * styles, shared strings, the scanned sheet), each inflated once here within its bound.
   */
  archive: Buffer[];
}

/** An error's text is a few characters (#DIV/0!, #GETTING_DATA); more is not kept. */
const MAX_ERROR_TEXT = 32;
/** A shared string's index or a date cell's ISO value is short; more is not kept (nor valid). */
const MAX_RAW_TEXT = 64;
/** A number Excel writes is a few dozen characters at most; a longer <v> is not read as one. */
const MAX_NUMBER_TEXT = 1024;
/** A number cell's <v> as Excel and the programs writing XLSX write it (xsd:double, digits only). */
const NUMBER_TEXT = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/** A shared string's index as Excel writes it (xsd:unsignedInt): digits only. */
const INDEX_TEXT = /^\d+$/;

/** The merged range as Excel's user sees it: 第 2–3 行 A 列, 第 2 行 A–C 列. */
function rangeText(ref: string): string {
  const [from = ref, to = ref] = ref.split(":");
  const a = splitRef(from);
  const b = splitRef(to);
  const rows = a.row === b.row ? `第 ${a.row} 行` : `第 ${a.row}–${b.row} 行`;
  const cols = a.col === b.col ? `${a.col} 列` : `${a.col}–${b.col} 列`;
  return `${rows} ${cols}`;
}

/** A → 1, AB → 28. */
function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** Columns in a sheet (XFD). */
const MAX_COLUMNS = 16384;

/** The worksheet part exceljs's streaming reader reads: the first one in the ZIP. */
const SHEET_PART = /^xl\/worksheets\/sheet\d+\.xml$/;

/**
 * The instructions sheet roadcert's own templates carry after the sheet to fill in (registration/
 * import-template.ts): the one other sheet a workbook may have, never read.
 */
export const INSTRUCTION_SHEET = "填写说明";

/**
 * Checks the ZIP's bounds and the parts the streaming reader would misread; refuses a hidden
 * first sheet, a sheet that is not the first tab, merged cells, hidden rows and hidden columns
 * holding a value, and a workbook of more than one sheet (but the INSTRUCTION_SHEET). Only the
 * parts the readers need are inflated, one at a time, as streams.
 */
export async function scanXlsx(bytes: Buffer): Promise<XlsxScan> {
  const entries = zipEntries(bytes);
  const part = (name: string | undefined) => entries.find((e) => e.name === name);
  const sheetEntry = entries.find((e) => SHEET_PART.test(e.name));
  const workbookEntry = part("xl/workbook.xml");
  const relsEntry = part("xl/_rels/workbook.xml.rels");
  const stylesEntry = part("xl/styles.xml");
  const stringsEntry = part("xl/sharedStrings.xml");
  // The order the streaming reader needs: the sheet last, after every part it refers to.
  const kept = [relsEntry, workbookEntry, stringsEntry, stylesEntry, sheetEntry].filter(
    (e): e is ZipEntry => e !== undefined,
  );
  const scan: XlsxScan = {
    errors: new Map(),
    chineseDates: new Map(),
    values: new Map(),
    badResults: new Map(),
    date1904: false,
    archive: zipOfEntries(bytes, kept),
  };
  const relTarget = relsEntry ? await workbookRels(bytes, relsEntry) : new Map<string, string>();
  const sheets: { name: string; state: string; part: string }[] = [];
  if (workbookEntry)
    await readXml(bytes, workbookEntry, (parser) =>
      parser.on("opentag", (tag) => {
        const name = local(tag);
        if (name === "workbookPr") scan.date1904 = truthy(tag.attributes.date1904);
        else if (name === "sheet") {
          const rel = Object.entries(tag.attributes).find(([key]) => key.endsWith(":id"))?.[1] ?? "";
          const state = tag.attributes.state ?? "visible";
          sheets.push({ name: tag.attributes.name ?? "", state, part: `xl/${relTarget.get(rel) ?? ""}` });
        }
      }),
    );
  // Without the part, the count is unknown: such a file is refused below in its own words.
  const shared = stringsEntry ? await sharedStringFixes(bytes, stringsEntry) : undefined;
  if (!sheetEntry || !workbookEntry) {
    // exceljs refuses it in its own words, from parts that were checked like any other.
    for (const entry of [stylesEntry, sheetEntry]) if (entry) await checkInflated(bytes, entry);
    return scan;
  }
  const first = sheets[0];
  if (first && first.state !== "visible")
    throw new FileRefusal(`第一个工作表「${first.name}」是隐藏的：请取消隐藏，或把要导入的工作表放在第一个`);
  // Only the first sheet is read; any other was dropped without a word (a bank split into tabs
  // 单选/多选 imported its first tab and said ok). Hidden ones too: they may hold rows as well.
  const others = sheets.slice(1).filter((s) => s.name !== INSTRUCTION_SHEET);
  if (others.length)
    throw new FileRefusal(
      `工作簿有 ${sheets.length} 个工作表（${sheets.map((s) => `「${s.name}」`).join("、")}），只能读取第一个：` +
        "请只保留要导入的一个（其余删除或另存为单独的文件）",
    );
  if (first && first.part !== sheetEntry.name)
    throw new FileRefusal(
      `无法确定要导入的工作表：请把要导入的工作表「${first.name}」之外的工作表删除，或另存为只含一个工作表的文件`,
    );
  const dateStyles = stylesEntry ? await chineseDateStyles(bytes, stylesEntry) : new Map<number, never>();
  const sharedText = await scanSheet(
    bytes,
    sheetEntry,
    { dateStyles, sharedFixes: shared?.fixes ?? new Map<number, CellFix>(), sharedCount: shared?.count },
    scan,
  );
  // Without the part, exceljs reads each such cell as the string's index (张三 as "0").
  if (sharedText && !stringsEntry)
    throw new FileRefusal("Excel 文件中的文字无法读取（缺少共享字符串）：请在 Excel 中另存为后重新上传");
  return scan;
}

/**
 * Why Excel hides the row, if it does: `hidden` says so when present; a height of zero shows
 * nothing whatever the mark says; otherwise, under `<sheetFormatPr zeroHeight="1">` (ECMA-376
 * §18.3.1.81, rows hidden by default), only a row given a height of its own is shown.
 */
function rowHidden(
  a: Record<string, string>,
  hiddenByDefault: boolean,
): "mark" | "height" | "default" | null {
  if (a.hidden !== undefined && truthy(a.hidden)) return "mark";
  if (a.ht !== undefined && !(Number(a.ht) > 0)) return "height";
  if (a.hidden !== undefined) return null;
  return hiddenByDefault && !(Number(a.ht) > 0) ? "default" : null;
}

/** The refusal's reason for each way a row is hidden. */
const HIDDEN_ROW_REASON = {
  mark: "（或被筛选隐藏）：请取消隐藏或删除该行后重新上传",
  height: "（行高为 0）：请调整行高或删除该行后重新上传",
  default: "（工作表设置为默认隐藏各行）：请取消隐藏所有行或删除该行后重新上传",
} as const;

/**
 * Reads the sheet's XML as it inflates: the first merged range, hidden row (by its own mark, its
 * height or the sheet's default), hidden column and first cell that cannot be read (a date cell
 * without a day, a malformed number or logical <v>, an error, a shared string's index that is not
 * below `sharedCount`) are refused (in that order) once the part is read; error cells, cells under
 * a Chinese built-in date format and cells exceljs misreads (`sharedFixes` by index, inline strings, date cells) are noted in `scan`.
 * Returns whether a cell refers to the shared strings.
 */
async function scanSheet(
  bytes: Buffer,
  entry: ZipEntry,
  parts: {
    dateStyles: Map<number, "date" | "time">;
    sharedFixes: Map<number, CellFix>;
    sharedCount: number | undefined;
  },
  scan: XlsxScan,
): Promise<boolean> {
  const { dateStyles, sharedFixes, sharedCount } = parts;
  let sharedText = false;
  // A cell's <v> where it names the value to correct: a shared string's index, a date cell's day.
  let raw: string | undefined;
  let inline: StringItem | undefined;
  // A number or logical cell's <v>, checked when the cell closes.
  let plain: string | undefined;
  // The first cell refused whatever the reader's options (in document order).
  let badCell: FileRefusal | undefined;
  let merge: string | undefined;
  let hiddenRow: { r: string; why: keyof typeof HIDDEN_ROW_REASON } | undefined;
  // <sheetFormatPr zeroHeight="1"> (before <sheetData>): rows are hidden unless they say otherwise.
  let rowsHiddenByDefault = false;
  // Hidden columns, by number (<cols> precedes <sheetData>); one holding a value is refused. An
  // empty hidden column reads as nothing, and hiding the unused columns is a common way to tidy a
  // sheet. A table rather than the ranges: each filled cell is then one look-up, whatever the
  // number of ranges (up to one per column), not a pass over all of them.
  const hiddenCols = new Uint8Array(MAX_COLUMNS + 1);
  let anyHiddenCol = false;
  let hiddenCol: string | undefined;
  let cell:
    { ref: string; type: string | undefined; style: number; filled?: boolean; formula?: boolean } | undefined;
  let value: string | undefined;
  const opened = (tag: SaxesTagPlain) => {
    const a = tag.attributes;
    if (inline) inline.open(local(tag), a);
    switch (local(tag)) {
      case "c":
        cell = a.r ? { ref: a.r, type: a.t, style: Number(a.s ?? "0") } : undefined;
        break;
      case "v":
        if (cell?.type === "e") value = "";
        else if (cell?.type === "s" || cell?.type === "d" || cell?.type === "str") raw = "";
        else if (cell && (cell.type === undefined || cell.type === "n" || cell.type === "b")) plain = "";
        if (cell) cell.filled = true;
        break;
      case "is":
        if (cell?.type === "inlineStr" && !inline) inline = stringItem("inline");
        if (cell) cell.filled = true;
        break;
      case "f":
        if (cell) cell.filled = cell.formula = true;
        break;
      case "sheetFormatPr":
        rowsHiddenByDefault = truthy(a.zeroHeight);
        break;
      case "row": {
        const why = hiddenRow === undefined ? rowHidden(a, rowsHiddenByDefault) : null;
        if (why) hiddenRow = { r: (a.r ?? "?").slice(0, 10), why };
        break;
      }
      case "col": {
        if (!truthy(a.hidden)) break;
        // Clamped to the sheet's columns (A..XFD): a range past them hides nothing more.
        const min = Math.max(1, Math.trunc(Number(a.min)) || 1);
        const max = Math.min(MAX_COLUMNS, Math.trunc(Number(a.max)) || 0);
        if (min <= max) {
          hiddenCols.fill(1, min, max + 1);
          anyHiddenCol = true;
        }
        break;
      }
      case "mergeCell":
        if (merge === undefined && a.ref?.includes(":")) merge = a.ref;
        break;
    }
  };
  const closed = (tag: { name: string }) => {
    const name = local(tag);
    if (inline && name !== "c") inline.close(name);
    if (name === "v" && value !== undefined && cell) {
      scan.errors.set(cell.ref, value || "#错误");
      value = undefined;
    } else if (name === "c" && cell) {
      if (cell.filled && hiddenCol === undefined && anyHiddenCol) {
        const letters = splitRef(cell.ref).col;
        const col = letters.length <= 3 ? columnNumber(letters) : 0;
        if (col <= MAX_COLUMNS && hiddenCols[col] === 1) hiddenCol = letters;
      }
      if (cell.type === "s") sharedText = true;
      // A formula's <v> is its result, not an index: exceljs reads it as such.
      if (cell.type === "s" && !cell.formula && raw !== undefined && sharedCount !== undefined) {
        const index = raw.trim();
        if (!INDEX_TEXT.test(index) || Number(index) >= sharedCount)
          badCell ??= missingSharedStringRefusal(cellAt(cell.ref));
      }
      const fix = cellFix(cell.type, raw, inline, sharedFixes);
      if (fix === null)
        badCell ??= new FileRefusal(
          `${cellAt(cell.ref)}是 Excel 日期单元格，但其中没有可读的日期：请把该列设为文本或重新输入日期后重新上传`,
        );
      else if (fix !== undefined) scan.values.set(cell.ref, fix);
      raw = undefined;
      inline = undefined;
      if (plain !== undefined) {
        const refusal = checkPlain(cell, plain, scan);
        badCell ??= refusal;
      }
      plain = undefined;
      if (cell.type === "e" && !scan.errors.has(cell.ref)) scan.errors.set(cell.ref, "#错误");
      else if (cell.type === undefined || cell.type === "n") {
        const kind = dateStyles.get(cell.style);
        if (kind) scan.chineseDates.set(cell.ref, kind);
      }
      // An error cell is refused whatever exceljs makes of it (the whole-file read drops one with
      // an empty <v> at the end of a row); a formula's cached error only where its result is read.
      if (cell.type === "e" && !cell.formula)
        badCell ??= excelErrorRefusal(cellAt(cell.ref), scan.errors.get(cell.ref) ?? "#错误");
      cell = undefined;
    }
  };
  await readXml(bytes, entry, (parser) => {
    parser.on("opentag", opened);
    parser.on("closetag", closed);
    parser.on("text", (text) => {
      if (value !== undefined && value.length < MAX_ERROR_TEXT) value += text.slice(0, MAX_ERROR_TEXT);
      // A text result is kept whole (it is the cell's text); an index or a day is short.
      if (raw !== undefined && cell?.type === "str") raw += text;
      else if (raw !== undefined && raw.length < MAX_RAW_TEXT) raw += text.slice(0, MAX_RAW_TEXT);
      if (plain !== undefined && plain.length <= MAX_NUMBER_TEXT) plain += text.slice(0, MAX_NUMBER_TEXT + 1);
      inline?.text(text);
    });
  });
  if (merge) throw new FileRefusal(`${rangeText(merge)}是合并单元格，请取消合并并填写每一行`);
  if (hiddenRow !== undefined)
    throw new FileRefusal(`第 ${hiddenRow.r} 行是隐藏行${HIDDEN_ROW_REASON[hiddenRow.why]}`);
  if (hiddenCol !== undefined)
    throw new FileRefusal(`${hiddenCol} 列是隐藏列：请取消隐藏或删除该列后重新上传`);
  if (badCell) throw badCell;
  return sharedText;
}

/**
 * A number or logical cell's <v> (`text`), read as Excel reads it: a number written in full, a
 * logical value 0 or 1. Returns the refusal of a plain cell that holds neither; a formula's result
 * is noted in `scan` instead (refused only where the result is read), and a logical result is
 * given as the boolean it is (the stream reads it as the number 1).
 */
function checkPlain(
  cell: { ref: string; type: string | undefined; formula?: boolean },
  text: string,
  scan: XlsxScan,
): FileRefusal | undefined {
  const v = text.trim();
  const logical = cell.type === "b";
  const readable = logical
    ? v === "0" || v === "1"
    : v.length <= MAX_NUMBER_TEXT && NUMBER_TEXT.test(v) && Number.isFinite(Number(v));
  if (cell.formula) {
    // An empty result is refused by the reader as one never calculated.
    if (!readable && text !== "")
      scan.badResults.set(cell.ref, {
        text: v.slice(0, MAX_ERROR_TEXT) || "（空白）",
        kind: logical ? "逻辑值" : "数字",
      });
    else if (readable && logical) scan.values.set(cell.ref, v === "1");
    return undefined;
  }
  if (readable) return undefined;
  const at = cellAt(cell.ref);
  return logical ? noLogicalRefusal(at, v.slice(0, MAX_ERROR_TEXT)) : noNumberRefusal(at);
}

/**
 * What a cell must read as where exceljs misreads it: a shared string by its index, an inline
 * string, a date cell's day (exceljs parses "2012-03-01T00:00:00Z" as the number 2012), a text
 * cell's or a formula's text result (decoded twice by exceljs; an empty one dropped). Undefined
 * when exceljs reads it right; null for a date cell without a day.
 */
function cellFix(
  type: string | undefined,
  raw: string | undefined,
  inline: StringItem | undefined,
  sharedFixes: Map<number, CellFix>,
): CellFix | null | undefined {
  if (type === "s" && raw !== undefined && sharedFixes.size) return sharedFixes.get(Number(raw.trim()));
  if (type === "inlineStr") return inline?.fix();
  if (type === "d" && raw !== undefined) return isoCellDate(raw);
  // An empty one is kept too: exceljs drops an empty result (`<v></v>`, what Excel saves for
  // =IF(…,"",…)), and the reader then refuses the formula as one never calculated.
  if (type === "str" && raw !== undefined) return raw === "" ? "" : plainTextFix(raw);
  return undefined;
}
