import type { LookupAnswer, LookupNoticesPage, OfficerLookupBody, RejectReason } from "@contracts/hub.js";
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

/** REST calls of the province's sharing pages (lookups at the hub, the queue to the hub). */
export const sharingApi = {
  lookup: (body: OfficerLookupBody) => api.post<LookupAnswer>("/api/sharing/lookups", body),
  lookupNotices: () => api.get<LookupNoticesPage>("/api/sharing/lookup-notices"),
  outbound: (status?: OutboundEntry["status"]) => api.get<OutboundEntry[]>("/api/sharing/outbound", { query: { status } }),
  retry: (id: string) => api.post<{ ok: true }>(`/api/sharing/outbound/${id}/retry`, {}),
};
