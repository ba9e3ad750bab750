import { z } from "zod";

/**
 * Bulk registration (批量导入报名): an officer uploads a spreadsheet (XLSX, or CSV in UTF-8 or
 * GBK/GB18030), sees a report per row before anything is written, then confirms; the confirmation
 * writes every row or none.
 */

/** Largest file accepted (bytes): 2,000 rows of a full registration fit several times over. */
export const REGISTRATION_IMPORT_MAX_BYTES = 1024 * 1024;
/** Most data rows (header excluded) one file may hold. */
export const REGISTRATION_IMPORT_MAX_ROWS = 2000;

/**
 * The sheet's columns, by their Chinese headers (the template's first row). Required columns must
 * be present; the rest may be left out (`drivers`: needed by the driver categories). The order in
 * the file is free.
 */
export const REGISTRATION_IMPORT_COLUMNS = [
  { key: "name", header: "姓名", required: true, example: "张三" },
  { key: "idNumber", header: "身份证号", required: true, example: "320102199001011234" },
  { key: "phone", header: "手机号", required: true, example: "13900000000" },
  { key: "addressDivisionCode", header: "住址行政区划代码", required: true, example: "320102" },
  { key: "education", header: "文化程度", required: true, example: "高中" },
  // Driver categories need both; an applicant for 装卸管理人员 or 押运人员 only may leave them out.
  { key: "licenceClass", header: "准驾车型", required: false, drivers: true, example: "B2" },
  {
    key: "licenceFirstIssuedOn",
    header: "驾驶证初领日期",
    required: false,
    drivers: true,
    example: "2012-03-01",
  },
  { key: "categories", header: "报考类别", required: true, example: "经营性道路货物运输驾驶员" },
  { key: "noMajorAccident3y", header: "近3年无重大事故", required: false, example: "是" },
  { key: "noDrunkDriving", header: "无酒驾醉驾记录", required: false, example: "是" },
  { key: "hazmatTraining", header: "已受危险货物培训", required: false, example: "否" },
  { key: "divisionCode", header: "报名单位行政区划代码", required: false, example: "" },
] as const;
export type RegistrationImportColumn = (typeof REGISTRATION_IMPORT_COLUMNS)[number]["key"];

/** POST /api/candidates/imports: the file's bytes as base64, as the question import sends them. */
export const RegistrationImportBody = z
  .object({
    filename: z.string().trim().min(1).max(200),
    contentBase64: z
      .string()
      .min(1)
      // Twice the byte limit, so an oversized file gets the import's own import_file_too_large.
      .max(Math.ceil((REGISTRATION_IMPORT_MAX_BYTES * 2 * 4) / 3) + 4)
      .regex(/^[A-Za-z0-9+/=]*$/, "文件内容须为 base64"),
  })
  .strict();
export type RegistrationImportBody = z.infer<typeof RegistrationImportBody>;

/** One problem of one row, with a stable code (e.g. `id_check_digit`, `duplicate_in_file`). */
export interface ImportRowProblemDto {
  code: string;
  message: string;
}

/** One data row of the report: what the officer needs to find it in the sheet, and what is wrong. */
export interface ImportRowDto {
  /** The row's number in the sheet or file (the header is row 1). */
  line: number;
  name: string;
  /** The ID number masked as elsewhere (first 4 and last 4 characters shown). */
  idNumberMasked: string;
  problems: ImportRowProblemDto[];
  /** Remarks that refuse nothing, e.g. a formula cell read as its text. */
  notes: string[];
}

/** The dry run's answer, and the body of a refused confirmation (`import_has_problems`). */
export interface RegistrationImportDto {
  importId: string;
  filename: string;
  /** How the file was read, e.g. 「XLSX」 or 「CSV（GB18030 编码）」. */
  readAs: string;
  status: "previewed" | "confirmed";
  rows: ImportRowDto[];
  /** Rows without problems / with problems. Confirmation needs `refused` to be 0. */
  accepted: number;
  refused: number;
  /** When the preview is forgotten if not confirmed (ISO time). */
  expiresAt: string;
}

/** POST /api/candidates/imports/:id/confirm: how many candidates were registered. */
export interface RegistrationImportConfirmedDto {
  importId: string;
  registered: number;
}
