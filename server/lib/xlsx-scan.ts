import { FileRefusal } from "./file-refusal.js";
import { zipEntries, zipEntryBytes, type ZipEntry } from "./zip-bounds.js";

/**
 * What the streaming reader (exceljs) drops from an XLSX, read from the parts' XML before any row
 * is read: it ignores merged ranges (every cell but the top-left then reads blank), hidden rows and
 * sheets, the text of an error a formula cached (it parses "#N/A" as NaN), and the Chinese built-in
 * date formats (ids 27–36 and 50–58 are keyed by locale in exceljs, so a 2004年7月1日 cell reads as
 * the number 38169). Each is refused or corrected by the reader; nothing is guessed here.
 */
export interface XlsxScan {
  /** Cells ("B7") holding an Excel error, with the error's text (#N/A, #REF!…). */
  errors: Map<string, string>;
  /** Cells ("B7") holding a number under a Chinese built-in date or time-of-day format. */
  chineseDates: Map<string, "date" | "time">;
  /** Workbook dates count from 1904 rather than 1900. */
  date1904: boolean;
}

/** Built-in number formats that Excel shows as a date or time in a Chinese locale. */
const CHINESE_DATE_IDS = new Set([27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58]);
/** …and those it shows as a time of day (h"时"mm"分", 上午/下午…). */
const CHINESE_TIME_IDS = new Set([32, 33, 34, 35, 55, 56]);

const attr = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

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

/** The worksheet part exceljs's streaming reader reads: the first one in the ZIP. */
const SHEET_PART = /^xl\/worksheets\/sheet\d+\.xml$/;

/**
 * Checks the ZIP's bounds and the parts the streaming reader would misread; refuses a hidden
 * first sheet, a sheet that is not the first tab, merged cells and hidden rows.
 */
export function scanXlsx(bytes: Buffer): XlsxScan {
  const entries = zipEntries(bytes);
  const parts = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  // Every entry is inflated once under its bound, so no part the streaming reader meets can
  // unpack to more than its directory declared.
  const sheetEntry = entries.find((e) => SHEET_PART.test(e.name));
  const wanted = new Set([
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    sheetEntry?.name,
  ]);
  const texts = new Map<string, string>();
  for (const entry of entries) {
    const data = zipEntryBytes(bytes, entry);
    if (wanted.has(entry.name)) texts.set(entry.name, data.toString("utf8"));
  }
  const workbook = texts.get("xl/workbook.xml") ?? "";
  const rels = texts.get("xl/_rels/workbook.xml.rels") ?? "";
  const scan: XlsxScan = {
    errors: new Map(),
    chineseDates: new Map(),
    date1904: /<workbookPr\b[^>]*\sdate1904="(1|true)"/.test(workbook),
  };
  if (!sheetEntry || !parts.has("xl/workbook.xml")) return scan; // exceljs refuses it in its own words
  const relTarget = new Map<string, string>();
  for (const m of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = attr(m[0], "Id");
    const target = attr(m[0], "Target");
    if (id && target) relTarget.set(id, target.replace(/^\/?xl\//, "").replace(/^\//, ""));
  }
  const sheets = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => ({
    name: attr(m[0], "name") ?? "",
    state: attr(m[0], "state") ?? "visible",
    part: `xl/${relTarget.get(attr(m[0], "r:id") ?? "") ?? ""}`,
  }));
  const first = sheets[0];
  if (first && first.state !== "visible")
    throw new FileRefusal(`第一个工作表「${first.name}」是隐藏的：请取消隐藏，或把要导入的工作表放在第一个`);
  if (first && first.part !== sheetEntry.name)
    throw new FileRefusal(
      `无法确定要导入的工作表：请把要导入的工作表「${first.name}」之外的工作表删除，或另存为只含一个工作表的文件`,
    );
  const sheet = texts.get(sheetEntry.name) ?? "";
  const merge = /<mergeCell\b[^>]*\sref="([^"]+)"/.exec(sheet);
  if (merge?.[1] && merge[1].includes(":"))
    throw new FileRefusal(`${rangeText(merge[1])}是合并单元格，请取消合并并填写每一行`);
  // Only rows carry hidden="…" in sheetData; <col hidden> (a hidden column) is not refused here.
  const hidden = /<row\b[^>]*\shidden="(?:1|true)"[^>]*>/.exec(sheet);
  if (hidden)
    throw new FileRefusal(
      `第 ${attr(hidden[0], "r") ?? "?"} 行是隐藏行（或被筛选隐藏）：请取消隐藏或删除该行后重新上传`,
    );
  const dateStyles = chineseDateStyles(texts.get("xl/styles.xml") ?? "");
  // Every cell is looked at only when some style uses a Chinese date format; else only errors.
  const cells =
    dateStyles.size > 0
      ? /<c\b([^>]*?)(\/>|>([\s\S]*?)<\/c>)/g
      : /<c\b([^>]*\st="e"[^>]*?)(\/>|>([\s\S]*?)<\/c>)/g;
  for (const m of sheet.matchAll(cells)) {
    const tag = m[1] ?? "";
    const ref = attr(tag, "r");
    if (!ref) continue;
    const type = attr(tag, "t");
    const body = m[3] ?? "";
    if (type === "e") scan.errors.set(ref, /<v>([^<]*)<\/v>/.exec(body)?.[1] ?? "#错误");
    else if (type === undefined || type === "n") {
      const kind = dateStyles.get(Number(attr(tag, "s") ?? "0"));
      if (kind) scan.chineseDates.set(ref, kind);
    }
  }
  return scan;
}

/**
 * The cell formats (cellXfs, by index) using a Chinese built-in date or time format; an id the
 * file defines itself in <numFmts> is an ordinary format, which exceljs reads.
 */
function chineseDateStyles(styles: string): Map<number, "date" | "time"> {
  const out = new Map<number, "date" | "time">();
  const own = new Set(
    [...styles.matchAll(/<numFmt\b[^>]*>/g)].map((m) => Number(attr(m[0], "numFmtId") ?? "-1")),
  );
  const xfs = /<cellXfs\b[^>]*>([\s\S]*?)<\/cellXfs>/.exec(styles)?.[1] ?? "";
  [...xfs.matchAll(/<xf\b[^>]*>/g)].forEach((m, i) => {
    const id = Number(attr(m[0], "numFmtId") ?? "0");
    if (own.has(id)) return;
    if (CHINESE_DATE_IDS.has(id)) out.set(i, "date");
    else if (CHINESE_TIME_IDS.has(id)) out.set(i, "time");
  });
  return out;
}
