import type { CaseDto, CaseState, ExchangeKind, FilingDetails, NoticeDetails, PractitionerPageDto, TransferDetails } from "@contracts/exchange.js";
import { api } from "@/shared/api.js";

type Practitioner = { idNumber: string; name: string };

/** REST calls of the exchange pages (filing, transfer, notices, received cases, practitioner page). */
export const exchangeApi = {
  file: (body: { lookupId: string; practitioner: Practitioner; details: FilingDetails }) => api.post<CaseDto>("/api/exchange/filings", body),
  transfer: (body: { lookupId: string; practitioner: Practitioner; details: TransferDetails }) => api.post<CaseDto>("/api/exchange/transfers", body),
  notify: (body: { lookupId?: string; practitioner: Practitioner; details: NoticeDetails }) => api.post<CaseDto>("/api/exchange/notices", body),
  list: (query: { box: "in" | "out"; kind?: ExchangeKind; state?: CaseState; overdue?: "true" }) => api.get<CaseDto[]>("/api/exchange/cases", { query }),
  get: (caseId: string) => api.get<CaseDto>(`/api/exchange/cases/${caseId}`),
  answer: (caseId: string, body: { outcome: "acknowledged" | "problem"; problem?: { code: string; note: string } }) =>
    api.post<CaseDto>(`/api/exchange/cases/${caseId}/answer`, body),
  end: (caseId: string, body: { endDate: string; reason: string }) => api.post<CaseDto>(`/api/exchange/cases/${caseId}/end`, body),
  escalations: () => api.get<CaseDto[]>("/api/exchange/escalations"),
  practitioner: (idNumber: string) => api.get<PractitionerPageDto>(`/api/practitioners/${idNumber}`),
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
