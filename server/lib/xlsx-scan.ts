import { StringDecoder } from "node:string_decoder";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { FileRefusal } from "./file-refusal.js";
import { checkInflated, entryChunks, zipEntries, zipOfEntries, type ZipEntry } from "./zip-bounds.js";

/**
 * What the streaming reader (exceljs) drops from an XLSX, read from the parts' XML before any row
 * is read: it ignores merged ranges (every cell but the top-left then reads blank), hidden rows,
 * columns and sheets, the text of an error a formula cached (it parses "#N/A" as NaN), and the
 * Chinese built-in date formats (ids 27–36 and 50–58 are keyed by locale in exceljs, so a
 * 2004年7月1日 cell reads as the number 38169). Each is refused or corrected by the reader; nothing
 * is guessed here.
 */
export interface XlsxScan {
  /** Cells ("B7") holding an Excel error, with the error's text (#N/A, #REF!…). */
  errors: Map<string, string>;
  /** Cells ("B7") holding a number under a Chinese built-in date or time-of-day format. */
  chineseDates: Map<string, "date" | "time">;
  /** Workbook dates count from 1904 rather than 1900. */
  date1904: boolean;
  /**
   * The ZIP the readers are given, as chunks: only the parts they read (workbook, its rels,
   * styles, shared strings, the scanned sheet), each inflated once here within its bound.
   */
  archive: Buffer[];
}

/** Built-in number formats that Excel shows as a date or time in a Chinese locale. */
const CHINESE_DATE_IDS = new Set([27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58]);
/** …and those it shows as a time of day (h"时"mm"分", 上午/下午…). */
const CHINESE_TIME_IDS = new Set([32, 33, 34, 35, 55, 56]);
/** An error's text is a few characters (#DIV/0!, #GETTING_DATA); more is not kept. */
const MAX_ERROR_TEXT = 32;

/** "B7" → { row: 7, col: "B" }. */
function splitRef(ref: string): { row: number; col: string } {
  const m = /^([A-Z]+)(\d+)$/.exec(ref) ?? [];
  return { col: m[1] ?? ref, row: Number(m[2] ?? 0) };
}

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

/** The element's name without its namespace prefix (some writers use x:row). */
const local = (tag: { name: string }) => tag.name.slice(tag.name.indexOf(":") + 1);
const truthy = (value: string | undefined) => value === "1" || value === "true";

/**
 * Reads one part's XML as it inflates: `on` registers its handlers on a parser that is given the
 * part chunk by chunk, so the part is never held whole and the event loop is never held long.
 */
async function readXml(
  bytes: Buffer,
  entry: ZipEntry,
  on: (parser: SaxesParser<{ xmlns: false }>) => void,
): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  on(parser);
  const decoder = new StringDecoder("utf8");
  try {
    for await (const chunk of entryChunks(bytes, entry)) parser.write(decoder.write(chunk));
    parser.write(decoder.end()).close();
  } catch (err) {
    if (err instanceof FileRefusal) throw err;
    const why = err instanceof Error ? err.message.slice(0, 120) : "格式错误";
    throw new FileRefusal(`无法读取 Excel 文件（${entry.name.slice(0, 100)}：${why}）`);
  }
}

/**
 * Checks the ZIP's bounds and the parts the streaming reader would misread; refuses a hidden
 * first sheet, a sheet that is not the first tab, merged cells, hidden rows and hidden columns
 * holding a value. Only the parts the readers need are inflated, one at a time, as streams.
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
        else if (name === "sheet" && sheets.length < 1) {
          const rel = Object.entries(tag.attributes).find(([key]) => key.endsWith(":id"))?.[1] ?? "";
          const state = tag.attributes.state ?? "visible";
          sheets.push({ name: tag.attributes.name ?? "", state, part: `xl/${relTarget.get(rel) ?? ""}` });
        }
      }),
    );
  if (stringsEntry) await checkInflated(bytes, stringsEntry);
  if (!sheetEntry || !workbookEntry) {
    // exceljs refuses it in its own words, from parts that were checked like any other.
    for (const entry of [stylesEntry, sheetEntry]) if (entry) await checkInflated(bytes, entry);
    return scan;
  }
  const first = sheets[0];
  if (first && first.state !== "visible")
    throw new FileRefusal(`第一个工作表「${first.name}」是隐藏的：请取消隐藏，或把要导入的工作表放在第一个`);
  if (first && first.part !== sheetEntry.name)
    throw new FileRefusal(
      `无法确定要导入的工作表：请把要导入的工作表「${first.name}」之外的工作表删除，或另存为只含一个工作表的文件`,
    );
  const dateStyles = stylesEntry ? await chineseDateStyles(bytes, stylesEntry) : new Map<number, never>();
  const sharedText = await scanSheet(bytes, sheetEntry, dateStyles, scan);
  // Without the part, exceljs reads each such cell as the string's index (张三 as "0").
  if (sharedText && !stringsEntry)
    throw new FileRefusal("Excel 文件中的文字无法读取（缺少共享字符串）：请在 Excel 中另存为后重新上传");
  return scan;
}

/** The workbook's relationships: id → target part, relative to xl/. */
async function workbookRels(bytes: Buffer, entry: ZipEntry): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await readXml(bytes, entry, (parser) =>
    parser.on("opentag", (tag) => {
      const { Id: id, Target: target } = tag.attributes;
      if (local(tag) === "Relationship" && id && target)
        out.set(id, target.replace(/^\/?xl\//, "").replace(/^\//, ""));
    }),
  );
  return out;
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
 * height or the sheet's default) and hidden column are refused (in that order) once the part is
 * read; error cells and cells under a Chinese built-in date format are noted in `scan`. Returns
 * whether a cell refers to the shared strings.
 */
async function scanSheet(
  bytes: Buffer,
  entry: ZipEntry,
  dateStyles: Map<number, "date" | "time">,
  scan: XlsxScan,
): Promise<boolean> {
  let sharedText = false;
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
  let cell: { ref: string; type: string | undefined; style: number; filled?: boolean } | undefined;
  let value: string | undefined;
  const opened = (tag: SaxesTagPlain) => {
    const a = tag.attributes;
    switch (local(tag)) {
      case "c":
        cell = a.r ? { ref: a.r, type: a.t, style: Number(a.s ?? "0") } : undefined;
        break;
      case "v":
        if (cell?.type === "e") value = "";
        if (cell) cell.filled = true;
        break;
      case "is":
      case "f":
        if (cell) cell.filled = true;
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
      if (cell.type === "e" && !scan.errors.has(cell.ref)) scan.errors.set(cell.ref, "#错误");
      else if (cell.type === undefined || cell.type === "n") {
        const kind = dateStyles.get(cell.style);
        if (kind) scan.chineseDates.set(cell.ref, kind);
      }
      cell = undefined;
    }
  };
  await readXml(bytes, entry, (parser) => {
    parser.on("opentag", opened);
    parser.on("closetag", closed);
    parser.on("text", (text) => {
      if (value !== undefined && value.length < MAX_ERROR_TEXT) value += text.slice(0, MAX_ERROR_TEXT);
    });
  });
  if (merge) throw new FileRefusal(`${rangeText(merge)}是合并单元格，请取消合并并填写每一行`);
  if (hiddenRow !== undefined)
    throw new FileRefusal(`第 ${hiddenRow.r} 行是隐藏行${HIDDEN_ROW_REASON[hiddenRow.why]}`);
  if (hiddenCol !== undefined)
    throw new FileRefusal(`${hiddenCol} 列是隐藏列：请取消隐藏或删除该列后重新上传`);
  return sharedText;
}

/**
 * The cell formats (cellXfs, by index) using a Chinese built-in date or time format; an id the
 * file defines itself in <numFmts> is an ordinary format, which exceljs reads.
 */
async function chineseDateStyles(bytes: Buffer, entry: ZipEntry): Promise<Map<number, "date" | "time">> {
  const own = new Set<number>();
  const xfs: number[] = [];
  let inCellXfs = false;
  await readXml(bytes, entry, (parser) => {
    parser.on("opentag", (tag) => {
      const name = local(tag);
      if (name === "numFmt") own.add(Number(tag.attributes.numFmtId ?? "-1"));
      else if (name === "cellXfs") inCellXfs = true;
      else if (name === "xf" && inCellXfs) xfs.push(Number(tag.attributes.numFmtId ?? "0"));
    });
    parser.on("closetag", (tag) => {
      if (local(tag) === "cellXfs") inCellXfs = false;
    });
  });
  const out = new Map<number, "date" | "time">();
  xfs.forEach((id, i) => {
    if (own.has(id)) return;
    if (CHINESE_DATE_IDS.has(id)) out.set(i, "date");
    else if (CHINESE_TIME_IDS.has(id)) out.set(i, "time");
  });
  return out;
}
