import { z } from "zod";
import type { CategoryCode } from "./categories.js";
import { ProvinceCode } from "./hub.js";
import { TimeIdCursor, wholeNumber } from "./validation.js";
import {
  AckProblem,
  CaseState,
  DisputeWithdrawalReason,
  EndReason,
  ExchangeKind,
  FilingDetails,
  Id,
  IdNumber,
  IsoDate,
  NoticeDetails,
  Practitioner,
  TransferDetails,
  Uuid,
} from "./exchange-messages.js";

/**
 * Who follows up overdue received cases (逾期督办), defined once in access-levels.ts with the
 * server's policies; re-exported here for the exchange pages.
 */
export { ESCALATION_LEVELS } from "./access-levels.js";

/**
 * What an officer's pages exchange with their own node (new cases, answers, endings, lists, the
 * case as shown, the practitioner page) and the per-province figures the hub's monthly report reads.
 * Read through exchange.ts.
 */

// ---------------------------------------------------------------- province pages (officer ↔ own node)

export const NewFilingBody = z
  .object({ lookupId: Uuid, practitioner: Practitioner, details: FilingDetails })
  .strict();
export const NewTransferBody = z
  .object({ lookupId: Uuid, practitioner: Practitioner, details: TransferDetails })
  .strict();
export const NewNoticeBody = z
  .object({ lookupId: Uuid.optional(), practitioner: Practitioner, details: NoticeDetails })
  .strict();
export const OfficerAckBody = z
  .object({ outcome: z.enum(["acknowledged", "problem"]), problem: AckProblem.optional() })
  .strict()
  .refine((a) => (a.outcome === "problem") === (a.problem !== undefined), {
    message: "有异议时须说明问题",
    path: ["problem"],
  });
export const OfficerEndBody = z.object({ endDate: IsoDate, reason: EndReason }).strict();
/** The home officer takes back their province's dispute of a notice (撤回异议), saying why. */
export const OfficerDisputeWithdrawalBody = z.object({ reason: DisputeWithdrawalReason }).strict();

export const CaseListQuery = z.strictObject({
  box: z.enum(["in", "out"]),
  kind: ExchangeKind.optional(),
  state: CaseState.optional(),
  overdue: z.enum(["true", "false"]).optional(),
  limit: wholeNumber(1, 200).default(50),
  /** Where the next page starts: the `next` the previous page answered. */
  before: TimeIdCursor.optional(),
});

/** GET /api/exchange/cases: newest first, one page, how many match in all, where the next page starts. */
export interface CaseListDto {
  cases: CaseDto[];
  total: number;
  next: string | null;
}

/** A case as an officer sees it on either side. */
export interface CaseDto {
  caseId: string;
  kind: ExchangeKind;
  box: "in" | "out";
  state: CaseState;
  fromProvince: string;
  toProvince: string;
  /** The office responsible on this side: the sender's division (out) or the issuing division (in). */
  division: string;
  divisionName: string;
  practitioner: { idNumber: string; name: string };
  officer: { id: string; name: string; divisionCode: string; divisionName: string };
  lookupId: string | null;
  details: FilingDetails | TransferDetails | NoticeDetails;
  sentAt: string | null;
  deadlineAt: string | null;
  overdue: boolean;
  escalatedAt: string | null;
  refusal: { code: string; message: string } | null;
  history: { at: string; state: CaseState; by: string; note: string | null }[];
  ack: {
    outcome: "acknowledged" | "problem";
    problem: { code: string; note: string } | null;
    officer: string;
    at: string;
  } | null;
  end: { endDate: string; reason: string } | null;
  /** A transfer: the home province's certificate that came with its agreement (version and serial). */
  sourceCertificate: {
    provinceCode: string;
    certificateNo: string;
    version: number;
    serial: string;
    /** The categories it carries over (a driver category needs the holder's licence on the new one). */
    categories: CategoryCode[];
    /** Signed by the home province, or (a legacy holder) the hub's record of it. */
    basis: "signed_certificate" | "hub_record";
  } | null;
  /** A transfer: the receiving province's certificate issued on it. */
  issued: { certificateNo: string; serial: string; issuedAt: string; issuingAuthority: string } | null;
  /**
   * A transfer issued on a certificate the home province had revoked or withdrawn meanwhile: what
   * the home said (`at`: when the hub passed it on, or when the home sent it). On the receiving side
   * its officers decide what becomes of the certificate they issued.
   */
  sourceEnded: {
    status: "revoked" | "withdrawn";
    statusChangedAt: string;
    reason: string;
    at: string;
  } | null;
}

/** The home province's page of one practitioner. */
export interface PractitionerPageDto {
  idNumber: string;
  name: string | null;
  certificates: {
    certificateNo: string;
    status: string;
    statusReason: string | null;
    categories: { code: string; name: string }[];
    validFrom: string;
    validTo: string;
    issuingAuthority: string;
    history: { at: string; what: string; by: string }[];
  }[];
  filingsElsewhere: CaseDto[];
  notices: CaseDto[];
  /** What the notices add to the practitioner's credit assessment (诚信考核) data. */
  credit: { notices: number; points: number; fineYuan: number };
  transfers: CaseDto[];
  /**
   * Set when the page lists only the newest of the person's cases (all kinds and boxes together)
   * or lookups: how many it read and how many there are in all. The credit figures count every
   * notice either way.
   */
  casesCapped: { listed: number; total: number } | null;
  lookupsCapped: { listed: number; total: number } | null;
  lookups: {
    /** The hub's id of the lookup, which the asking province's officer and audit log also hold. */
    lookupId: string;
    at: string;
    requestingProvince: string;
    officerId: string;
    officerName: string | null;
    reason: string;
    caseReference: string;
  }[];
}

export const PractitionerParams = z.object({ idNumber: IdNumber }).strict();
export const CaseParams = z.object({ caseId: Id }).strict();

/** Per-province exchange figures for a period (the hub's monthly report reads these). */
export interface ExchangeStatsRow {
  province: string;
  kind: ExchangeKind;
  /** Cases this province sent in the period. */
  sent: number;
  /** Cases addressed to this province in the period. */
  received: number;
  /** Of those received: acknowledged (incl. problem answers), and how long that took. */
  answered: number;
  problems: number;
  ackMedianMs: number | null;
  ackP95Ms: number | null;
  /** Received cases whose deadline passed unanswered (answered late or still open). */
  overdue: number;
  /** Still waiting for this province's answer now (unanswered, not ended by the sender). */
  waitingOpen: number;
  /** Still open and overdue now. */
  overdueOpen: number;
  /** Of those received: answered by their deadline. */
  answeredInTime: number;
  /**
   * Of those received: answered, or past their deadline unanswered (what the monthly report's
   * response rate divides by). A case still open before its deadline is in neither: counted as
   * answered, a report published right after month end scored the month's last days as on time.
   */
  due: number;
}

export const ProvinceOfCase = ProvinceCode;
