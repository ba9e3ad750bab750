import type {
  CaseDto,
  CaseListDto,
  CaseListQuery,
  CaseState,
  NewFilingBody,
  NewNoticeBody,
  NewTransferBody,
  OfficerAckBody,
  OfficerDisputeWithdrawalBody,
  OfficerEndBody,
  PractitionerPageDto,
} from "@contracts/exchange.js";
import type { CertificateRecord, TransferIssueBody } from "@contracts/certificates.js";
import type { DocumentUploadBody, PenaltyDocument } from "@contracts/exchange-documents.js";
import type { CaseDetailDto } from "@contracts/exchange-resend.js";
import { api, type RequestOptions, type Sent } from "@/shared/api.js";

/**
 * REST calls of the exchange pages (filing, transfer, notices, received cases, practitioner page).
 * The list and page reads show a refusal in place of their content (notify off: a toast repeated
 * it); actions keep the toast, since their page's alert may be scrolled out of view.
 */
export const exchangeApi = {
  /** The sending forms pass `notify` to leave out the toast of problems they show under their fields. */
  file: (body: Sent<typeof NewFilingBody>, options?: Pick<RequestOptions, "notify">) =>
    api.post<CaseDto>("/api/exchange/filings", body, options),
  transfer: (body: Sent<typeof NewTransferBody>, options?: Pick<RequestOptions, "notify">) =>
    api.post<CaseDto>("/api/exchange/transfers", body, options),
  notify: (body: Sent<typeof NewNoticeBody>, options?: Pick<RequestOptions, "notify">) =>
    api.post<CaseDto>("/api/exchange/notices", body, options),
  /** A page of cases, newest first, how many match in all and where the next page starts. */
  list: (query: Omit<Sent<typeof CaseListQuery>, "limit">) =>
    api.get<CaseListDto>("/api/exchange/cases", { query: { ...query, limit: 100 }, notify: false }),
  /**
   * One case with the messages the sender gave up on; `notify: false` when a failed read must not
   * add a toast (the re-read after a refusal).
   */
  get: (caseId: string, options: { notify?: boolean } = {}) =>
    api.get<CaseDetailDto>(`/api/exchange/cases/${caseId}`, options),
  /** 重新发送: the case's messages the sender gave up on go back in the queue; the case as it now is. */
  resend: (caseId: string) => api.post<CaseDetailDto>(`/api/exchange/cases/${caseId}/resend`, {}),
  /** The case page's actions pass `notify` to leave out the toast of a refusal it shows itself. */
  answer: (caseId: string, body: Sent<typeof OfficerAckBody>, options?: Pick<RequestOptions, "notify">) =>
    api.post<CaseDto>(`/api/exchange/cases/${caseId}/answer`, body, options),
  end: (caseId: string, body: Sent<typeof OfficerEndBody>, options?: Pick<RequestOptions, "notify">) =>
    api.post<CaseDto>(`/api/exchange/cases/${caseId}/end`, body, options),
  /** 撤回异议: the home province takes back its dispute of a received notice; the notice as it now is. */
  withdrawDispute: (
    caseId: string,
    body: Sent<typeof OfficerDisputeWithdrawalBody>,
    options?: Pick<RequestOptions, "notify">,
  ) => api.post<CaseDto>(`/api/exchange/cases/${caseId}/dispute-withdrawal`, body, options),
  /** Overdue received cases, and the node's cases with messages stuck on the way to the hub. */
  escalations: () =>
    api.get<{ cases: CaseDto[]; total: number; undelivered: { cases: CaseDto[]; total: number } }>(
      "/api/exchange/escalations",
      { notify: false },
    ),
  /** Issues this province's certificate on an agreed transfer (certificates feature, 转籍换发). */
  issueTransfer: (caseId: string, body: TransferIssueBody = {}, options?: Pick<RequestOptions, "notify">) =>
    api.post<{ record: CertificateRecord }>(`/api/certificate-transfers/${caseId}/issue`, body, options),
  /** Uploads a notice's document (PDF/JPEG/PNG); the answer is its entry for the notice. */
  uploadDocument: (body: Sent<typeof DocumentUploadBody>) => api.post<PenaltyDocument>("/api/exchange/documents", body),
  /** Where a case's document is read (a plain link: the session cookie goes with it). */
  documentUrl: (caseId: string, sha256: string) => `/api/exchange/cases/${caseId}/documents/${sha256}`,
  practitioner: (idNumber: string) =>
    api.get<PractitionerPageDto>(`/api/practitioners/${idNumber}`, { notify: false }),
};

/** Element Plus tag colour of each state. */
export const STATE_TAG: Record<CaseState, "info" | "primary" | "success" | "warning" | "danger"> = {
  queued: "info",
  sent: "primary",
  delivered: "primary",
  acknowledged: "success",
  problem: "warning",
  ended: "info",
  refused: "danger",
};
