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

/** The hub's own identity, which provinces pin. */
export interface HubIdentityDto {
  keyId: string;
  publicKey: string;
  alg: "ed25519";
}

// ---------------------------------------------------------------- 1. collection interface

export const RecordOperation = z.enum(["add", "update", "delete"]);
export const CertificateStatus = z.enum(["valid", "cancelled", "revoked", "withdrawn"]);

/**
 * One qualification record (资格记录) as a province publishes it. `recordId` is stable at the
 * source and versions grow with each change; the hub keeps the highest version it accepted.
 */
export const QualificationRecord = z
  .object({
    recordId: z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/, "recordId 须为 1–100 位字母、数字或 :._-"),
    recordType: z.enum(["exam_pass", "certificate"]),
    /** 数据来源省份 (provenance). */
    sourceProvince: ProvinceCode,
    /** Flag: add / update / delete. */
    operation: RecordOperation,
    /** State: valid / invalid. */
    state: z.enum(["valid", "invalid"]),
    updateTime: UpdateTime,
    version: z.int().min(1).max(2_147_483_647),
    practitioner: z
      .object({
        idNumber: z.string().min(1).max(18),
        name: personName(1, 50),
      })
      .strict(),
    categories: z.array(CategoryCode).min(1).max(7),
    /** The GB/T 2260 division of the authority that examined or issued. */
    issuingDivision: DivisionCode,
    exam: z
      .object({
        categoryCode: CategoryCode,
        passedOn: IsoDate,
        score: z.number().min(0).max(100),
        passMark: z.number().min(0).max(100),
        chainHash: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict()
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

/** Why a record was rejected: a stable code, the offending field's path and a Chinese message. */
export const RejectReason = z.object({
  code: z.string().min(1).max(64),
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
  /** SHA-256 of the record's canonical form, hex. */
  recordHash: z.string().max(128).nullable(),
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
  recordHash: z.string().max(128),
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

/** The cleaning report of a checked register: how many rows are clean, and why each other row was refused. */
export interface CleaningReport {
  rows: number;
  clean: number;
  /**
   * The refused rows, with what finds them in the sheet: the row, the name and the ID number masked
   * as on every other page (the report is shown, and may be kept, beyond the file itself).
   */
  refused: { line: number; name: string; idNumberMasked: string | null; reasons: RejectReason[] }[];
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
