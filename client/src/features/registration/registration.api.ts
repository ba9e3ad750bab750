import type {
  CandidateDto,
  CorrectCandidateBody,
  ListCandidatesQuery,
  PrecheckBody,
  PrecheckDto,
  RegisterCandidateBody,
} from "@contracts/registration.js";
import { api, type Sent } from "@/shared/api.js";

/** REST calls of candidate registration (报名). */
export const registrationApi = {
  list: (query: Omit<Sent<typeof ListCandidatesQuery>, "limit">) =>
    api
      .get<{ candidates: CandidateDto[] }>("/api/candidates", { query: { ...query, limit: 200 } })
      .then((r) => r.candidates),
  correct: (id: string, body: Sent<typeof CorrectCandidateBody>) =>
    api.patch<{ candidate: CandidateDto }>(`/api/candidates/${id}`, body).then((r) => r.candidate),
  withdraw: (id: string, reason: string) =>
    api.post<{ candidate: CandidateDto }>(`/api/candidates/${id}/withdraw`, { reason }).then((r) => r.candidate),
  precheck: (body: Sent<typeof PrecheckBody>, signal?: AbortSignal) =>
    api.post<PrecheckDto>("/api/candidates/precheck", body, { notify: false, signal }),
  register: (body: Sent<typeof RegisterCandidateBody>) =>
    api
      .post<{ candidate: CandidateDto }>("/api/candidates", body, { notify: false })
      .then((r) => r.candidate),
};
