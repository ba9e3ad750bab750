import type { ClientSession, Connection } from "mongoose";
import { LEGACY_RECORD_PREFIX, type RecordResult } from "../../contracts/hub.js";
import { contentHash } from "../record-validation.js";
import { completenessOf } from "./figures.js";
import { reportModels } from "./report.models.js";

/** MOT's UpdateTime (`YYYYMMDDhhmmss`, Beijing time, UTC+8 without DST) as an instant; null if it is no real time. */
export function updateTimeInstant(value: unknown): Date | null {
  if (typeof value !== "string" || !/^\d{14}$/.test(value)) return null;
  const n = [0, 4, 6, 8, 10, 12].map((i, k) => Number(value.slice(i, k === 0 ? 4 : i + 2)));
  const [y, mo, d, h, mi, s] = n as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(y, mo - 1, d, h - 8, mi, s));
  const back = new Date(at.getTime() + 8 * 3600_000);
  const same =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return same ? at : null;
}

/**
 * The end of a record's own date (an exam pass's `exam.passedOn`, a certificate's
 * `certificate.issueDate`; a day in Beijing time) as an instant: the latest the record's event can
 * have happened. Null when the record carries no such day.
 */
export function recordDateEnd(obj: Record<string, unknown>): Date | null {
  const part = (key: string) =>
    obj[key] && typeof obj[key] === "object" ? (obj[key] as Record<string, unknown>) : null;
  const day =
    obj.recordType === "exam_pass"
      ? part("exam")?.passedOn
      : obj.recordType === "certificate"
        ? part("certificate")?.issueDate
        : null;
  if (typeof day !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const start = updateTimeInstant(`${day.replaceAll("-", "")}000000`);
  return start ? new Date(start.getTime() + 24 * 3600_000) : null;
}

/** One ledger row: what the monthly report needs of one record the hub received. */
export interface IntakeRow {
  at: Date;
  sourceProvince: string;
  batchId: string;
  index: number;
  recordId: string | null;
  version: number | null;
  recordType: "exam_pass" | "certificate" | null;
  outcome: "accepted" | "duplicate" | "stale" | "rejected";
  reasonCodes: string[];
  sourceAt: Date | null;
  elements: Record<string, boolean>;
  /** SHA-256 of a rejected record's canonical content: its re-sends count once (see the report's tallies). */
  contentHash: string | null;
  /** True when an accepted row's record was new at the hub (its first version the hub took). */
  created: boolean;
  /**
   * For a new record, the end of its exam or issue day (recordDateEnd): timeliness starts no later
   * than this, whatever UpdateTime it claims (the UpdateTime is the province's own word).
   */
  recordDateAt: Date | null;
}

/**
 * A certificate register entry exactly as the legacy register import builds it
 * (sharing/legacy-register.ts): its record id is the certificate number under the register's
 * prefix and its UpdateTime the issue date at midnight. Only such an entry's UpdateTime is no
 * time of reporting; the prefix alone let any province take records out of the timeliness score.
 */
function isRegisterEntry(obj: Record<string, unknown>, recordId: string | null): boolean {
  const certificate =
    obj.certificate && typeof obj.certificate === "object"
      ? (obj.certificate as Record<string, unknown>)
      : null;
  const number = certificate?.certificateNumber;
  const issued = certificate?.issueDate;
  return (
    obj.recordType === "certificate" &&
    typeof number === "string" &&
    typeof issued === "string" &&
    recordId === `${LEGACY_RECORD_PREFIX}${number}` &&
    obj.recordId === recordId &&
    obj.updateTime === `${issued.replaceAll("-", "")}000000`
  );
}

/** The ledger row of one record's result; `raw` is the record as published (any shape). */
export function intakeRow(
  batch: { batchId: string; sourceProvince: string; receivedAt: Date },
  result: Pick<RecordResult, "index" | "recordId" | "version" | "outcome" | "reasons">,
  raw: unknown,
  options: { created?: boolean } = {},
): IntakeRow {
  const obj = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const recordType =
    obj.recordType === "exam_pass" || obj.recordType === "certificate" ? obj.recordType : null;
  const registerEntry = isRegisterEntry(obj, result.recordId);
  const created = result.outcome === "accepted" && options.created === true;
  return {
    at: batch.receivedAt,
    sourceProvince: batch.sourceProvince,
    batchId: batch.batchId,
    index: result.index,
    recordId: result.recordId,
    version: result.version,
    recordType,
    outcome: result.outcome,
    reasonCodes: [...new Set(result.reasons.map((x) => x.code))],
    // A register entry's updateTime is its issue date: publishing a register of old certificates
    // is not years of lateness (it sank the month's timeliness score to nothing).
    sourceAt: registerEntry ? null : updateTimeInstant(obj.updateTime),
    elements: result.outcome === "accepted" ? completenessOf(obj) : {},
    contentHash: result.outcome === "rejected" ? contentHash(raw ?? null) : null,
    created,
    recordDateAt: created && !registerEntry ? recordDateEnd(obj) : null,
  };
}

/**
 * The intake ledger as the collection interface writes it. An accepted record's row is written
 * with `session`, inside the transaction of the record change it counts: the two commit together
 * or not at all, so the report's accepted figures cannot drift from the change log (the
 * `ledgerConsistent` flag stays as a safety net). Rows of records that changed nothing
 * (duplicate, stale, rejected) are written after the batch, with the batch's rejections, in one
 * transaction of their own (collection.service.ts).
 */
export function createIntakeLedger(conn: Connection) {
  const { Intake } = reportModels(conn);
  return {
    async write(rows: IntakeRow[], session?: ClientSession): Promise<void> {
      if (rows.length === 0) return;
      // Rows are built whole by intakeRow with the schema's types (checked against the schema in
      // intake-ledger.test.ts): the driver writes them without mongoose hydrating each one.
      await Intake.collection.insertMany(rows, session ? { session, ordered: true } : { ordered: false });
    },
  };
}
export type IntakeLedger = ReturnType<typeof createIntakeLedger>;
