import { z } from "zod";
import { HubId, MAX_LOOKUP_MATCHES, MAX_PAGE_SIZE, Timestamp } from "./hub-base.js";
import { CertificateStatus, RECORD_HASH_RULE, RecordOperation } from "./hub-collection.js";
import { personName, refuseInvisible, typedCode, wholeNumber } from "./validation.js";

/**
 * 2. The catalog service interface (数据资源目录服务, hub → province): lookups with their purpose,
 * the practitioner view, the change feed and the lookup notices; and an officer's lookup as a
 * province node takes it from its own officers.
 */

// ---------------------------------------------------------------- 2. catalog service interface

/**
 * Why an official looks a practitioner up. A filing (异地从业备案) cites a `filing` lookup, a
 * transfer (转籍) a `transfer` lookup, a penalty notice an `enforcement` one. A transfer citing a
 * `filing` lookup is accepted too: provinces' software written before `transfer` existed looks
 * transfers up as filings.
 */
export const LookupReason = z.enum(["filing", "transfer", "enforcement", "employer_check", "holder_request"]);
export type LookupReason = z.infer<typeof LookupReason>;

/**
 * The reason a lookup notice (hub → home province) names: a `transfer` lookup's notice says
 * `filing`, with `transfer: true`. Provinces built before `transfer` existed parse every notice
 * page strictly against the four reasons below (and drop keys they do not know): one notice
 * reading `transfer` stopped their notice pull at that page for good.
 */
export const NoticeReason = LookupReason.exclude(["transfer"]);
export type NoticeReason = z.infer<typeof NoticeReason>;

/** A lookup's reason as its notice carries it (see NoticeReason). */
export function noticeReasonOf(reason: LookupReason): { reason: NoticeReason; transfer: boolean } {
  return reason === "transfer" ? { reason: "filing", transfer: true } : { reason, transfer: false };
}

export const LookupQuery = z.union([
  z.object({ by: z.literal("id_number"), idNumber: typedCode().min(1).max(18) }).strict(),
  z
    .object({
      by: z.literal("name_id_number"),
      name: personName(1, 50),
      idNumber: typedCode().min(1).max(18),
    })
    .strict(),
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
    reason: LookupReason.meta({
      description:
        "transfer (转籍) is newer than the other reasons: a hub built before it refuses it with 400, so the hub (the ministry's) is upgraded before the provinces whose officers look up with it. Lookup notices carry a transfer lookup as filing with transfer: true, which older provinces read as filing.",
    }),
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

/**
 * A lookup id as the nodes keep and compare it: a UUID (what this hub issues) in lower case,
 * whatever case another implementation wrote it in; an id of another form as it came.
 */
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LookupId = HubId.overwrite((id) => (UUID_SHAPE.test(id) ? id.toLowerCase() : id));

export const LookupAnswer = z.object({
  lookupId: LookupId,
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
  lookupId: LookupId,
  at: Timestamp,
  requestingProvince: z.string().max(6),
  officerId: z.string().max(64),
  /** Null when the asking node did not name its official (older nodes); a hub before it omits it. */
  officerName: z.string().max(50).nullable().default(null),
  reason: NoticeReason,
  /** A transfer (转籍) lookup, its `reason` saying `filing` (see NoticeReason); a hub before it omits it. */
  transfer: z.boolean().default(false).meta({
    description:
      "True for a lookup made for a transfer (转籍): its reason then reads filing, so that nodes written before the transfer reason still read the page.",
  }),
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
  transfer: "转籍",
  enforcement: "执法检查",
  employer_check: "用人单位核验",
  holder_request: "本人申请",
};
