import { CATEGORIES, type CategoryCode } from "../contracts/categories.js";
import {
  CANCEL_AFTER_EXPIRY_DAYS,
  CERTIFICATE_STATUS_LABELS,
  type CertificateStatus,
} from "../contracts/certificates.js";
import {
  LEGACY_RECORD_PREFIX,
  QualificationRecord,
  REGISTER_FILE_PROBLEM_CODES,
  type CleaningReport,
  type CleaningReason,
  type RegisterFileProblem,
  type RegisterFileProblemCode,
} from "../contracts/hub.js";
import { AppError } from "../lib/errors.js";
import { FileRefusal } from "../lib/file-refusal.js";
import { readSheetFile } from "../lib/sheet-file.js";
import { columnLetters, looksLikeXlsx } from "../lib/xlsx-rows.js";
import { checkIdNumber, maskIdNumber } from "../lib/id-number.js";
import { chinaDate } from "../lib/local-time.js";
import { isLapsed } from "../certificates/index.js";
import { isKnownDivision, isPlausibleIdDivision } from "../organisation/index.js";

/**
 * A province's existing certificate register (数据清洗 on joining the hub): one row per
 * certificate, read from CSV or XLSX, checked row by row into collection records. Nothing
 * is written while any row is refused: the officer fixes the file and uploads it again.
 */
export const REGISTER_COLUMNS = [
  "姓名",
  "身份证号",
  "从业资格类别",
  "证号",
  "发证机关",
  "发证机关代码",
  "初领日期",
  "发证日期",
  "有效期起",
  "有效期至",
  "状态",
] as const;
export const REGISTER_MAX_ROWS = 20_000;

export interface RegisterRow {
  line: number;
  fields: string[];
  /** Columns (0-based) whose cell held a number Excel had already cut to 15 significant digits. */
  imprecise: number[];
  /**
   * What the reader noted about the row's cells (a formula read as its cached result): each
   * refuses the row, since a register row goes to the hub for good and nobody typed that value.
   */
  notes?: string[];
}

export type { CleaningReport };

// The stable codes are the contract's (CleaningReport.fileProblems), re-exported for the tests.
export { REGISTER_FILE_PROBLEM_CODES };
export type { RegisterFileProblem, RegisterFileProblemCode };

/**
 * What makes the file unreadable as a register, by its header and the cells under no column: a
 * column the cleaning does not read, or a value under no column name, was dropped without a word
 * (the registration import refuses the same file with import_bad_header).
 */
export function registerFileProblems(header: string[], body: RegisterRow[]): RegisterFileProblem[] {
  const problems: RegisterFileProblem[] = [];
  const add = (code: RegisterFileProblemCode, message: string) => problems.push({ code, message });
  const known = new Set<string>(REGISTER_COLUMNS);
  const missing = REGISTER_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) add("register_missing_columns", `缺少列：${missing.join("、")}（第一行须为列名）`);
  // Which of two 「证号」 columns is the certificate's? Reading the first was a guess.
  const repeated = REGISTER_COLUMNS.filter((c) => header.indexOf(c) !== header.lastIndexOf(c));
  if (repeated.length > 0)
    add("register_repeated_columns", `列重复：${repeated.join("、")}（每列只能出现一次）`);
  const unknown = header.filter((h) => h !== "" && !known.has(h));
  if (unknown.length > 0)
    add(
      "register_unknown_columns",
      `未知的列${unknown
        .slice(0, 5)
        .map((h) => `「${h.slice(0, 40)}」`)
        .join("、")}${unknown.length > 5 ? ` 等 ${unknown.length} 列` : ""}：` +
        `登记册只有以下各列：${REGISTER_COLUMNS.join("、")}，请删除或改正该列后重新上传`,
    );
  const unlabelled: string[] = [];
  let count = 0;
  for (const row of body)
    row.fields.forEach((field, i) => {
      if ((header[i] ?? "") !== "" || field.trim() === "") return;
      count++;
      if (unlabelled.length < 5) unlabelled.push(`第 ${row.line} 行 ${columnLetters(i + 1)} 列`);
    });
  if (count > 0)
    add(
      "register_unlabelled_cells",
      `${unlabelled.join("、")}${count > unlabelled.length ? ` 等 ${count} 处` : ""}有内容，但该列没有列名：` +
        "请填写列名或删除该列后重新上传",
    );
  if (body.length > REGISTER_MAX_ROWS)
    add("register_too_many_rows", `超过 ${REGISTER_MAX_ROWS} 行，请拆分为多个文件`);
  if (body.length === 0) add("register_no_rows", "文件中没有数据行");
  return problems;
}

/**
 * The rows of an uploaded register file: XLSX by its ZIP signature (never by name), else CSV in
 * any encoding the other imports read (UTF-8, GBK/GB18030 as Excel saves CSV on a Chinese
 * Windows machine, UTF-16), through the one CSV and XLSX readers of the server. A file neither can
 * read is refused whole with `register_unreadable`.
 */
export async function readRegisterFile(bytes: Buffer): Promise<RegisterRow[]> {
  const rows: RegisterRow[] = [];
  try {
    // Blank rows count toward the XLSX reader's bound too, so a padded sheet stays bounded.
    // A number cell reads as Excel shows it (0032010012345678 under 0000000000000000), as the
    // question import reads it; a format the reader cannot show is a note, which refuses the row.
    const sheet = readSheetFile(bytes, looksLikeXlsx(bytes) ? "xlsx" : "csv", {
      dates: true,
      numberFormats: true,
      maxRows: REGISTER_MAX_ROWS * 10,
    });
    for await (const r of sheet.rows) {
      if (r.fields.some((f) => f.trim() !== ""))
        rows.push({ line: r.line, fields: r.fields, imprecise: r.imprecise, notes: r.notes });
      if (rows.length > REGISTER_MAX_ROWS + 1) break; // cleanRegister names the bound
    }
    return rows;
  } catch (err) {
    if (err instanceof FileRefusal) throw new AppError("register_unreadable", 400, err.message);
    throw err;
  }
}

const masked = (idNumber: string): string | null => (idNumber ? maskIdNumber(idNumber.slice(0, 18)) : null);

const STATUS_BY_LABEL = new Map(
  Object.entries(CERTIFICATE_STATUS_LABELS).map(([k, v]) => [v, k as CertificateStatus]),
);
const CATEGORY_BY_NAME = new Map(
  Object.entries(CATEGORIES).map(([k, v]) => [v as string, k as CategoryCode]),
);

/**
 * YYYY-MM-DD, YYYY/MM/DD or YYYY.MM.DD (one separator throughout, month and day of one or two
 * digits) or exactly YYYYMMDD, and a day that exists; else null. Without separators a short form
 * is ambiguous (202011 read as 2020-01-01, 2020111 as November or January): refused.
 */
function parseDate(text: string): string | null {
  const t = text.trim();
  const m = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(t) ?? /^(\d{4})()(\d{2})(\d{2})$/.exec(t);
  if (!m) return null;
  const iso = `${m[1]}-${m[3]!.padStart(2, "0")}-${m[4]!.padStart(2, "0")}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

/**
 * Cleans the register rows of `provinceCode` into collection records (certificate records, version
 * 1, `legacy:<证号>`, so a re-published file is answered `duplicate`). Every problem of a row is
 * named: invalid ID numbers, unknown division or category codes, issuing offices outside the
 * province or outside what the uploading account may see (`inScope`), impossible dates, duplicates.
 */
export function cleanRegister(
  rows: RegisterRow[],
  ctx: { provinceCode: string; now: Date; inScope?: (division: string) => boolean },
): { report: CleaningReport; records: QualificationRecord[] } {
  const report: CleaningReport = { rows: 0, clean: 0, refused: [], fileProblems: [] };
  const [header, ...body] = rows;
  const names = header?.fields.map((f) => f.replace(/^\uFEFF/, "").trim()) ?? [];
  report.fileProblems = registerFileProblems(names, body);
  if (report.fileProblems.length > 0) return { report, records: [] };

  const col = (row: RegisterRow, name: (typeof REGISTER_COLUMNS)[number]) =>
    (row.fields[names.indexOf(name)] ?? "").trim();
  // Certificate dates are China's calendar days, whatever zone the node shows.
  const today = chinaDate(ctx.now);
  const seen = new Map<string, number>();
  const seenNumbers = new Map<string, number>();
  const records: QualificationRecord[] = [];
  for (const row of body) {
    report.rows++;
    const reasons: CleaningReason[] = [];
    const add = (code: string, field: string | null, message: string) =>
      reasons.push({ code, field, message });
    // A number cell Excel cut to 15 digits: 320102199001011234 reads as …1200. Checked as text, a
    // cut 证号 passed its pattern and went to the hub as another certificate's number.
    // A note that says what to do (a number format: 设为文本) is shown as it is; a formula's is not.
    for (const note of row.notes ?? [])
      add(
        "cell_note",
        null,
        note.includes("请") ? note : `${note}：登记册须填写数值本身，请把公式「粘贴为数值」后重新上传`,
      );
    const cut = new Set(row.imprecise.map((i) => names[i]));
    for (const f of REGISTER_COLUMNS)
      if (cut.has(f))
        add(
          "imprecise_number",
          f,
          "单元格是数值格式，Excel 只保留 15 位有效数字，已不是原号码：请把该列设为文本后重新填写",
        );
    const idNumber = col(row, "身份证号").toUpperCase();
    const id = cut.has("身份证号")
      ? null
      : checkIdNumber(idNumber, { isKnownDivision: isPlausibleIdDivision, today: ctx.now });
    if (id && !id.ok) for (const p of id.problems) add(p.code, "身份证号", p.message);
    const name = col(row, "姓名");
    if (!name || [...name].length > 50) add("invalid_name", "姓名", "姓名须为 1–50 个字");
    const categories: CategoryCode[] = [];
    for (const part of col(row, "从业资格类别")
      .split(/[、;；,，\s]+/)
      .filter(Boolean)) {
      const code = part in CATEGORIES ? (part as CategoryCode) : CATEGORY_BY_NAME.get(part);
      if (code) categories.push(code);
      else add("unknown_category", "从业资格类别", `未知的从业资格类别 ${part.slice(0, 30)}`);
    }
    if (categories.length === 0 && !reasons.some((r) => r.field === "从业资格类别"))
      add("missing_field", "从业资格类别", "须填写从业资格类别");
    const certificateNumber = col(row, "证号").toUpperCase();
    if (!cut.has("证号") && !/^[0-9A-Z-]{6,40}$/.test(certificateNumber))
      add("invalid_certificate_number", "证号", "证号须为 6–40 位数字、大写字母或 -");
    const authority = col(row, "发证机关");
    if (!authority || authority.length > 100)
      add("missing_field", "发证机关", "须填写发证机关（不超过 100 字）");
    const division = col(row, "发证机关代码");
    if (!isKnownDivision(division))
      add("unknown_division", "发证机关代码", `未知的行政区划代码 ${division.slice(0, 12)}`);
    else if (division.slice(0, 2) !== ctx.provinceCode.slice(0, 2))
      add("division_outside_province", "发证机关代码", "发证机关不在本省");
    // A second line behind the province-level policy: an account publishes only what its own
    // division issued, since the hub keeps a published record for good.
    else if (ctx.inScope && !ctx.inScope(division))
      add("division_out_of_scope", "发证机关代码", "发证机关不在本账号的管辖范围内");
    const dates = (["初领日期", "发证日期", "有效期起", "有效期至"] as const).map((f) => {
      const d = parseDate(col(row, f));
      if (!d) add("invalid_date", f, `${f}不是合法日期（${col(row, f).slice(0, 20) || "空"}）`);
      return d;
    });
    const [first, issued, from, to] = dates;
    if (first && issued && first > issued) add("inconsistent", "发证日期", "发证日期早于初领日期");
    if (from && to && from > to) add("inconsistent", "有效期至", "有效期至早于有效期起");
    if (issued && issued > today) add("future_date", "发证日期", "发证日期晚于今天");
    if (first && id?.ok && first < id.info.birthDate) add("inconsistent", "初领日期", "初领日期早于出生日期");
    const status = STATUS_BY_LABEL.get(col(row, "状态"));
    if (!status) add("invalid_status", "状态", "状态须为 有效、注销、吊销 或 撤销");
    // 有效 in the old register, but past the 180 days after expiry: by rule it is cancelled, and
    // the hub would answer 有效 for it for good (nothing at the hub lapses a register entry).
    if (status === "valid" && to && isLapsed(to, today))
      add(
        "lapsed",
        "状态",
        `有效期至 ${to} 已届满超过 ${CANCEL_AFTER_EXPIRY_DAYS} 日，应为注销，不能按有效上报`,
      );
    const earlier = seen.get(idNumber);
    if (earlier !== undefined) add("duplicate", "身份证号", `与第 ${earlier} 行为同一人`);
    else if (idNumber) seen.set(idNumber, row.line);
    // The record id is the certificate number: a second row with it would be refused at the hub.
    const sameNumber = seenNumbers.get(certificateNumber);
    if (sameNumber !== undefined && earlier === undefined)
      add("duplicate", "证号", `与第 ${sameNumber} 行证号相同`);
    else if (certificateNumber && sameNumber === undefined) seenNumbers.set(certificateNumber, row.line);

    if (reasons.length > 0 || !status || !first || !issued || !from || !to) {
      report.refused.push({
        line: row.line,
        name: name.slice(0, 50),
        idNumberMasked: masked(idNumber),
        reasons,
      });
      continue;
    }
    const record = QualificationRecord.safeParse({
      recordId: `${LEGACY_RECORD_PREFIX}${certificateNumber}`,
      recordType: "certificate",
      sourceProvince: ctx.provinceCode,
      operation: "add",
      state: status === "valid" ? "valid" : "invalid",
      // From the row, not the clock: a re-published register must be byte-identical to be a `duplicate`.
      updateTime: `${issued.replaceAll("-", "")}000000`,
      version: 1,
      practitioner: { idNumber, name },
      categories: [...new Set(categories)],
      issuingDivision: division,
      certificate: {
        certificateNumber,
        status,
        issuingAuthority: authority,
        firstIssueDate: first,
        issueDate: issued,
        validFrom: from,
        validTo: to,
      },
    });
    if (!record.success) {
      report.refused.push({
        line: row.line,
        name,
        idNumberMasked: masked(idNumber),
        reasons: record.error.issues
          .slice(0, 5)
          .map((i) => ({ code: "invalid_field", field: i.path.join("."), message: i.message })),
      });
      continue;
    }
    records.push(record.data);
    report.clean++;
  }
  return { report, records };
}
