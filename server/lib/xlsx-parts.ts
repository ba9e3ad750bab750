import { StringDecoder } from "node:string_decoder";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { FileRefusal } from "./file-refusal.js";
import { stringItem, type CellFix, type StringItem } from "./xlsx-strings.js";
import { entryChunks, type ZipEntry } from "./zip-bounds.js";

/**
 * The XML parts of an XLSX as the scan (xlsx-scan.ts) reads them: each part as it inflates, and
 * what the scan needs of the workbook's relationships, its shared strings and its styles.
 */

/** The element's name without its namespace prefix (readXml refuses one exceljs would not read). */
export const local = (tag: { name: string }) => tag.name.slice(tag.name.indexOf(":") + 1);
export const truthy = (value: string | undefined) => value === "1" || value === "true";

/** Built-in number formats that Excel shows as a date or time in a Chinese locale. */
const CHINESE_DATE_IDS = new Set([27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58]);
/** …and those it shows as a time of day (h"时"mm"分", 上午/下午…). */
const CHINESE_TIME_IDS = new Set([32, 33, 34, 35, 55, 56]);

/**
 * The namespaces whose elements exceljs reads by their bare names (<c>, <si>, <Relationship>): an
 * element of one written with a prefix (<x:c>, as some writers do) is not read at all, so a sheet
 * read as empty and a shared string as another one. Prefixed elements of other namespaces (the
 * extension lists' x14:…, mc:AlternateContent) are not read by exceljs either way.
 */
const BARE_NAMESPACES = new Set([
  "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
  "http://purl.oclc.org/ooxml/spreadsheetml/main",
  "http://schemas.openxmlformats.org/package/2006/relationships",
]);

/** The events a part's reader listens to (readXml checks each element before passing it on). */
export interface XmlEvents {
  on(event: "opentag", handler: (tag: SaxesTagPlain) => void): void;
  on(event: "closetag", handler: (tag: SaxesTagPlain) => void): void;
  on(event: "text", handler: (text: string) => void): void;
}

/**
 * Reads one part's XML as it inflates: `on` registers its handlers on a parser that is given the
 * part chunk by chunk, so the part is never held whole and the event loop is never held long.
 */
export async function readXml(
  bytes: Buffer,
  entry: ZipEntry,
  on: (parser: XmlEvents) => void,
): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const handlers: {
    opentag?: (tag: SaxesTagPlain) => void;
    closetag?: (tag: SaxesTagPlain) => void;
    text?: (text: string) => void;
  } = {};
  on({ on: (event: keyof typeof handlers, handler: never) => (handlers[event] = handler) });
  // Prefixes bound to a namespace exceljs reads by bare names, wherever they are declared.
  const prefixes = new Set<string>();
  parser.on("opentag", (tag) => {
    for (const key in tag.attributes)
      if (key.startsWith("xmlns:") && BARE_NAMESPACES.has(tag.attributes[key] ?? ""))
        prefixes.add(key.slice(6));
    const colon = tag.name.indexOf(":");
    if (colon > 0 && prefixes.has(tag.name.slice(0, colon)))
      throw new FileRefusal(
        `Excel 文件的 ${entry.name.slice(0, 100)} 中的元素带有命名空间前缀（如 <${tag.name.slice(0, 40)}>），` +
          "无法可靠读取：请在 Excel 中打开并另存为“Excel 工作簿（*.xlsx）”后重新上传",
      );
    handlers.opentag?.(tag);
  });
  parser.on("closetag", (tag) => handlers.closetag?.(tag));
  parser.on("text", (text) => handlers.text?.(text));
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

/** The workbook's relationships: id → target part, relative to xl/. */
export async function workbookRels(bytes: Buffer, entry: ZipEntry): Promise<Map<string, string>> {
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
 * Each shared string (by index) that exceljs reads otherwise than Excel shows it, as Excel shows
 * it, and how many there are: a cell referring past them is read as blank by the stream and
 * crashes the whole-file read, so the scan refuses it.
 */
export async function sharedStringFixes(
  bytes: Buffer,
  entry: ZipEntry,
): Promise<{ fixes: Map<number, CellFix>; count: number }> {
  const out = new Map<number, CellFix>();
  let index = 0;
  let item: StringItem | undefined;
  await readXml(bytes, entry, (parser) => {
    parser.on("opentag", (tag) => {
      if (local(tag) === "si") item = stringItem("shared");
      else item?.open(local(tag), tag.attributes);
    });
    parser.on("text", (text) => item?.text(text));
    parser.on("closetag", (tag) => {
      if (local(tag) !== "si") return item?.close(local(tag));
      const fix = item?.fix();
      if (fix !== undefined) out.set(index, fix);
      index++;
      item = undefined;
    });
  });
  return { fixes: out, count: index };
}

/**
 * The cell formats (cellXfs, by index) using a Chinese built-in date or time format; an id the
 * file defines itself in <numFmts> is an ordinary format, which exceljs reads.
 */
export async function chineseDateStyles(
  bytes: Buffer,
  entry: ZipEntry,
): Promise<Map<number, "date" | "time">> {
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
