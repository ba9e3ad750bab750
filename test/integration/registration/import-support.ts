import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { REGISTRATION_IMPORT_COLUMNS } from "../../../server/contracts/registration-import.js";
import { toCsvText } from "../../../server/lib/csv.js";
import { uniqueIdNumber, type AuthedAgent } from "../../helpers/auth.js";

/** One sheet row by header; a cell may be an exceljs value (a number, a formula) for XLSX. */
export type SheetRow = Record<string, unknown>;

export const HEADERS = REGISTRATION_IMPORT_COLUMNS.map((c) => c.header);

/** An eligible passenger-driver applicant in 南京, with a fresh ID number. */
export function aRow(overrides: SheetRow = {}): SheetRow {
  return {
    姓名: "赵导入",
    身份证号: uniqueIdNumber(),
    手机号: "13912345678",
    住址行政区划代码: "320102",
    文化程度: "高中",
    准驾车型: "A1",
    驾驶证初领日期: "2012-05-01",
    报考类别: "经营性道路旅客运输驾驶员",
    近3年无重大事故: "是",
    ...overrides,
  };
}

/** A cell as the text a CSV holds (only strings and numbers go into CSV rows). */
export function textOf(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** CSV bytes as Excel writes them: UTF-8 with a BOM, or GB18030 (Chinese Windows). */
export function csvFile(
  rows: SheetRow[],
  encoding: "utf-8-bom" | "gb18030" = "utf-8-bom",
  headers: readonly string[] = HEADERS,
): Buffer {
  const text = toCsvText([headers, ...rows.map((r) => headers.map((h) => textOf(r[h])))]);
  return encoding === "gb18030" ? iconv.encode(text, "gb18030") : Buffer.from(`\uFEFF${text}`, "utf8");
}

/** An XLSX workbook whose first sheet holds the rows (cells as given: strings, numbers, formulas). */
export async function xlsxFile(rows: SheetRow[], headers: readonly string[] = HEADERS): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet("考生");
  sheet.addRow(headers);
  for (const r of rows) sheet.addRow(headers.map((h) => (r[h] ?? "") as ExcelJS.CellValue));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function upload(officer: AuthedAgent, filename: string, bytes: Buffer) {
  return officer.agent
    .post("/api/candidates/imports")
    .send({ filename, contentBase64: bytes.toString("base64") });
}

export function confirm(officer: AuthedAgent, importId: string) {
  return officer.agent.post(`/api/candidates/imports/${importId}/confirm`).send({});
}

/** The problem codes of each row of a report, by row number. */
export function codesByLine(report: { rows: { line: number; problems: { code: string }[] }[] }) {
  return Object.fromEntries(report.rows.map((r) => [r.line, r.problems.map((p) => p.code)]));
}
