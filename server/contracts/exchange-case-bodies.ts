import { z } from "zod";
import { CategoryCode, needsDrivingLicence } from "./categories.js";
import { DivisionCode } from "./hub.js";
import { MAX_NOTICE_DOCUMENTS, PenaltyDocument } from "./exchange-documents.js";
import { readableName, readablePersonName, readableText, type TextRule } from "./exchange-text.js";
import { IdNumber, IsoDate, typedCode } from "./validation.js";
import { DISPUTE_WITHDRAWAL_REASON_MAX, Id, ProblemCode, Text, Uuid } from "./exchange-vocabulary.js";

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

  /**
   * The home province takes back its dispute of a notice (撤回异议): the notice is as before the
   * dispute, delivered and unanswered, for the home to answer again.
   */
  const DisputeWithdrawalReason = read(Text(DISPUTE_WITHDRAWAL_REASON_MAX), "撤回异议原因", true);
  const DisputeWithdrawalBody = z.object({ reason: DisputeWithdrawalReason, officer: Officer }).strict();

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
    DisputeWithdrawalReason,
    DisputeWithdrawalBody,
  };
}

/** As our officers type them and the hub takes them, from every province (exchange-text.ts). */
export const typedMessages = messagesUnder("typed");
/** As the hub hands them to a province in its inbox. */
export const receivedMessages = messagesUnder("received");
