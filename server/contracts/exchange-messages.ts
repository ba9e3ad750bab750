import { z } from "zod";
import { CategoryCode, needsDrivingLicence } from "./categories.js";
import { CERTIFICATE_STATUS_LABELS, SignedCertificateRecord } from "./certificates.js";
import { DivisionCode } from "./hub.js";
import { MAX_NOTICE_DOCUMENTS, PenaltyDocument } from "./exchange-documents.js";
import { ReceivedQualificationRecord } from "./exchange-records.js";
import { readableName, readablePersonName, readableText, type TextRule } from "./exchange-text.js";
import { IdNumber, IsoDate, typedCode, wholeNumber } from "./validation.js";

export { PenaltyDocument } from "./exchange-documents.js";

/**
 * The exchange's vocabulary and its inter-node messages (province → hub, and the inbox pulled
 * back): kinds, states, each kind's details, case bodies, answers, endings, issuance reports,
 * receipts and inbox pages. Read through exchange.ts.
 */

/** Field shapes shared with the officer's API (exchange-pages.ts). */
export const Id = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, "须为 8–64 位字母、数字或 -");
export { IsoDate };
export const Text = (max: number) => z.string().trim().min(1).max(max);
export { IdNumber };
/**
 * A UUID as the nodes keep and compare it: in lower case (RFC 9562 writes UUIDs so and compares
 * them case-insensitively). Another implementation may send one in upper case; matched exactly,
 * its lookup id was refused lookup_mismatch.
 */
export const Uuid = z.string().toLowerCase().uuid();

export const ExchangeKind = z.enum(["filing", "transfer", "notice"]);
export type ExchangeKind = z.infer<typeof ExchangeKind>;

/**
 * A case's state: `sent` (held by the hub), `delivered` (the home province pulled it), then
 * `acknowledged` or `problem` (the home province's answer), and `ended` (a filing whose
 * practitioner left, a transfer withdrawn, a notice withdrawn by its sender once disputed). Locally a sender also knows `queued` (not yet accepted by the hub) and
 * `refused` (the hub refused it with a reason).
 */
export const CaseState = z.enum([
  "queued",
  "sent",
  "delivered",
  "acknowledged",
  "problem",
  "ended",
  "refused",
]);
export type CaseState = z.infer<typeof CaseState>;

/** The states in which a sender's case is still open (the sender may end it): the node's and its page's one list. */
export const OPEN_CASE_STATES: readonly CaseState[] = [
  "queued",
  "sent",
  "delivered",
  "acknowledged",
  "problem",
];

export const CASE_STATE_LABELS: Readonly<Record<CaseState, string>> = {
  queued: "待发送",
  sent: "已发送",
  delivered: "已送达",
  acknowledged: "已确认",
  problem: "有异议",
  ended: "已终止",
  refused: "被拒绝",
};
export const KIND_LABELS: Readonly<Record<ExchangeKind, string>> = {
  filing: "异地备案",
  transfer: "转籍",
  notice: "违法抄告",
};

export const ProblemCode = z.enum([
  "certificate_revoked",
  "identity_mismatch",
  "not_our_practitioner",
  "other",
]);
export type ProblemCode = z.infer<typeof ProblemCode>;
export const PROBLEM_LABELS: Readonly<Record<z.infer<typeof ProblemCode>, string>> = {
  certificate_revoked: "证书已吊销或注销",
  identity_mismatch: "身份信息不符",
  not_our_practitioner: "非本省从业人员",
  other: "其他",
};

/**
 * The inter-node messages whose free text the other province's officers read, built under one
 * rule for that text (exchange-text.ts): `typed` for our officers' forms and what the hub takes,
 * `received` for the inbox the hub hands a province. One definition, so the two cannot drift.
 */
function messagesUnder(rule: TextRule) {
  /** Free text under `rule`, named for the officer as `label`; `lines` for a text area's. */
  const read = (base: z.ZodString, label: string, lines = false) => readableText(base, rule, label, lines);
  /** A name the other province's officers read (an officer, an employer, an authority). */
  const ReadName = (max: number, label: string) => readableName(Text(max), rule, label);

  const Practitioner = z.object({ idNumber: IdNumber, name: readablePersonName(rule, 1, 50) }).strict();

  const Officer = z
    .object({
      id: read(Text(64), "经办人标识"),
      name: ReadName(50, "经办人姓名"),
      divisionCode: DivisionCode,
    })
    .strict();

  /** Off-site filing: what the filing province records (DOMAIN.md: category, employer, start, licence, status). */
  const FilingDetails = z
    .object({
      employer: z
        .object({
          name: ReadName(100, "用人单位名称"),
          // Codes as typed: full-width forms and lower-case letters are the code they stand for.
          creditCode: typedCode()
            .toUpperCase()
            .regex(/^[0-9A-Z]{18}$/, "须为 18 位统一社会信用代码")
            .optional(),
        })
        .strict(),
      startDate: IsoDate,
      categoryCode: CategoryCode,
      /** The practitioner's driving licence: required for a driver category, absent for the others. */
      licence: z
        .object({
          number: read(typedCode().toUpperCase().min(1).max(30), "驾驶证号"),
          class: typedCode()
            .toUpperCase()
            .regex(/^[A-D][1-3]?$/, "准驾车型如 A1、B2、C1"),
        })
        .strict()
        .optional()
        .meta({ description: "Required for a driver category; may be absent for 03002 and 03003 only." }),
      contact: z
        .object({
          phone: typedCode().regex(/^[0-9+\- ]{5,20}$/, "须为电话号码"),
        })
        .strict(),
    })
    .strict()
    .refine((d) => d.licence !== undefined || !needsDrivingLicence(d.categoryCode), {
      message: "驾驶员类别备案须填写驾驶证号和准驾车型",
      path: ["licence"],
    });

  /** Enforcement notice (抄告): the penalty decided in the reporting province. */
  const NoticeDetails = z
    .object({
      caseNumber: read(Text(64), "处罚决定书文号"),
      decidedOn: IsoDate,
      legalBasis: read(Text(300), "法律依据"),
      facts: read(Text(1000), "违法事实", true),
      points: z.int().min(0).max(100).optional(),
      fineYuan: z.number().min(0).max(10_000_000).optional(),
      /** The penalty's documents by digest (exchange-documents.ts); their content follows separately. */
      documents: z.array(PenaltyDocument).max(MAX_NOTICE_DOCUMENTS).default([]),
    })
    .strict()
    .refine((d) => d.points !== undefined || d.fineYuan !== undefined, {
      message: "须填写记分或罚款",
      path: ["points"],
    });

  /** Transfer (转籍): the receiving province's new certificate replaces the home province's. */
  const TransferDetails = z
    .object({
      reason: read(Text(300), "转籍原因", true),
      newCertificateNumber: z
        .string()
        .regex(/^[0-9A-Z-]{6,40}$/)
        .optional(),
    })
    .strict();

  const CaseBase = {
    caseId: Id,
    /** The catalog lookup (reason `filing` for filings and transfers) that found the practitioner. */
    lookupId: Uuid,
    practitioner: Practitioner,
    /** The sending office's division (a county officer files in their county). */
    officer: Officer,
  };
  const FilingBody = z.object({ ...CaseBase, kind: z.literal("filing"), details: FilingDetails }).strict();
  const TransferBody = z
    .object({ ...CaseBase, kind: z.literal("transfer"), details: TransferDetails })
    .strict();
  const NoticeBody = z
    .object({
      ...CaseBase,
      lookupId: Uuid.optional(),
      kind: z.literal("notice"),
      details: NoticeDetails,
    })
    .strict();

  const AckProblem = z.object({ code: ProblemCode, note: read(Text(500), "说明", true) }).strict();

  /**
   * The receiving province issued its own certificate on an agreed transfer (转籍换发): the home
   * province is told, and marks its certificate as superseded by this one (cancelled, reason 转籍).
   */
  const IssuedBody = z
    .object({
      certificateNo: IdNumber,
      version: z.int().min(1).max(1000),
      serial: read(z.string().max(40), "证书编号"),
      issuedAt: z.iso.datetime(),
      issuingAuthority: z.object({ divisionCode: DivisionCode, name: ReadName(80, "发证机关名称") }).strict(),
      officer: Officer,
    })
    .strict();

  /**
   * The home province's certificate had been revoked (吊销) or withdrawn (撤销) when the receiving
   * province's issuance notice reached it (a revocation racing the transfer, which the receiving
   * province's check of the hub's copy of the home's status list missed): not superseded, since its
   * status is final, and the receiving province is told on the case. Its officers decide what
   * becomes of the certificate they issued; nothing there changes by itself. Sent by the home's
   * node, not by an officer: it answers the issuance notice.
   */
  const SourceEndedBody = z
    .object({
      certificateNo: IdNumber,
      version: z.int().min(1).max(1000),
      status: z.enum(["revoked", "withdrawn"]),
      statusChangedAt: z.iso.datetime(),
      reason: read(Text(300), "吊销或撤销原因", true),
    })
    .strict();

  /** The filing province ends a filing (the practitioner left the employer or the province). */
  const EndReason = read(Text(300), "终止原因", true);
  const EndBody = z.object({ endDate: IsoDate, reason: EndReason, officer: Officer }).strict();

  return {
    Practitioner,
    Officer,
    FilingDetails,
    NoticeDetails,
    TransferDetails,
    FilingBody,
    TransferBody,
    NoticeBody,
    CaseBody: z.discriminatedUnion("kind", [FilingBody, TransferBody, NoticeBody]),
    AckProblem,
    IssuedBody,
    SourceEndedBody,
    EndReason,
    EndBody,
  };
}

/** As our officers type them and the hub takes them, from every province (exchange-text.ts). */
const typed = messagesUnder("typed");
/** As the hub hands them to a province in its inbox. */
const received = messagesUnder("received");

export const Practitioner = typed.Practitioner;
export const Officer = typed.Officer;
export const FilingDetails = typed.FilingDetails;
export type FilingDetails = z.infer<typeof FilingDetails>;
export const NoticeDetails = typed.NoticeDetails;
export type NoticeDetails = z.infer<typeof NoticeDetails>;
export const TransferDetails = typed.TransferDetails;
export type TransferDetails = z.infer<typeof TransferDetails>;

// ---------------------------------------------------------------- inter-node messages (province → hub)

export const FilingBody = typed.FilingBody;
export const TransferBody = typed.TransferBody;
export const NoticeBody = typed.NoticeBody;
export const CaseBody = typed.CaseBody;
export type CaseBody = z.infer<typeof CaseBody>;

export const AckProblem = typed.AckProblem;

/** The home province's answer to a case. */
export const AckBody = z
  .object({
    outcome: z.enum(["acknowledged", "problem"]),
    problem: AckProblem.optional(),
    officer: Officer,
    /**
     * With an agreed transfer: the home province's current certificate record and its signature,
     * which the receiving province verifies against the national trust list before it issues its
     * own certificate from it.
     */
    certificate: SignedCertificateRecord.optional(),
  })
  .strict()
  .refine((a) => (a.outcome === "problem") === (a.problem !== undefined), {
    message: "有异议时须说明问题，确认时不得附问题",
    path: ["problem"],
  })
  .refine((a) => a.outcome === "acknowledged" || a.certificate === undefined, {
    message: "有异议时不附证书",
    path: ["certificate"],
  });
export type AckBody = z.infer<typeof AckBody>;

export const IssuedBody = typed.IssuedBody;
export type IssuedBody = z.infer<typeof IssuedBody>;

export const SourceEndedBody = typed.SourceEndedBody;
export type SourceEndedBody = z.infer<typeof SourceEndedBody>;
/** How a case history and the officers' pages name the home's certificate's end. */
export const SOURCE_ENDED_LABELS: Readonly<Record<SourceEndedBody["status"], string>> = {
  revoked: CERTIFICATE_STATUS_LABELS.revoked,
  withdrawn: CERTIFICATE_STATUS_LABELS.withdrawn,
};

/** An ending's reason as the officer types it (the ending's form, exchange-pages.ts). */
export const EndReason = typed.EndReason;
export const EndBody = typed.EndBody;
export type EndBody = z.infer<typeof EndBody>;

/** The hub's answer to a case, acknowledgement or ending: the case as the hub now holds it. */
const Code = z.string().max(6);
const Time = z.string().max(40);
export const CaseReceipt = z.object({
  caseId: Id,
  kind: ExchangeKind,
  state: CaseState,
  fromProvince: Code,
  toProvince: Code,
  responsibleDivision: Code,
  sentAt: Time,
  deadlineAt: Time,
});
export type CaseReceipt = z.infer<typeof CaseReceipt>;

/**
 * The hub's current record of the home province's certificate on an agreed transfer (GET
 * /exchange/cases/{caseId}/source-record), asked by the receiving province when it issues on the
 * record that came with the agreement (a legacy holder's): the home may have revoked or corrected
 * it since. Null when the home has no certificate record at the hub now.
 */
export const CaseSourceRecord = z.object({
  caseId: Id,
  sourceRecord: ReceivedQualificationRecord.nullable(),
});
export type CaseSourceRecord = z.infer<typeof CaseSourceRecord>;

// ---------------------------------------------------------------- the inbox (hub → province, pulled)

/**
 * One inbox message. `case` messages bring a new case to its home province (and `end` its
 * ending); `state` messages tell either side that a case changed (delivered, acknowledged,
 * problem, ended, overdue).
 */
export const InboxMessage = z.object({
  seq: z.int(),
  messageId: Uuid,
  type: z.enum(["case", "state"]),
  at: Time,
  caseId: Id,
  kind: ExchangeKind,
  fromProvince: Code,
  toProvince: Code,
  state: CaseState,
  responsibleDivision: Code,
  deadlineAt: Time,
  overdue: z.boolean(),
  /** The whole case (type `case`): practitioner, officer, lookup and details. */
  body: received.CaseBody.nullable(),
  /** The answer or ending that caused a `state` message. */
  ack: z
    .object({
      outcome: z.enum(["acknowledged", "problem"]),
      problem: received.AckProblem.nullable(),
      officer: received.Officer,
      certificate: SignedCertificateRecord.nullable().default(null),
    })
    .nullable(),
  end: received.EndBody.nullable(),
  /** The receiving province's new certificate on a transfer (its `issued` message). */
  issued: received.IssuedBody.nullable().default(null),
  /**
   * An agreed transfer of a holder whose home node keeps no signed certificate (a legacy register
   * entry): the home province's certificate record as the hub holds it, which the receiving
   * province issues from (the hub's record is the source of truth for legacy holders).
   */
  sourceRecord: ReceivedQualificationRecord.nullable().default(null),
  /**
   * A transfer issued on: the home province's certificate had been revoked or withdrawn before the
   * issuance notice reached it (its `source-ended` message), for the receiving province's officers
   * to decide on the certificate they issued.
   */
  sourceEnded: received.SourceEndedBody.nullable().default(null),
});
export type InboxMessage = z.infer<typeof InboxMessage>;

/**
 * `after` is the receiver's cursor: asking with `after=N` confirms that every message up to N is
 * stored, which is what makes a case `delivered` (store-and-forward: nothing is lost if the
 * receiver crashes between receiving and storing, it asks again from its old cursor).
 */
export const InboxQuery = z.strictObject({
  after: wholeNumber(0).default(0),
  limit: wholeNumber(1, 500).default(100),
  /** Long poll: with nothing after the cursor, wait up to this many ms for the next message. */
  wait: wholeNumber(0, 10_000).default(0),
});
export const InboxPage = z.object({
  messages: z.array(InboxMessage).max(500),
  nextCursor: z.int(),
  hasMore: z.boolean(),
});
export type InboxPage = z.infer<typeof InboxPage>;
