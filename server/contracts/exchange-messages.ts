import { z } from "zod";
import { CERTIFICATE_STATUS_LABELS, SignedCertificateRecord } from "./certificates.js";
import { typedMessages as typed } from "./exchange-case-bodies.js";
import { ReceivedQualificationRecord } from "./exchange-records.js";
import { CaseState, ExchangeKind, HubCode as Code, HubTime as Time, Id } from "./exchange-vocabulary.js";

export { PenaltyDocument } from "./exchange-documents.js";
export {
  CASE_STATE_LABELS,
  CaseState,
  DISPUTE_WITHDRAWAL_REASON_MAX,
  ExchangeKind,
  Id,
  IdNumber,
  IsoDate,
  KIND_LABELS,
  OPEN_CASE_STATES,
  PROBLEM_LABELS,
  ProblemCode,
  Text,
  Uuid,
} from "./exchange-vocabulary.js";
export { InboxMessage, InboxPage, InboxQuery } from "./exchange-inbox.js";

/**
 * The exchange's inter-node messages (province → hub): each kind's details, case bodies, answers,
 * endings, issuance reports and receipts. By concern: exchange-vocabulary.ts (kinds, states,
 * shared field shapes), exchange-case-bodies.ts (the bodies, built once per text rule),
 * exchange-inbox.ts (the inbox pulled back); all re-exported here. Read through exchange.ts.
 */

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

/** The home province's taking back of its dispute of a notice (撤回异议), and its reason as typed. */
export const DisputeWithdrawalReason = typed.DisputeWithdrawalReason;
export const DisputeWithdrawalBody = typed.DisputeWithdrawalBody;
export type DisputeWithdrawalBody = z.infer<typeof DisputeWithdrawalBody>;

/** The hub's answer to a case, acknowledgement or ending: the case as the hub now holds it. */
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
