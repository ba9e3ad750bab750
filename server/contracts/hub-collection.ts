import { z } from "zod";
import { CategoryCode } from "./categories.js";
import { DivisionCode, HubId, MAX_REJECT_REASONS, ProvinceCode, Timestamp, UpdateTime } from "./hub-base.js";
import { IsoDate, personName, refuseInvisible } from "./validation.js";

/**
 * 1. The collection interface (数据资源采集, province → hub): the qualification record, the batch,
 * the rejection codes and the per-record receipt; and which published records are the conformance
 * kit's tests, which no report counts.
 */

// ---------------------------------------------------------------- 1. collection interface

export const RecordOperation = z.enum(["add", "update", "delete"]);
export const CertificateStatus = z.enum(["valid", "cancelled", "revoked", "withdrawn"]);

/**
 * What the hub hashes (RecordResult.recordHash, PractitionerView.recordHash). Written out because a
 * province hashing its own record as it sent it got another hash: the hub normalises the name first.
 */
export const RECORD_HASH_RULE =
  "SHA-256 (lower-case hex) of the record as the hub stores it, written as canonical JSON: object keys " +
  "sorted by UTF-16 code unit at every level, no white space, strings and numbers as JSON.stringify " +
  "writes them, exactly the fields sent (no defaults added). The one field the hub changes before storing " +
  "and hashing is practitioner.name: Unicode NFC, trimmed of surrounding white space, and between two " +
  "Chinese characters any separator dot (U+00B7, U+0387, U+2022, U+2027, U+2219, U+22C5, U+30FB, U+FF65, " +
  "U+2E31, U+002E, U+FF0E) with the spaces around it becomes U+00B7 and spaces are removed: " +
  '" 阿卜杜 . 热合曼 " is stored and hashed as "阿卜杜·热合曼". A province comparing hashes normalises ' +
  "the name first.";

/**
 * One qualification record (资格记录) as a province publishes it. `recordId` is stable at the
 * source and versions grow with each change; the hub keeps the highest version it accepted. The
 * descriptions state the rules the hub checks beyond the shape (record-validation.ts), with the
 * code each breach is rejected with: provinces read them in the OpenAPI document.
 */
export const QualificationRecord = z
  .object({
    recordId: z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/, "recordId 须为 1–100 位字母、数字或 :._-"),
    recordType: z.enum(["exam_pass", "certificate"]),
    /** 数据来源省份 (provenance). */
    sourceProvince: ProvinceCode.meta({
      description:
        "数据来源省份: must be the province whose node key signed the batch (else provenance_mismatch). " +
        "Only the practitioner's home province (the first to publish them, or the one a transfer moved " +
        "them to) writes new records of them (else not_home_province); a former home may still update " +
        "the records it published, but not make a valid certificate of one that is not (a cancelled, " +
        "revoked, withdrawn or deleted certificate, or an exam pass): such an update is judged as a new " +
        "record. A new valid record from another province while the home holds " +
        "records of the person but no valid certificate within its dates (only cancelled, revoked, " +
        "withdrawn or expired ones, or only exam passes) is rejected home_contested instead and " +
        "recorded as a contest for the hub operator, who may reassign the home; it is never moved " +
        "automatically. Once every record of a practitioner is deleted, the home keeps them for a grace " +
        "period (hub setting, 30 days by default) in which only it re-adds them and another province's " +
        "record is rejected home_contested; after it they have no home, and the next province to publish " +
        "a record of them becomes it.",
    }),
    /** Flag: add / update / delete. */
    operation: RecordOperation.meta({
      description:
        "add / update / delete. A delete withdraws the record: it must have state invalid (else " +
        "inconsistent) and no longer counts towards what the practitioner holds.",
    }),
    /** State: valid / invalid. */
    state: z.enum(["valid", "invalid"]).meta({
      description:
        "valid / invalid. A delete must be invalid; on a certificate record the state must agree with " +
        "certificate.status: valid exactly when the status is valid, except on a delete (else inconsistent).",
    }),
    updateTime: UpdateTime.meta({
      description:
        "YYYYMMDDhhmmss in Beijing time (UTC+8, no daylight saving), as MOT interface specifications " +
        "write UpdateTime: a time that does not exist is rejected invalid_date, one more than 5 minutes " +
        "ahead of the hub's clock future_date.",
    }),
    version: z
      .int()
      .min(1)
      .max(2_147_483_647)
      .meta({
        description:
          "Grows with each change of the record. Lower than the version held: answered stale (ignored); " +
          "equal with the same content (recordHash): duplicate; equal with other content: rejected " +
          "version_conflict.",
      }),
    practitioner: z
      .object({
        idNumber: z.string().min(1).max(18),
        name: personName(1, 50),
      })
      .strict()
      .meta({
        description:
          "idNumber: an 18-character GB 11643 citizen identity number, its check character an upper-case " +
          "X or a digit: wrong length id_length, other characters or a lower-case x id_format, a province " +
          "that does not exist id_division, a birth date that is no real day from 1900-01-01 to today " +
          "id_birth_date, a wrong check character id_check_digit; a record's ID number never changes " +
          "(inconsistent). name: stored normalised (see recordHash in the receipt).",
      }),
    categories: z.array(CategoryCode).min(1).max(7).meta({
      description: "No code twice (duplicate_category); an exam pass names exactly its exam's category.",
    }),
    /** The GB/T 2260 division of the authority that examined or issued. */
    issuingDivision: DivisionCode.meta({
      description:
        "The GB/T 2260 division of the authority that examined or issued: a current code (else " +
        "unknown_division) inside the source province (else division_outside_province).",
    }),
    exam: z
      .object({
        categoryCode: CategoryCode,
        passedOn: IsoDate,
        score: z.number().min(0).max(100),
        passMark: z.number().min(0).max(100),
        chainHash: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict()
      .meta({
        description:
          "Required on an exam_pass record, refused on a certificate record (missing_field / " +
          "inconsistent). A pass carries exactly its own category: categories must be exactly " +
          "[categoryCode]; score must be at least passMark; passedOn not after today in Beijing " +
          "(future_date) nor before the birth date in the ID number (inconsistent).",
      })
      .optional(),
    certificate: z
      .object({
        certificateNumber: z.string().regex(/^[0-9A-Z-]{6,40}$/),
        status: CertificateStatus,
        // Read by every province that looks the practitioner up: no invisible characters. Checked,
        // not trimmed or normalised: the hub keeps the record exactly as the province signed it.
        issuingAuthority: refuseInvisible(z.string().min(1).max(100)),
        firstIssueDate: IsoDate,
        issueDate: IsoDate,
        validFrom: IsoDate,
        validTo: IsoDate,
      })
      .strict()
      .meta({
        description:
          "Required on a certificate record, refused on an exam_pass record (missing_field / " +
          "inconsistent). status must agree with the record's state (valid exactly when state is valid, " +
          "except on a delete); validFrom not after validTo; firstIssueDate not after issueDate, issueDate " +
          "not after today in Beijing (future_date), firstIssueDate not before the birth date " +
          "(inconsistent).",
      })
      .optional(),
    /** Provenance of a certificate issued on a transfer (转籍): the former home's certificate and the exchange case. */
    transferredFrom: z
      .object({
        sourceProvince: ProvinceCode,
        certificateNumber: z.string().regex(/^[0-9A-Z-]{6,40}$/),
        caseId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
      })
      .strict()
      .optional(),
  })
  .strict();
export type QualificationRecord = z.infer<typeof QualificationRecord>;

/** Hard bound on records per batch; a larger batch is answered 413 without reading any record. */
export const MAX_BATCH_RECORDS = 500;

/** The envelope only: records are validated one by one, so one bad record rejects only itself. */
export const CollectionBatch = z
  .object({
    batchId: z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/),
    records: z.array(z.unknown()).min(1).max(MAX_BATCH_RECORDS),
  })
  .strict();

/**
 * Every code the hub rejects a record with (record-validation.ts, collection.service.ts, collection-rounds.ts), with its
 * meaning in Chinese as the hub's and the provinces' pages show it. A new code is a change of the
 * interface: the hub checks its receipts against this list before they leave.
 */
export const REJECT_CODE_LABELS = {
  invalid_field: "字段格式不合法",
  missing_field: "缺少必需信息",
  inconsistent: "内容前后不一致",
  provenance_mismatch: "来源省份与签名节点不符",
  not_home_province: "非归属省份写入",
  home_contested: "主管省份存在争议，已登记待全国中心核实",
  certificate_number_in_use: "证件号码已属他人",
  version_conflict: "同版本内容不同",
  too_many_records: "该人员记录数已达上限",
  conflict_retry: "并发冲突待重发",
  unknown_division: "未知行政区划",
  division_outside_province: "机构不在来源省份",
  duplicate_category: "资格类别重复",
  invalid_date: "日期不合法",
  future_date: "日期晚于当前",
  id_length: "身份证号码位数错误",
  id_format: "身份证号码格式错误",
  id_division: "身份证地区码不存在",
  id_birth_date: "身份证出生日期错误",
  id_check_digit: "身份证校验位错误",
} as const;
export type RejectCode = keyof typeof REJECT_CODE_LABELS;
export const RejectCode = z.enum(Object.keys(REJECT_CODE_LABELS) as [RejectCode, ...RejectCode[]]).meta({
  description: `Why the record was rejected (code: 含义): ${Object.entries(REJECT_CODE_LABELS)
    .map(([code, label]) => `${code}: ${label}`)
    .join("; ")}.`,
});

/** Why a record was rejected: a stable code, the offending field's path and a Chinese message. */
export const RejectReason = z.object({
  code: RejectCode,
  field: z.string().max(200).nullable(),
  message: z.string().max(500),
});
export type RejectReason = z.infer<typeof RejectReason>;

export const RecordOutcome = z.enum(["accepted", "duplicate", "stale", "rejected"]);
export const RecordResult = z.object({
  index: z
    .int()
    .min(0)
    .max(MAX_BATCH_RECORDS - 1),
  recordId: z.string().max(100).nullable(),
  version: z.int().nullable(),
  outcome: RecordOutcome,
  reasons: z.array(RejectReason).max(MAX_REJECT_REASONS),
  /** Hub sequence number of the change (accepted only). */
  hubSeq: z.int().nullable(),
  /** SHA-256 of the record's canonical form, hex (RECORD_HASH_RULE). */
  recordHash: z
    .string()
    .max(128)
    .nullable()
    .meta({
      description: `${RECORD_HASH_RULE} Null when the hub holds no version of the record (rejected).`,
    }),
});
export type RecordResult = z.infer<typeof RecordResult>;

/** The per-record receipt; the HTTP response signature makes it a signed receipt. */
export const CollectionReceipt = z.object({
  receiptId: HubId,
  batchId: z.string().min(1).max(100),
  sourceProvince: z.string().max(6),
  receivedAt: Timestamp,
  results: z.array(RecordResult).max(MAX_BATCH_RECORDS),
});
export type CollectionReceipt = z.infer<typeof CollectionReceipt>;

/**
 * The conformance kit's test records (scripts/conformance): record ids `conformance:<random>`, of
 * practitioners whose ID numbers carry a division code of the form PP0090–PP0099, which GB/T 2260
 * never gives (the middle pair 00 is the province itself), so no person holds them. The kit
 * withdraws them at the end of each run. They are no province's reporting: the monthly report
 * leaves them out. Both marks are needed, so a province cannot hide a real practitioner's record
 * from its figures by its record id.
 */
export const CONFORMANCE_RECORD_PREFIX = "conformance:";
/** The test practitioners' division codes (the first six digits of their ID numbers). */
export const CONFORMANCE_ID_DIVISION = /^[1-9]\d009\d/;

/** Whether a published record (any shape, as received) is one of the conformance kit's. */
export function isConformanceRecord(record: unknown): boolean {
  type Shape = { recordId?: unknown; practitioner?: { idNumber?: unknown } | null };
  const r: Shape = record && typeof record === "object" ? (record as Shape) : {};
  const person = r.practitioner && typeof r.practitioner === "object" ? r.practitioner : {};
  return (
    typeof r.recordId === "string" &&
    r.recordId.startsWith(CONFORMANCE_RECORD_PREFIX) &&
    typeof person.idNumber === "string" &&
    CONFORMANCE_ID_DIVISION.test(person.idNumber)
  );
}

/** The same test as a filter on the hub's records or change log (recordId, idNumber), for the report. */
export const CONFORMANCE_RECORD_FILTER = {
  recordId: { $regex: `^${CONFORMANCE_RECORD_PREFIX}` },
  idNumber: { $regex: CONFORMANCE_ID_DIVISION.source },
} as const;
