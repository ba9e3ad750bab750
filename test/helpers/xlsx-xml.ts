import { expect } from "chai";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { FileRefusal } from "../../server/lib/file-refusal.js";
import { readXlsxRows, type SheetRow, type XlsxReadOptions } from "../../server/lib/xlsx-rows.js";

/** Text escaped for XML content or attributes. */
export function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A 1-based column number as a spreadsheet names it: 1 → A, 27 → AA. */
function letters(c: number): string {
  let s = "";
  for (let n = c; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * A row of the sheet's XML: each cell is either plain text (written as an inline string) or raw
 * XML for the cell's content and attributes, `{ attrs: 't="d"', xml: "<v>2012-03-01</v>" }`.
 */
export function xmlRow(r: number, cells: (string | { attrs?: string; xml: string })[]): string {
  const xml = cells
    .map((cell, i) => {
      const ref = `${letters(i + 1)}${r}`;
      if (typeof cell === "string")
        return cell === "" ? "" : `<c r="${ref}" t="inlineStr"><is><t>${xmlText(cell)}</t></is></c>`;
      return `<c r="${ref}"${cell.attrs ? ` ${cell.attrs}` : ""}>${cell.xml}</c>`;
    })
    .join("");
  return `<row r="${r}">${xml}</row>`;
}

/**
 * A one-sheet workbook (written by exceljs, so every other part is as a real writer writes it)
 * whose sheet data and shared strings are the XML given: what exceljs's writer cannot produce
 * (inline rich text as openpyxl writes it, phonetic guides, t="d" cells, formulas without a cached
 * result). `sharedStrings` are <si> elements, indexed from 0 in the order given.
 */
export async function xlsxFromXml(parts: { rows: string[]; sharedStrings?: string[] }): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  // One text cell, so the shared strings part and its content type are written.
  book.addWorksheet("Sheet1").addRow(["x"]);
  const zip = await JSZip.loadAsync(Buffer.from(await book.xlsx.writeBuffer()));
  const sheet = await zip.file("xl/worksheets/sheet1.xml")!.async("string");
  zip.file(
    "xl/worksheets/sheet1.xml",
    sheet.replace(/<sheetData>[\s\S]*<\/sheetData>/, () => `<sheetData>${parts.rows.join("")}</sheetData>`),
  );
  const items = parts.sharedStrings ?? [];
  zip.file(
    "xl/sharedStrings.xml",
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${items.length}" uniqueCount="${items.length}">${items.join("")}</sst>`,
  );
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

/** Every row `readXlsxRows` yields for `bytes` (by default reading dates, as the imports do). */
export async function readAllXlsxRows(
  bytes: Buffer,
  options: XlsxReadOptions = { dates: true },
): Promise<SheetRow[]> {
  const out: SheetRow[] = [];
  for await (const r of readXlsxRows(bytes, options)) out.push(r);
  return out;
}

/** The message the reader refuses `bytes` with (a FileRefusal); throws if the file is read. */
export async function xlsxRefusal(
  bytes: Buffer,
  options: XlsxReadOptions = { dates: true },
): Promise<string> {
  try {
    await readAllXlsxRows(bytes, options);
  } catch (err) {
    expect(err).to.be.instanceOf(FileRefusal);
    return (err as Error).message;
  }
  throw new Error("the file was read, not refused");
}
