import type { CandidateDto, PrecheckDto } from "@contracts/registration.js";
import { api } from "@/shared/api.js";

/** REST calls of candidate registration (报名). */
export const registrationApi = {
  list: (query: { q?: string; categoryCode?: string; withdrawn?: "include" }) =>
    api
      .get<{ candidates: CandidateDto[] }>("/api/candidates", { query: { ...query, limit: 200 } })
      .then((r) => r.candidates),
  correct: (id: string, body: { name?: string; phone?: string }) =>
    api.patch<{ candidate: CandidateDto }>(`/api/candidates/${id}`, body).then((r) => r.candidate),
  withdraw: (id: string, reason: string) =>
    api.post<{ candidate: CandidateDto }>(`/api/candidates/${id}/withdraw`, { reason }).then((r) => r.candidate),
  precheck: (body: unknown, signal?: AbortSignal) =>
    api.post<PrecheckDto>("/api/candidates/precheck", body, { notify: false, signal }),
  register: (body: unknown) =>
    api
      .post<{ candidate: CandidateDto }>("/api/candidates", body, { notify: false })
      .then((r) => r.candidate),
};
