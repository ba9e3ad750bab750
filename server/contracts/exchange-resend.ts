import { z } from "zod";
import type { CaseDto } from "./exchange-pages.js";

/**
 * Messages of a case the province's sender gave up on (重新发送): after its maximum attempts a
 * message that never reached the hub is no longer tried, and an officer of the case's division
 * may put it back in the queue (POST /api/exchange/cases/{caseId}/resend).
 */

/** What an outgoing message of a case is (the queue's `purpose`). */
export const OutgoingPurpose = z.enum([
  "submit",
  "answer",
  "end",
  "issued",
  "document",
  "source_ended",
  "dispute_withdrawal",
]);
export type OutgoingPurpose = z.infer<typeof OutgoingPurpose>;

/** How the case page and its history name each kind of outgoing message. */
export const OUTGOING_PURPOSE_LABELS: Readonly<Record<OutgoingPurpose, string>> = {
  submit: "案件",
  answer: "答复",
  end: "终止",
  issued: "换发报告",
  document: "文书",
  source_ended: "原籍证书吊销或撤销告知",
  dispute_withdrawal: "撤回异议",
};

/** One message the sender gave up on: what it is, how often it was tried, the last failure (Chinese). */
export interface UndeliveredDto {
  purpose: OutgoingPurpose;
  attempts: number;
  lastError: string | null;
}

/**
 * One case as its page reads it (GET /api/exchange/cases/{caseId} and the page's actions): the
 * case with the messages the sender gave up on, oldest first (empty: none).
 */
export type CaseDetailDto = CaseDto & { undelivered: UndeliveredDto[] };
