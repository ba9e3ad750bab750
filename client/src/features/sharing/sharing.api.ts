import type { LookupAnswer, LookupNoticesPage, LookupReason, RejectReason } from "@contracts/hub.js";
import { api } from "@/shared/api.js";

export interface OutboundEntry {
  id: string;
  seq: number;
  recordId: string;
  idNumber: string;
  status: "pending" | "sending" | "done" | "dead";
  attempts: number;
  outcome: string | null;
  reasons: RejectReason[];
  lastError: string | null;
  hubSeq: number | null;
  receiptId: string | null;
  availableAt: string;
}

export const LOOKUP_REASON_LABELS: Record<LookupReason, string> = {
  filing: "异地备案",
  enforcement: "执法检查",
  employer_check: "用人单位核验",
  holder_request: "本人申请",
};

/** REST calls of the province's sharing pages (queue to the hub, lookups at the hub). */
export const sharingApi = {
  outbound: (status?: OutboundEntry["status"]) => api.get<OutboundEntry[]>("/api/sharing/outbound", { query: { status } }),
  retry: (id: string) => api.post<{ ok: true }>(`/api/sharing/outbound/${id}/retry`, {}),
  lookup: (body: { query: unknown; reason: LookupReason; caseReference: string }) => api.post<LookupAnswer>("/api/sharing/lookups", body),
  notices: () => api.get<LookupNoticesPage>("/api/sharing/lookup-notices"),
};
