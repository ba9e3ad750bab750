import type {
  DismissContestBody,
  HomeContestDto,
  HomeContestListDto,
  HomeContestQuery,
  MessageLogEntryDto,
  RegisterNodeBody,
  RegisteredNodeDto,
  RejectionEntryDto,
} from "@contracts/hub.js";
import { api, type Sent } from "@/shared/api.js";

/** REST calls of the hub operator's pages. */
export const hubApi = {
  nodes: () => api.get<RegisteredNodeDto[]>("/api/hub/nodes"),
  register: (body: Sent<typeof RegisterNodeBody>) => api.post<RegisteredNodeDto>("/api/hub/nodes", body),
  setStatus: (provinceCode: string, status: "active" | "suspended") =>
    api.post<RegisteredNodeDto>(`/api/hub/nodes/${provinceCode}/status`, { status }),
  messages: (query: { province?: string; beforeSeq?: number; kind?: "submit" | "read" }) =>
    api.get<MessageLogEntryDto[]>("/api/hub/messages", { query }),
  verifyMessages: () =>
    api.get<{ ok: boolean; checked: number; brokenAt: number | null }>("/api/hub/messages/verify"),
  rejections: (query: { province?: string }) =>
    api.get<RejectionEntryDto[]>("/api/hub/rejections", { query }),
  /**
   * A page of contests, newest refusal first, with the next page's cursor (`next` → `before`); the
   * page shows a failure of the first itself (`notify: false`).
   */
  homeContests: (query: Sent<typeof HomeContestQuery>, options?: { notify?: boolean }) =>
    api.get<HomeContestListDto>("/api/hub/home-contests", { query, ...options }),
  reassignHome: (contestId: string, reason: string) =>
    api.post<HomeContestDto>(`/api/hub/home-contests/${contestId}/reassign`, { reason }),
  dismissContest: (contestId: string, body: Sent<typeof DismissContestBody>) =>
    api.post<HomeContestDto>(`/api/hub/home-contests/${contestId}/dismiss`, body),
};
