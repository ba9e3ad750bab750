import type { RegisterNodeBody, RegisteredNodeDto, RejectReason } from "@contracts/hub.js";
import { api, type Sent } from "@/shared/api.js";

export interface MessageLogEntry {
  seq: number;
  at: string;
  direction: "in" | "out";
  peer: string;
  keyId: string | null;
  nonce: string | null;
  method: string;
  target: string;
  status: number | null;
  outcome: "processed" | "replayed" | "refused" | "failed";
  code: string | null;
  hash: string;
}

export interface RejectionEntry {
  at: string;
  sourceProvince: string;
  batchId: string;
  recordId: string | null;
  version: number | null;
  reasons: RejectReason[];
}

/** REST calls of the hub operator's pages. */
export const hubApi = {
  nodes: () => api.get<RegisteredNodeDto[]>("/api/hub/nodes"),
  register: (body: Sent<typeof RegisterNodeBody>) => api.post<RegisteredNodeDto>("/api/hub/nodes", body),
  setStatus: (provinceCode: string, status: "active" | "suspended") =>
    api.post<RegisteredNodeDto>(`/api/hub/nodes/${provinceCode}/status`, { status }),
  messages: (query: { province?: string; beforeSeq?: number }) => api.get<MessageLogEntry[]>("/api/hub/messages", { query }),
  verifyMessages: () => api.get<{ ok: boolean; checked: number; brokenAt: number | null }>("/api/hub/messages/verify"),
  rejections: (query: { province?: string }) => api.get<RejectionEntry[]>("/api/hub/rejections", { query }),
};
