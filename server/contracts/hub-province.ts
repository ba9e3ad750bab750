import { z } from "zod";
import type { RejectReason } from "./hub-collection.js";

/**
 * A province node's sharing tools: its delivery queue to the hub (上报队列) and the import of its
 * existing certificate register (数据清洗).
 */

/**
 * The levels of the province's sharing tools (the delivery queue and lookup notices; the legacy
 * register), defined once in access-levels.ts with the server's policies; re-exported here for the
 * sharing pages.
 */
export { LEGACY_REGISTER_LEVELS, SHARING_QUEUE_LEVELS } from "./access-levels.js";

/** One entry of a province's delivery queue to the hub (上报队列); `dead` entries wait for a retry. */
export interface OutboundEntryDto {
  id: string;
  at: string;
  event: string;
  recordId: string;
  idNumber: string;
  status: "pending" | "sending" | "done" | "dead";
  attempts: number;
  outcome: string | null;
  reasons: RejectReason[];
  lastError: string | null;
  hubSeq: number | null;
  receiptId: string | null;
  availableAt: string | null;
}

// ---------------------------------------------------------------- legacy register import (数据清洗)

/**
 * Record ids of register entries: `legacy:<证号>`. The hub reads the prefix too: an entry's
 * updateTime is its issue date, years old, and is no measure of how promptly the province reports.
 */
export const LEGACY_RECORD_PREFIX = "legacy:";

/** Largest register file accepted (bytes), for the server's check and the page's alike. */
export const LEGACY_REGISTER_MAX_BYTES = 2 * 1024 * 1024;

/** A province's existing register, uploaded whole (CSV in UTF-8, GBK or UTF-16, or XLSX), base64 in JSON. */
export const LegacyRegisterUpload = z
  .object({
    fileName: z.string().trim().min(1).max(200),
    dataBase64: z
      .string()
      .min(1)
      .max(Math.ceil(LEGACY_REGISTER_MAX_BYTES / 3) * 4, "文件过大：请拆分为不超过 2 MB 的文件"),
  })
  .strict();
export type LegacyRegisterUpload = z.infer<typeof LegacyRegisterUpload>;

/**
 * Why a register row was refused before publishing: the hub's codes (RejectCode) and the cleaning's
 * own (imprecise_number, lapsed, duplicate, ...), which never reach the hub.
 */
export interface CleaningReason {
  code: string;
  field: string | null;
  message: string;
}

/**
 * The stable codes of the problems of a register file as a whole (`fileProblems`), in the order
 * they are named: columns missing, repeated or unknown, cells under no column, too many rows, none.
 */
export const REGISTER_FILE_PROBLEM_CODES = [
  "register_missing_columns",
  "register_repeated_columns",
  "register_unknown_columns",
  "register_unlabelled_cells",
  "register_too_many_rows",
  "register_no_rows",
] as const;
export type RegisterFileProblemCode = (typeof REGISTER_FILE_PROBLEM_CODES)[number];

/** A problem of the register file as a whole, by its stable code and its Chinese message. */
export interface RegisterFileProblem {
  code: RegisterFileProblemCode;
  message: string;
}

/** The cleaning report of a checked register: how many rows are clean, and why each other row was refused. */
export interface CleaningReport {
  rows: number;
  clean: number;
  /**
   * The refused rows, with what finds them in the sheet: the row, the name and the ID number masked
   * as on every other page (the report is shown, and may be kept, beyond the file itself).
   */
  refused: { line: number; name: string; idNumberMasked: string | null; reasons: CleaningReason[] }[];
  /** Problems of the file as a whole (header, size); when any, no row was read. */
  fileProblems: RegisterFileProblem[];
}

/** The outcome of publishing a clean register: the hub's answer counted per outcome. */
export interface LegacyPublishDto {
  rows: number;
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: { recordId: string | null; reasons: RejectReason[] }[];
}
