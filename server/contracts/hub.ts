import { z } from "zod";
import { CategoryCode } from "./categories.js";
import {
  IsoDate,
  personName,
  refuseInvisible,
  typedCode,
  visibleName,
  wholeNumber,
} from "./validation.js";

/**
 * The national hub's inter-node interfaces, in the style of MOT's interface specifications:
 * 1. collection (数据资源采集, province → hub), 2. catalog service (数据资源目录服务, hub → province).
 * These schemas are the one source of truth: the routes validate with them and the OpenAPI
 * documents are generated from them. Every message is signed per RFC 9421 (server/sharing).
 */

export const ProvinceCode = z.string().regex(/^[1-9]\d0000$/, "须为 GB/T 2260 省级代码，如 320000");
export const DivisionCode = z.string().regex(/^\d{6}$/, "须为 6 位 GB/T 2260 行政区划代码");
/** `YYYYMMDDhhmmss`, Beijing time, as MOT interface specs write `UpdateTime`. */
export const UpdateTime = z.string().regex(/^\d{14}$/, "须为 YYYYMMDDhhmmss");
const Ed25519PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "须为 base64url 编码的 32 字节 Ed25519 公钥");
/**
 * Bounds of the hub's answers. Other provinces' software parses these documents too, so every
 * array and string in them has a published maximum the hub keeps (it refuses to send more).
 */
/** An ISO 8601 timestamp as the hub writes it (`2026-03-01T08:00:00.000Z`), with room for offsets. */
const Timestamp = z.string().min(1).max(40);
/** Hub-made identifiers (UUIDs). */
const HubId = z.string().min(1).max(64);
/** The most records one lookup answers (a certificate number may match a few people's records). */
export const MAX_LOOKUP_MATCHES = 5;
/** The largest page of the change feed or the lookup-notice feed (`limit`). */
export const MAX_PAGE_SIZE = 1000;
/** The most reasons one rejected record is given (the first problems found). */
export const MAX_REJECT_REASONS = 20;

// ---------------------------------------------------------------- node registry (hub operator)

/** The certificate signing suites of the certificates feature (issue 11): Ed25519 or SM2 with SM3. */
export const CertificateKeySuite = z.enum(["ed25519", "sm2-sm3"]);
export const CertificateSigningKey = z
  .object({
    kid: z.string().min(1).max(64),
    suite: CertificateKeySuite,
    /** base64url: raw Ed25519 key (32 B) or uncompressed SM2 point (65 B). */
    publicKey: z.string().min(1).max(300),
    /**
     * The first day the key signs (the province's own list's validFrom, as a day). Absent, the hub
     * dates the key from the day it is first registered and keeps that date on later registrations:
     * a certificate the key signed before then is refused by provinces that only have the national
     * list, so send it (conformance P05 checks the national dates cover the province's own).
     */
    validFrom: IsoDate.optional(),
    validTo: IsoDate.optional(),
  })
  .strict();

export const RegisterNodeBody = z
  .object({
    provinceCode: ProvinceCode,
    name: visibleName(1, 50),
    nodeKey: Ed25519PublicKey,
    /** Where the hub reaches the province (exchange notices, issue 13); optional for now. */
    endpoint: z.url().max(300).optional(),
    /**
     * The province's certificate signing keys, replacing those registered; absent keeps them (a
     * node key rotated from the operator page used to wipe them, and every certificate the
     * province had signed then failed national verification).
     */
    certificateKeys: z.array(CertificateSigningKey).max(20).optional(),
  })
  .strict();
export type RegisterNodeBody = z.infer<typeof RegisterNodeBody>;

export interface RegisteredNodeDto {
  provinceCode: string;
  name: string;
  status: "active" | "suspended";
  nodeKeys: { keyId: string; publicKey: string; addedAt: string; retiredAt: string | null }[];
  certificateKeys: z.infer<typeof CertificateSigningKey>[];
  endpoint: string | null;
  registeredAt: string;
}

/** The hub's own identity (GET /identity), which provinces pin. */
export const HubIdentity = z.object({
  /** RFC 7638 JWK thumbprint of the key: the `keyid` of every answer the hub signs. */
  keyId: z.string().min(1).max(64),
  publicKey: Ed25519PublicKey,
  alg: z.literal("ed25519"),
});
export type HubIdentityDto = z.infer<typeof HubIdentity>;

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
  "\" 阿卜杜 . 热合曼 \" is stored and hashed as \"阿卜杜·热合曼\". A province comparing hashes normalises " +
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
        "the records it published.",
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
    version: z.int().min(1).max(2_147_483_647).meta({
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
    categories: z
      .array(CategoryCode)
      .min(1)
      .max(7)
      .meta({
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
export const RejectCode = z
  .enum(Object.keys(REJECT_CODE_LABELS) as [RejectCode, ...RejectCode[]])
  .meta({
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
  index: z.int().min(0).max(MAX_BATCH_RECORDS - 1),
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

// ---------------------------------------------------------------- 2. catalog service interface

export const LookupReason = z.enum(["filing", "enforcement", "employer_check", "holder_request"]);
export type LookupReason = z.infer<typeof LookupReason>;

export const LookupQuery = z.union([
  z.object({ by: z.literal("id_number"), idNumber: typedCode().min(1).max(18) }).strict(),
  z.object({ by: z.literal("name_id_number"), name: personName(1, 50), idNumber: typedCode().min(1).max(18) }).strict(),
  z.object({ by: z.literal("certificate_number"), certificateNumber: typedCode().min(1).max(40) }).strict(),
]);

/** Every lookup names the official, the purpose and the case (Prüm, EUCARIS): else refused. */
export const LookupBody = z
  .object({
    query: LookupQuery,
    // The official's id and the case reference are read by the home province's officers in their
    // lookup log, like the name: no invisible characters (a bidirectional control reorders what
    // they read, a zero-width space makes one reference two).
    officerId: refuseInvisible(z.string().trim().min(1).max(64)),
    /**
     * The official's name as the practitioner's home province will read it in its lookup log (an
     * id alone named nobody). Optional so that nodes written before it keep working.
     */
    officerName: personName(1, 50).optional(),
    reason: LookupReason,
    caseReference: refuseInvisible(z.string().trim().min(1).max(64)),
  })
  .strict();
export type LookupBody = z.infer<typeof LookupBody>;

export const PractitionerView = z.object({
  /** Masked (e.g. `3201**********1234`) for reasons that need no full number. */
  idNumber: z.string().max(18),
  name: z.string().max(50),
  homeProvince: z.string().max(6),
  categories: z.array(z.string().max(8)).max(7),
  certificateNumber: z.string().max(40).nullable(),
  certificateStatus: CertificateStatus.nullable(),
  validTo: z.string().max(10).nullable(),
  version: z.int(),
  recordHash: z
    .string()
    .max(128)
    .meta({ description: `The hash of the practitioner's latest accepted record: ${RECORD_HASH_RULE}` }),
  updatedAt: Timestamp,
  /** Which fields were masked for this reason. */
  masked: z.array(z.string().max(64)).max(20),
});
export type PractitionerView = z.infer<typeof PractitionerView>;

export const LookupAnswer = z.object({
  lookupId: HubId,
  reason: LookupReason,
  matches: z.array(PractitionerView).max(MAX_LOOKUP_MATCHES),
});
export type LookupAnswer = z.infer<typeof LookupAnswer>;

export const ChangesQuery = z.strictObject({
  after: wholeNumber(0).default(0),
  limit: wholeNumber(1, MAX_PAGE_SIZE).default(200),
});

export const ChangeEntry = z.object({
  seq: z.int(),
  idNumber: z.string().max(18),
  homeProvince: z.string().max(6),
  recordId: z.string().max(100),
  recordType: z.string().max(32),
  operation: RecordOperation,
  version: z.int(),
  at: Timestamp,
});
export const ChangesPage = z.object({
  changes: z.array(ChangeEntry).max(MAX_PAGE_SIZE),
  nextCursor: z.int(),
  hasMore: z.boolean(),
});
export type ChangesPage = z.infer<typeof ChangesPage>;

/** A lookup of one of the asking province's own practitioners, made elsewhere. */
export const LookupNotice = z.object({
  seq: z.int(),
  lookupId: HubId,
  at: Timestamp,
  requestingProvince: z.string().max(6),
  officerId: z.string().max(64),
  /** Null when the asking node did not name its official (older nodes); a hub before it omits it. */
  officerName: z.string().max(50).nullable().default(null),
  reason: LookupReason,
  caseReference: z.string().max(64),
  idNumber: z.string().max(18),
});
/** A page holds up to `limit` lookups, each noticed once per matching practitioner of the province. */
export const LookupNoticesPage = z.object({
  lookups: z.array(LookupNotice).max(MAX_PAGE_SIZE * MAX_LOOKUP_MATCHES),
  nextCursor: z.int(),
  hasMore: z.boolean(),
});
export type LookupNoticesPage = z.infer<typeof LookupNoticesPage>;

// ---------------------------------------------------------------- officer lookups at a province node

/**
 * What a province officer sends to their own node to look a practitioner up at the hub. The node
 * adds the officer's id; the reason and the case reference are the officer's (Prüm: no lookup
 * without a purpose).
 */
export const OfficerLookupBody = z
  .object({
    query: LookupQuery,
    reason: LookupReason,
    caseReference: refuseInvisible(z.string().trim().min(1, "请填写案卷或业务编号").max(64)),
  })
  .strict();
export type OfficerLookupBody = z.infer<typeof OfficerLookupBody>;

/** The ways a lookup names its practitioner, as officers read them. */
export const LOOKUP_BY_LABELS: Readonly<Record<z.infer<typeof LookupQuery>["by"], string>> = {
  id_number: "身份证号",
  name_id_number: "姓名 + 身份证号",
  certificate_number: "证号",
};

export const LOOKUP_REASON_LABELS: Record<LookupReason, string> = {
  filing: "异地从业备案",
  enforcement: "执法检查",
  employer_check: "用人单位核验",
  holder_request: "本人申请",
};

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
  fileProblems: string[];
}

/** The outcome of publishing a clean register: the hub's answer counted per outcome. */
export interface LegacyPublishDto {
  rows: number;
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: { recordId: string | null; reasons: RejectReason[] }[];
}

// ---------------------------------------------------------------- status lists at the hub

/** The hub's answer to a province publishing its signed status list. */
export const StatusListReceipt = z.object({
  provinceCode: z.string().max(6),
  outcome: z.enum(["accepted", "stale"]),
  generatedAt: Timestamp,
});
export type StatusListReceipt = z.infer<typeof StatusListReceipt>;

/** The most certificate keys the hub lists for one province (as many as one registration may name). */
export const MAX_CERTIFICATE_KEYS = 20;

/**
 * A province's own certificate signing keys, announced by the province (POST /certificate-keys,
 * signed with its node key) ahead of the time it signs with a new one: the hub adds keys it does not
 * list and ends listed keys earlier, never later, never removes one (RegistryService.announceCertificateKeys).
 */
export const CertificateKeysAnnouncement = z
  .object({ certificateKeys: z.array(CertificateSigningKey).min(1).max(MAX_CERTIFICATE_KEYS) })
  .strict();
export type CertificateKeysAnnouncement = z.infer<typeof CertificateKeysAnnouncement>;

/** The hub's answer: every key its national list now carries for the province, and what it did not take. */
export const CertificateKeysReceipt = z.object({
  provinceCode: ProvinceCode,
  listed: z
    .array(z.object({ kid: z.string().min(1).max(64), validFrom: IsoDate, validTo: IsoDate.nullable() }))
    .max(MAX_CERTIFICATE_KEYS),
  refused: z
    .array(
      z.object({
        kid: z.string().min(1).max(64),
        code: z.enum(["kid_in_use", "too_many_keys"]),
        message: z.string().max(200),
      }),
    )
    .max(MAX_CERTIFICATE_KEYS),
});
export type CertificateKeysReceipt = z.infer<typeof CertificateKeysReceipt>;

/** Which provinces' status lists the hub holds, and how fresh each is. */
export interface StatusListIndexDto {
  lists: { provinceCode: string; url: string; generatedAt: string; validUntil: string; ttlMs: number; receivedAt: string }[];
}

/**
 * One entry of a node's message log as the hub operator's page lists it (GET /api/hub/messages):
 * who, what and how it ended, and the entry's hash. The signatures, digests and the link to the
 * entry before stay in the log, for the chain's verification.
 */
export interface MessageLogEntryDto {
  seq: number;
  at: string;
  direction: "in" | "out";
  peer: string;
  keyId: string | null;
  nonce: string | null;
  method: string;
  target: string;
  status: number | null;
  outcome: "processed" | "replayed" | "refused" | "failed";
  code: string | null;
  hash: string;
}

/** A record the hub rejected, as the operator's page lists it (GET /api/hub/rejections). */
export interface RejectionEntryDto {
  at: string;
  sourceProvince: string;
  batchId: string;
  recordId: string | null;
  version: number | null;
  reasons: RejectReason[];
}
