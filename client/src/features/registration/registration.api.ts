import type {
  ApplyForCategoriesBody,
  CandidateDto,
  CorrectCandidateBody,
  ListCandidatesQuery,
  PrecheckBody,
  PrecheckDto,
  RegisterCandidateBody,
  ReplacePhotoBody,
} from "@contracts/registration.js";
import type {
  RegistrationImportConfirmedDto,
  RegistrationImportDto,
} from "@contracts/registration-import.js";
import { api, type Sent } from "@/shared/api.js";

/** REST calls of candidate registration (报名). */
export const registrationApi = {
  /** The newest 200 registrations under the query, and how many there are in all. */
  list: (query: Omit<Sent<typeof ListCandidatesQuery>, "limit">, options?: { notify?: boolean }) =>
    api.get<{ candidates: CandidateDto[]; total: number; next: string | null }>("/api/candidates", {
      query: { ...query, limit: 200 },
      ...options,
    }),
  /** 更正: refusals (a field, not_eligible, still seated) are the dialog's to show. */
  correct: (id: string, body: Sent<typeof CorrectCandidateBody>) =>
    api
      .patch<{ candidate: CandidateDto }>(`/api/candidates/${id}`, body, { notify: false })
      .then((r) => r.candidate),
  /** 报考新类别: refusals (not_eligible with each category's failures) are the dialog's to show. */
  applyForCategories: (id: string, body: Sent<typeof ApplyForCategoriesBody>) =>
    api
      .post<{ candidate: CandidateDto }>(`/api/candidates/${id}/categories`, body, { notify: false })
      .then((r) => r.candidate),
  /**
   * Why 更换照片 would be refused now (withdrawn, seated, mid-sitting), in the server's words, or
   * null: asked before the dialog opens, so the officer does not pick and confirm a photo in vain.
   */
  photoRefusal: (id: string) =>
    api
      .get<{ refusal: { code: string; message: string } | null }>(`/api/candidates/${id}/photo-refusal`)
      .then((r) => r.refusal),
  /** 更换照片: refusals (the photo, still seated) are the dialog's to show. */
  replacePhoto: (id: string, body: Sent<typeof ReplacePhotoBody>) =>
    api
      .put<{ candidate: CandidateDto }>(`/api/candidates/${id}/photo`, body, { notify: false })
      .then((r) => r.candidate),
  withdraw: (id: string, reason: string) =>
    api.post<{ candidate: CandidateDto }>(`/api/candidates/${id}/withdraw`, { reason }).then((r) => r.candidate),
  precheck: (body: Sent<typeof PrecheckBody>, signal?: AbortSignal) =>
    api.post<PrecheckDto>("/api/candidates/precheck", body, { notify: false, signal }),
  /** The dry run of a bulk import: every row reported, nothing registered. */
  previewImport: (filename: string, contentBase64: string) =>
    api.post<RegistrationImportDto>("/api/candidates/imports", { filename, contentBase64 }, { notify: false }),
  /** Registers every row of a dry run, or none; refusals carry the new report in `details`. */
  confirmImport: (importId: string) =>
    api.post<RegistrationImportConfirmedDto>(`/api/candidates/imports/${importId}/confirm`, {}, { notify: false }),
  importTemplateUrl: "/api/candidates/import-template",
  register: (body: Sent<typeof RegisterCandidateBody>) =>
    api
      .post<{ candidate: CandidateDto }>("/api/candidates", body, { notify: false })
      .then((r) => r.candidate),
};
