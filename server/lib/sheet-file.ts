import { readCsvCell, readCsvRows } from "./csv.js";
import { FileRefusal } from "./file-refusal.js";
import { decodeImportBytes } from "./text-decode.js";
import { readXlsxRows, type SheetRow, type XlsxReadOptions } from "./xlsx-rows.js";

/** An uploaded sheet's rows, and how it was read (「XLSX」, 「CSV（UTF-8）」, 「CSV（GB18030 编码）」). */
export interface SheetFile {
  readAs: string;
  rows: AsyncIterable<SheetRow> | Iterable<SheetRow>;
}

/**
 * The one reading of a tabular upload (registration import, legacy register): an XLSX workbook's
 * first sheet, or CSV decoded as every import decodes it (UTF-8 with or without BOM, GBK/GB18030
 * as Excel saves CSV on a Chinese Windows machine, UTF-16). A leading quote before a formula
 * character is how CSV writers (ours included) defuse a formula; it is taken off, so the value is
 * checked as the text it is. Rows are read as they are asked for. Throws FileRefusal when the file
 * cannot be read (at once, or while its rows are read); each caller names it with its own code.
 */
export function readSheetFile(bytes: Buffer, format: "xlsx" | "csv", xlsx: XlsxReadOptions = {}): SheetFile {
  if (format === "xlsx") return { readAs: "XLSX", rows: readXlsxRows(bytes, xlsx) };
  const decoded = decodeImportBytes(bytes);
  if (!decoded.ok) throw new FileRefusal(decoded.error);
  const readAs =
    decoded.encoding === "utf-8" ? "CSV（UTF-8）" : `CSV（${decoded.encoding.toUpperCase()} 编码）`;
  const rows = (function* () {
    for (const r of readCsvRows(decoded.text))
      yield { line: r.line, fields: r.fields.map(readCsvCell), notes: [], imprecise: [] };
  })();
  return { readAs, rows };
}
